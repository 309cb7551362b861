package dev.moa.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moa.testing.Fixtures;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagesTest {
    @TempDir
    Path dir;

    private static final int RED = 0xFF0000, GREEN = 0x00FF00, BLUE = 0x0000FF, WHITE = 0xFFFFFF;

    /** 64x32 with quadrants red (top left), green (top right), blue (bottom left), white (bottom right). */
    private static RgbImage quadrants() {
        byte[] d = new byte[64 * 32 * 3];
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 64; x++) {
                int c = y < 16 ? (x < 32 ? RED : GREEN) : (x < 32 ? BLUE : WHITE);
                d[(y * 64 + x) * 3] = (byte) (c >> 16);
                d[(y * 64 + x) * 3 + 1] = (byte) (c >> 8);
                d[(y * 64 + x) * 3 + 2] = (byte) c;
            }
        }
        return new RgbImage(64, 32, d);
    }

    /** A TIFF structure with IFD0 holding one orientation entry. */
    private static byte[] tiff(int orientation, boolean little) {
        ByteBuffer b = ByteBuffer.allocate(26).order(little ? java.nio.ByteOrder.LITTLE_ENDIAN
                : java.nio.ByteOrder.BIG_ENDIAN);
        b.put(little ? (byte) 'I' : (byte) 'M').put(little ? (byte) 'I' : (byte) 'M');
        b.putShort((short) 42).putInt(8).putShort((short) 1);
        b.putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) orientation).putShort((short) 0);
        b.putInt(0);
        return b.array();
    }

    private static byte[] jpegWithOrientation(RgbImage img, int orientation, boolean little) throws IOException {
        ByteArrayOutputStream jpg = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img.toBufferedImage(), "jpeg", jpg));
        byte[] plain = jpg.toByteArray();
        byte[] t = tiff(orientation, little);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(plain, 0, 2); // SOI
        int len = 2 + 6 + t.length;
        out.write(new byte[] {(byte) 0xFF, (byte) 0xE1, (byte) (len >> 8), (byte) len});
        out.write("Exif\0\0".getBytes(StandardCharsets.ISO_8859_1));
        out.write(t);
        out.write(plain, 2, plain.length - 2);
        return out.toByteArray();
    }

    private static void assertNear(int expected, int actual, String what) {
        for (int s = 0; s <= 16; s += 8) {
            int e = (expected >> s) & 0xFF, a = (actual >> s) & 0xFF;
            assertTrue(Math.abs(e - a) < 48, what + ": expected " + Integer.toHexString(expected) + " got "
                    + Integer.toHexString(actual));
        }
    }

    @Test
    void hugeImagesAreRefusedFromTheirHeaderBeforeAnyDecoding() throws Exception {
        // a PNG whose header announces 26000 x 26000 (676 megapixels) and whose data is a few bytes: only the header
        // is read, so the answer is immediate and names the limit (the full image would need gigabytes)
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(26000).putInt(26000).put((byte) 8).put((byte) 2).put((byte) 0)
                .put((byte) 0).put((byte) 0);
        chunk(out, "IHDR", ihdr.array());
        chunk(out, "IDAT", new byte[] {0x78, (byte) 0x9c, 0x03, 0x00});
        chunk(out, "IEND", new byte[0]);
        long t0 = System.nanoTime();
        IOException e = assertThrows(IOException.class, () -> Images.decode(out.toByteArray(), "big.png"));
        assertTrue(e.getMessage().contains("big.png") && e.getMessage().contains("26000 x 26000 pixels (676 megapixels)")
                && e.getMessage().contains("limit of 64 megapixels"), e.getMessage());
        assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "took " + (System.nanoTime() - t0) / 1e9 + " s");
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(12 + data.length);
        b.putInt(data.length).put(type.getBytes(StandardCharsets.US_ASCII)).put(data);
        CRC32 crc = new CRC32();
        crc.update(b.array(), 4, 4 + data.length);
        b.putInt((int) crc.getValue());
        out.write(b.array());
    }

    @Test
    void exifOrientationTurnsJpegsUpright() throws Exception {
        RgbImage src = quadrants();
        for (int o = 1; o <= 8; o++) {
            Path p = dir.resolve("o" + o + ".jpg");
            Files.write(p, jpegWithOrientation(src, o, o % 2 == 0));
            RgbImage read = Images.read(p);
            RgbImage expected = ExifOrientation.apply(src, o);
            assertEquals(expected.width(), read.width(), "width, orientation " + o);
            assertEquals(expected.height(), read.height(), "height, orientation " + o);
            int w = read.width(), h = read.height();
            for (int[] q : new int[][] {{w / 4, h / 4}, {3 * w / 4, h / 4}, {w / 4, 3 * h / 4}, {3 * w / 4, 3 * h / 4}}) {
                assertNear(expected.rgb(q[0], q[1]), read.rgb(q[0], q[1]), "orientation " + o + " at " + q[0] + "," + q[1]);
            }
        }
        // orientation 6 (rotate 90 clockwise): the red top-left quadrant ends up top right
        RgbImage six = Images.read(dir.resolve("o6.jpg"));
        assertEquals(32, six.width());
        assertEquals(64, six.height());
        assertNear(RED, six.rgb(24, 8), "o6 top right");
        assertNear(BLUE, six.rgb(8, 8), "o6 top left");
    }

    @Test
    void transpositionsMatchPil() {
        // a 3x2 image with values 0..5 transposed as PIL.Image.transpose does (checked against Pillow)
        byte[] d = new byte[18];
        for (int i = 0; i < 6; i++) {
            d[i * 3] = (byte) i;
        }
        RgbImage img = new RgbImage(3, 2, d);
        int[][] expected = {
            null, {0, 1, 2, 3, 4, 5}, {2, 1, 0, 5, 4, 3}, {5, 4, 3, 2, 1, 0}, {3, 4, 5, 0, 1, 2},
            {0, 3, 1, 4, 2, 5}, {3, 0, 4, 1, 5, 2}, {5, 2, 4, 1, 3, 0}, {2, 5, 1, 4, 0, 3},
        };
        for (int o = 1; o <= 8; o++) {
            RgbImage t = ExifOrientation.apply(img, o);
            int[] got = new int[6];
            for (int y = 0; y < t.height(); y++) {
                for (int x = 0; x < t.width(); x++) {
                    got[y * t.width() + x] = t.get(x, y, 0);
                }
            }
            assertArrayEquals(expected[o], got, "orientation " + o);
            assertEquals(o >= 5 ? 2 : 3, t.width());
        }
    }

    @Test
    void pngExifChunkIsHonouredAndJunkIgnored() throws Exception {
        byte[] png = PngWriter.encode(quadrants(), java.util.Map.of());
        byte[] t = tiff(8, true);
        ByteArrayOutputStream chunk = new ByteArrayOutputStream();
        chunk.write(ByteBuffer.allocate(4).putInt(t.length).array());
        byte[] body = new byte[4 + t.length];
        System.arraycopy("eXIf".getBytes(StandardCharsets.ISO_8859_1), 0, body, 0, 4);
        System.arraycopy(t, 0, body, 4, t.length);
        chunk.write(body);
        CRC32 crc = new CRC32();
        crc.update(body);
        chunk.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(png, 0, 33); // signature + IHDR
        out.write(chunk.toByteArray());
        out.write(png, 33, png.length - 33);
        Path p = dir.resolve("exif.png");
        Files.write(p, out.toByteArray());
        RgbImage r = Images.read(p);
        assertEquals(ExifOrientation.apply(quadrants(), 8), r);
        // broken TIFF data means no orientation, not an error
        byte[] junk = Arrays.copyOf(t, t.length);
        junk[2] = 7;
        assertEquals(1, ExifOrientation.fromTiff(junk, 0, junk.length));
        assertEquals(1, ExifOrientation.read(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE1, 0x7F}));
    }

    @Test
    void greyPaletteAlpha16BitBmpAndGif() throws Exception {
        // grey PNG: values copied to R, G and B unchanged
        BufferedImage g = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_GRAY);
        g.getRaster().setSamples(0, 0, 3, 1, 0, new int[] {0, 77, 200});
        Path gp = dir.resolve("grey.png");
        ImageIO.write(g, "png", gp.toFile());
        RgbImage gr = Images.read(gp);
        assertEquals(0x4D4D4D, gr.rgb(1, 0));
        assertEquals(0xC8C8C8, gr.rgb(2, 0));

        // RGBA PNG: alpha dropped, stored colour kept (PIL convert("RGB"))
        BufferedImage a = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        a.setRGB(0, 0, 0x00336699);
        a.setRGB(1, 0, 0x80FF0000);
        Path ap = dir.resolve("alpha.png");
        ImageIO.write(a, "png", ap.toFile());
        RgbImage ar = Images.read(ap);
        assertEquals(0x336699, ar.rgb(0, 0));
        assertEquals(0xFF0000, ar.rgb(1, 0));

        // palette PNG
        IndexColorModel icm = new IndexColorModel(8, 3, new byte[] {1, 2, 3}, new byte[] {4, 5, 6},
                new byte[] {7, 8, 9});
        BufferedImage p = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_INDEXED, icm);
        p.getRaster().setSamples(0, 0, 3, 1, 0, new int[] {2, 0, 1});
        Path pp = dir.resolve("palette.png");
        ImageIO.write(p, "png", pp.toFile());
        assertEquals(0x030609, Images.read(pp).rgb(0, 0));

        // 16-bit grey PNG keeps the high byte
        BufferedImage u = new BufferedImage(1, 1, BufferedImage.TYPE_USHORT_GRAY);
        u.getRaster().setSample(0, 0, 0, 0x7FFF);
        Path up = dir.resolve("grey16.png");
        ImageIO.write(u, "png", up.toFile());
        assertEquals(0x7F7F7F, Images.read(up).rgb(0, 0));

        // BMP: exact
        RgbImage pat = ResampleTest.pattern(7, 5);
        Path bp = dir.resolve("p.bmp");
        ImageIO.write(pat.toBufferedImage(), "bmp", bp.toFile());
        assertEquals(pat, Images.read(bp));

        // GIF: first frame of an animation
        Path gif = dir.resolve("anim.gif");
        GifWriter.write(gif, List.of(RgbImage.filled(8, 6, RED), RgbImage.filled(8, 6, BLUE)), 100);
        RgbImage first = Images.read(gif);
        assertEquals(8, first.width());
        assertNear(RED, first.rgb(3, 3), "first GIF frame");
    }

    @Test
    void subjectPhotosFromFixturesRead() throws Exception {
        RgbImage man = Images.read(Fixtures.path("ref/moa_files/pub_man.png"));
        assertEquals(48, man.width());
        assertEquals(64, man.height());
        RgbImage woman = Images.read(Fixtures.path("ref/moa_files/pub_woman.png"));
        assertEquals(80, woman.width());
        assertEquals(60, woman.height());
    }

    private IOException failure(Path p) {
        IOException e = assertThrows(IOException.class, () -> Images.read(p));
        assertTrue(e.getMessage().contains(p.toString()), "message names the file: " + e.getMessage());
        return e;
    }

    @Test
    void badFilesFailWithTheFileName() throws Exception {
        assertTrue(failure(dir.resolve("missing.png")).getMessage().contains("no such file"));

        Path webp = dir.resolve("x.webp");
        Files.write(webp, "RIFF\0\0\0\0WEBPVP8 rest".getBytes(StandardCharsets.ISO_8859_1));
        String m = failure(webp).getMessage();
        assertTrue(m.contains("unsupported format webp") && m.contains("supported: png, jpeg, bmp, gif"), m);

        Path text = dir.resolve("notes.png"); // the name lies; the bytes decide
        Files.writeString(text, "hello");
        assertTrue(failure(text).getMessage().contains("unsupported"));

        Path empty = dir.resolve("empty.jpg");
        Files.write(empty, new byte[0]);
        assertTrue(failure(empty).getMessage().contains("empty file"));

        byte[] png = PngWriter.encode(ResampleTest.pattern(40, 30), java.util.Map.of());
        Path cut = dir.resolve("cut.png");
        Files.write(cut, Arrays.copyOf(png, png.length / 2));
        assertTrue(failure(cut).getMessage().contains("corrupt or truncated png"));

        ByteArrayOutputStream jpg = new ByteArrayOutputStream();
        ImageIO.write(ResampleTest.pattern(64, 64).toBufferedImage(), "jpeg", jpg);
        Path cutJpg = dir.resolve("cut.jpg");
        Files.write(cutJpg, Arrays.copyOf(jpg.toByteArray(), jpg.size() / 2));
        assertTrue(failure(cutJpg).getMessage().contains("corrupt or truncated jpeg"));

        // a CMYK JPEG header (SOF0 with 4 components)
        byte[] cmyk = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xC0, 0, 17, 8, 0, 16, 0, 16, 4,
            1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 4, 0x11, 0, (byte) 0xFF, (byte) 0xD9};
        Path cm = dir.resolve("cmyk.jpg");
        Files.write(cm, cmyk);
        assertTrue(failure(cm).getMessage().contains("corrupt or truncated jpeg"), failure(cm).getMessage());

        assertTrue(failure(dir).getMessage().contains("directory"));
    }

    @Test
    void cmykJpegsDecodeAsPillowDoes() throws Exception {
        // cmyk.jpg was written by Pillow 12.3 (Adobe-inverted CMYK, as Photoshop writes them); cmyk.rgb is Pillow's
        // Image.open(...).convert("RGB") of it. Different libjpeg builds may round the inverse DCT differently, so
        // a pixel may differ by a level or two; the colour conversion itself must match (a wrong inversion or an
        // ICC-managed conversion is tens of levels off).
        byte[] jpg = getClass().getResourceAsStream("cmyk.jpg").readAllBytes();
        byte[] expected = getClass().getResourceAsStream("cmyk.rgb").readAllBytes();
        assertEquals(4, Images.jpegComponents(jpg));
        assertEquals(0, Images.jpegAdobeTransform(jpg), "Pillow writes an Adobe segment, transform 0");
        RgbImage img = Images.decode(jpg, "cmyk.jpg");
        assertEquals(40, img.width());
        assertEquals(24, img.height());
        assertNearPillow(img, expected, 2, 0.5);
    }

    @Test
    void ycckJpegsDecodeAsPillowDoes() throws Exception {
        // ycck.jpg: ImageMagick 6.9's YCCK JPEG (Adobe transform 2) of the same CMYK picture; ycck.rgb: Pillow 12.3's
        // convert("RGB") of it. YCC to RGB is rounded differently by libjpeg builds: a few levels at most.
        byte[] jpg = getClass().getResourceAsStream("ycck.jpg").readAllBytes();
        byte[] expected = getClass().getResourceAsStream("ycck.rgb").readAllBytes();
        assertEquals(2, Images.jpegAdobeTransform(jpg));
        RgbImage img = Images.decode(jpg, "ycck.jpg");
        assertNearPillow(img, expected, 3, 0.75);
    }

    /** Every 8-bit value within {@code maxLevels} of Pillow's, and the mean difference below {@code maxMean}. */
    private static void assertNearPillow(RgbImage img, byte[] expected, int maxLevels, double maxMean) {
        int max = 0;
        long sum = 0;
        for (int i = 0; i < expected.length; i++) {
            int d = Math.abs((img.data()[i] & 0xFF) - (expected[i] & 0xFF));
            max = Math.max(max, d);
            sum += d;
        }
        assertTrue(max <= maxLevels, "max difference to Pillow " + max);
        assertTrue(sum / (double) expected.length < maxMean, "mean difference to Pillow " + sum / (double) expected.length);
    }
}
