package dev.moa.image;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Reads the text chunks of a PNG file ({@code tEXt}, {@code zTXt} and {@code iTXt}), in file order, as
 * PIL's {@code Image.info} / {@code .text} shows them: keyword to value (a later chunk with the same
 * keyword wins). Used by tests and the {@code png-info} command to show how an image was made.
 */
public final class PngText {
    private PngText() {}

    /** The text chunks of the PNG at {@code path}. */
    public static Map<String, String> read(Path path) throws IOException {
        byte[] b;
        try {
            b = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new IOException("cannot read PNG " + path + ": no such file", e);
        }
        try {
            return parse(b);
        } catch (IOException e) {
            throw new IOException("cannot read PNG " + path + ": " + e.getMessage(), e);
        }
    }

    /** The text chunks of a PNG file's bytes. */
    public static Map<String, String> parse(byte[] b) throws IOException {
        if (!"png".equals(Images.sniff(b))) {
            throw new IOException("not a PNG file");
        }
        Map<String, String> out = new LinkedHashMap<>();
        int p = 8;
        while (true) {
            if (p + 8 > b.length) {
                throw new IOException("truncated PNG (no IEND chunk)");
            }
            long len = ((long) (b[p] & 0xFF) << 24) | (b[p + 1] & 0xFF) << 16 | (b[p + 2] & 0xFF) << 8 | (b[p + 3] & 0xFF);
            String type = new String(b, p + 4, 4, StandardCharsets.ISO_8859_1);
            if (len > b.length - p - 12L) {
                throw new IOException("truncated PNG (" + type + " chunk)");
            }
            int data = p + 8, end = data + (int) len;
            switch (type) {
                case "tEXt" -> {
                    int z = nul(b, data, end);
                    out.put(latin1(b, data, z), latin1(b, z + 1, end));
                }
                case "zTXt" -> {
                    int z = nul(b, data, end);
                    byte[] text = inflate(b, z + 2, end); // after the compression-method byte
                    out.put(latin1(b, data, z), new String(text, StandardCharsets.ISO_8859_1));
                }
                case "iTXt" -> {
                    int z = nul(b, data, end);
                    String key = latin1(b, data, z);
                    if (z + 3 > end) {
                        throw new IOException("malformed iTXt chunk");
                    }
                    boolean compressed = b[z + 1] != 0;
                    int lang = nul(b, z + 3, end);
                    int translated = nul(b, lang + 1, end);
                    byte[] text = compressed ? inflate(b, translated + 1, end)
                            : java.util.Arrays.copyOfRange(b, translated + 1, end);
                    out.put(key, new String(text, StandardCharsets.UTF_8));
                }
                case "IEND" -> {
                    return out;
                }
                default -> {
                }
            }
            p = end + 4; // skip CRC
        }
    }

    private static int nul(byte[] b, int from, int end) throws IOException {
        for (int i = from; i < end; i++) {
            if (b[i] == 0) {
                return i;
            }
        }
        throw new IOException("malformed text chunk (no NUL separator)");
    }

    private static String latin1(byte[] b, int from, int to) {
        return new String(b, from, to - from, StandardCharsets.ISO_8859_1);
    }

    private static byte[] inflate(byte[] b, int from, int to) throws IOException {
        Inflater inf = new Inflater();
        try {
            inf.setInput(b, from, Math.max(0, to - from));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            while (!inf.finished()) {
                int n = inf.inflate(buf);
                if (n == 0 && (inf.needsInput() || inf.needsDictionary())) {
                    throw new IOException("truncated compressed text chunk");
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw new IOException("corrupt compressed text chunk", e);
        } finally {
            inf.end();
        }
    }
}
