package dev.moa.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PngWriterTest {
    @TempDir
    Path dir;

    private static List<String> chunkTypes(byte[] png) {
        List<String> types = new ArrayList<>();
        int p = 8;
        while (p + 8 <= png.length) {
            int len = (png[p] & 0xFF) << 24 | (png[p + 1] & 0xFF) << 16 | (png[p + 2] & 0xFF) << 8 | (png[p + 3] & 0xFF);
            types.add(new String(png, p + 4, 4, StandardCharsets.ISO_8859_1));
            p += 12 + len;
        }
        return types;
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    @Test
    void pixelsAndTextRoundTrip() throws Exception {
        RgbImage img = ResampleTest.pattern(37, 23);
        Map<String, String> text = new LinkedHashMap<>();
        text.put("prompt", "a man and a woman talking in a café");
        text.put("negative_prompt", "");
        text.put("subject", "日本語のプロンプト 🐱");
        text.put("parameters", "steps: 4, guidance: 5.0\nseed: 70");
        Path p = dir.resolve("out.png");
        PngWriter.write(p, img, text);

        assertEquals(img, RgbImage.fromBufferedImage(ImageIO.read(p.toFile())), "ImageIO decodes the same pixels");
        assertEquals(img, Images.read(p));
        Map<String, String> back = PngText.read(p);
        assertEquals(text, back);
        assertEquals(List.copyOf(text.keySet()), List.copyOf(back.keySet()), "order kept");
        // Latin-1 values in tEXt, others in iTXt, all before the image data
        assertEquals(List.of("IHDR", "tEXt", "tEXt", "iTXt", "tEXt", "IDAT", "IEND"), chunkTypes(Files.readAllBytes(p)));
        assertEquals(List.of(p), files(), "no temporary files left");
    }

    @Test
    void badKeywordsFailBeforeTouchingTheFile() throws Exception {
        Path p = dir.resolve("keep.png");
        PngWriter.write(p, RgbImage.filled(4, 4, 0x123456), Map.of("k", "v"));
        byte[] before = Files.readAllBytes(p);
        for (String bad : new String[] {"", "x".repeat(80), "ключ", "a\0b"}) {
            assertThrows(IllegalArgumentException.class,
                    () -> PngWriter.write(p, RgbImage.filled(2, 2, 0), Map.of(bad, "v")), "keyword " + bad);
        }
        assertThrows(IllegalArgumentException.class, () -> PngWriter.write(p, RgbImage.filled(2, 2, 0), Map.of("k", "a\0")));
        assertArrayEquals(before, Files.readAllBytes(p));
        assertEquals(List.of(p), files());
    }

    @Test
    void failedRenameLeavesNoTemporaryFile() throws Exception {
        Path target = dir.resolve("occupied");
        Files.createDirectories(target.resolve("child")); // a non-empty directory cannot be replaced
        assertThrows(IOException.class, () -> PngWriter.write(target, RgbImage.filled(3, 3, 0)));
        assertTrue(Files.isDirectory(target.resolve("child")));
        assertEquals(List.of(target), files());
    }

    @Test
    void readsCompressedTextWrittenByOthers() throws Exception {
        // a zTXt and a compressed iTXt, as PIL writes with zip=True
        byte[] base = PngWriter.encode(RgbImage.filled(2, 2, 0), Map.of());
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(base, 0, 33);
        out.write(chunk("zTXt", concat("comment\0\0".getBytes(StandardCharsets.ISO_8859_1), zlib("über".getBytes(StandardCharsets.ISO_8859_1)))));
        out.write(chunk("iTXt", concat("title\0\1\0en\0Titel\0".getBytes(StandardCharsets.ISO_8859_1), zlib("猫".getBytes(StandardCharsets.UTF_8)))));
        out.write(base, 33, base.length - 33);
        Map<String, String> t = PngText.parse(out.toByteArray());
        assertEquals("über", t.get("comment"));
        assertEquals("猫", t.get("title"));
        assertThrows(IOException.class, () -> PngText.parse("GIF89a".getBytes(StandardCharsets.ISO_8859_1)));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private static byte[] zlib(byte[] raw) throws IOException {
        java.io.ByteArrayOutputStream bos = new java.io.ByteArrayOutputStream();
        try (java.util.zip.DeflaterOutputStream z = new java.util.zip.DeflaterOutputStream(bos)) {
            z.write(raw);
        }
        return bos.toByteArray();
    }

    private static byte[] chunk(String type, byte[] data) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(12 + data.length);
        b.putInt(data.length).put(type.getBytes(StandardCharsets.ISO_8859_1)).put(data);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(type.getBytes(StandardCharsets.ISO_8859_1));
        crc.update(data);
        b.putInt((int) crc.getValue());
        return b.array();
    }
}
