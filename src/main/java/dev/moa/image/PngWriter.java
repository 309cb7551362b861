package dev.moa.image;

import dev.moa.io.AtomicFiles;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/**
 * Writes 8-bit RGB PNGs with text chunks, the way PIL's {@code PngInfo.add_text} stores them: a value
 * that Latin-1 can hold goes in a {@code tEXt} chunk, any other in an uncompressed UTF-8 {@code iTXt}
 * chunk. Chunks come before the image data, in the map's order. Files are written atomically (a
 * temporary file in the same folder, then renamed), so a failure never leaves a partial PNG and never
 * clobbers an existing one.
 *
 * <p>The encoder is written out here (rather than ImageIO's) to control the chunks exactly; rows use
 * the adaptive filter choice libpng uses (smallest sum of absolute differences).
 */
public final class PngWriter {
    private PngWriter() {}

    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};

    /** Writes {@code image} to {@code path} with no text chunks. */
    public static void write(Path path, RgbImage image) throws IOException {
        write(path, image, Map.of());
    }

    /**
     * Writes {@code image} to {@code path} with {@code text} (keyword to value, iteration order kept).
     * Keywords must be 1-79 Latin-1 characters without NUL (PNG's rule); values must not contain NUL.
     */
    public static void write(Path path, RgbImage image, Map<String, String> text) throws IOException {
        byte[] png = encode(image, text); // encode first: bad arguments fail before any file is touched
        AtomicFiles.writeBytes(path, png);
    }

    /** The complete PNG file for {@code image} and {@code text}. */
    public static byte[] encode(RgbImage image, Map<String, String> text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(image.width() * image.height() + 1024);
        try {
            out.write(SIGNATURE);
            ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
            DataOutputStream d = new DataOutputStream(ihdr);
            d.writeInt(image.width());
            d.writeInt(image.height());
            d.writeByte(8); // bit depth
            d.writeByte(2); // colour type: truecolour
            d.writeByte(0); // deflate
            d.writeByte(0); // adaptive filtering
            d.writeByte(0); // no interlace
            chunk(out, "IHDR", ihdr.toByteArray());
            for (Map.Entry<String, String> e : text.entrySet()) {
                textChunk(out, e.getKey(), e.getValue());
            }
            chunk(out, "IDAT", deflate(filtered(image)));
            chunk(out, "IEND", new byte[0]);
        } catch (IOException e) {
            throw new IllegalStateException(e); // in-memory streams do not fail
        }
        return out.toByteArray();
    }

    private static void textChunk(OutputStream out, String key, String value) throws IOException {
        if (key == null || key.isEmpty() || key.length() > 79 || !latin1(key) || key.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("PNG text keyword must be 1-79 Latin-1 characters without NUL: "
                    + key);
        }
        if (value == null || value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("PNG text value for " + key + " must be non-null without NUL");
        }
        ByteArrayOutputStream c = new ByteArrayOutputStream();
        c.write(key.getBytes(StandardCharsets.ISO_8859_1));
        c.write(0);
        if (latin1(value) && !key.equals(Provenance.XMP_KEYWORD)) {   // XMP is always iTXt, UTF-8
            c.write(value.getBytes(StandardCharsets.ISO_8859_1));
            chunk(out, "tEXt", c.toByteArray());
        } else {
            c.write(0); // not compressed
            c.write(0); // compression method
            c.write(0); // empty language tag
            c.write(0); // empty translated keyword
            c.write(value.getBytes(StandardCharsets.UTF_8));
            chunk(out, "iTXt", c.toByteArray());
        }
    }

    static boolean latin1(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 0xFF) {
                return false;
            }
        }
        return true;
    }

    private static void chunk(OutputStream out, String type, byte[] data) throws IOException {
        byte[] t = type.getBytes(StandardCharsets.ISO_8859_1);
        DataOutputStream d = new DataOutputStream(out);
        d.writeInt(data.length);
        d.write(t);
        d.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        d.writeInt((int) crc.getValue());
        d.flush();
    }

    /** Each row prefixed by the filter (0-4) whose output has the smallest sum of absolute bytes. */
    private static byte[] filtered(RgbImage image) {
        byte[] px = image.raw();
        int stride = image.width() * 3;
        int h = image.height();
        byte[] out = new byte[(stride + 1) * h];
        byte[][] cand = new byte[5][stride];
        for (int y = 0; y < h; y++) {
            int row = y * stride;
            for (int f = 0; f < 5; f++) {
                for (int i = 0; i < stride; i++) {
                    int x = px[row + i] & 0xFF;
                    int a = i >= 3 ? px[row + i - 3] & 0xFF : 0;
                    int b = y > 0 ? px[row - stride + i] & 0xFF : 0;
                    int c = i >= 3 && y > 0 ? px[row - stride + i - 3] & 0xFF : 0;
                    int pred = switch (f) {
                        case 0 -> 0;
                        case 1 -> a;
                        case 2 -> b;
                        case 3 -> (a + b) >>> 1;
                        default -> paeth(a, b, c);
                    };
                    cand[f][i] = (byte) (x - pred);
                }
            }
            int best = 0;
            long bestSum = Long.MAX_VALUE;
            for (int f = 0; f < 5; f++) {
                long sum = 0;
                for (byte v : cand[f]) {
                    sum += Math.abs((int) v);
                }
                if (sum < bestSum) {
                    bestSum = sum;
                    best = f;
                }
            }
            out[y * (stride + 1)] = (byte) best;
            System.arraycopy(cand[best], 0, out, y * (stride + 1) + 1, stride);
        }
        return out;
    }

    private static int paeth(int a, int b, int c) {
        int p = a + b - c;
        int pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static byte[] deflate(byte[] raw) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream(raw.length / 2 + 64);
        Deflater deflater = new Deflater(6);
        try (DeflaterOutputStream z = new DeflaterOutputStream(bos, deflater, 1 << 16)) {
            z.write(raw);
        } finally {
            deflater.end();
        }
        return bos.toByteArray();
    }
}
