package dev.moa.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class ResampleTest {

    /** The input of pillow_resize.txt (see its header). */
    static RgbImage pattern(int w, int h) {
        byte[] d = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    int v = (x * 37 + y * 91 + c * 53 + x * y * 7) % 256;
                    if ((x / 3 + y / 2) % 2 != 0) {
                        v = 255 - v;
                    }
                    d[(y * w + x) * 3 + c] = (byte) v;
                }
            }
        }
        return new RgbImage(w, h, d);
    }

    @Test
    void matchesPillowForEveryFilter() throws Exception {
        int cases = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                ResampleTest.class.getResourceAsStream("pillow_resize.txt"), StandardCharsets.US_ASCII))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                String[] f = line.split(" ");
                int w = Integer.parseInt(f[1]), h = Integer.parseInt(f[2]);
                int ow = Integer.parseInt(f[3]), oh = Integer.parseInt(f[4]);
                byte[] expected = HexFormat.of().parseHex(f[5]);
                RgbImage out = Resample.resize(pattern(w, h), ow, oh, Resample.Filter.valueOf(f[0]));
                byte[] actual = out.data();
                int diff = 0;
                for (int i = 0; i < expected.length; i++) {
                    diff += expected[i] != actual[i] ? 1 : 0;
                }
                assertEquals(0, diff, f[0] + " " + w + "x" + h + " -> " + ow + "x" + oh + ": bytes differing from Pillow");
                cases++;
            }
        }
        assertEquals(24, cases);
    }

    @Test
    void torchDiffersFromPillowByAtMostOneLevel() {
        RgbImage in = pattern(97, 131);
        RgbImage pil = Resample.resize(in, 224, 302, Resample.Filter.BICUBIC);
        RgbImage torch = Resample.resizeTorch(in, 224, 302, Resample.Filter.BICUBIC);
        byte[] a = pil.data(), b = torch.data();
        int differ = 0;
        for (int i = 0; i < a.length; i++) {
            int d = Math.abs((a[i] & 0xFF) - (b[i] & 0xFF));
            assertTrue(d <= 1, "difference " + d + " at " + i);
            differ += d;
        }
        assertTrue(differ > 0 && differ < a.length / 20, "pixels differing: " + differ);
    }

    @Test
    void constantImagesStayConstant() {
        RgbImage grey = RgbImage.filled(13, 7, 0x7F10F0);
        for (Resample.Filter f : Resample.Filter.values()) {
            for (RgbImage out : new RgbImage[] {Resample.resize(grey, 40, 3, f), Resample.resize(grey, 2, 29, f)}) {
                for (int y = 0; y < out.height(); y++) {
                    for (int x = 0; x < out.width(); x++) {
                        assertEquals(0x7F10F0, out.rgb(x, y), f + " at " + x + "," + y);
                    }
                }
            }
        }
        RgbImage t = Resample.resizeTorch(grey, 31, 4, Resample.Filter.BICUBIC);
        assertEquals(0x7F10F0, t.rgb(30, 3));
    }

    @Test
    void sameSizeIsIdentityAndBadSizesFail() {
        RgbImage img = pattern(5, 4);
        assertSame(img, Resample.resize(img, 5, 4, Resample.Filter.BICUBIC));
        assertThrows(IllegalArgumentException.class, () -> Resample.resize(img, 0, 4, Resample.Filter.BICUBIC));
        assertThrows(IllegalArgumentException.class, () -> Resample.Filter.fromPil(9));
        assertEquals(Resample.Filter.BICUBIC, Resample.Filter.fromPil(3));
        assertThrows(IllegalArgumentException.class, () -> Resample.resizeTorch(img, 3, 3, Resample.Filter.BOX));
    }

    @Test
    void padToSquareCentresWithExtraPixelRightOrBottom() {
        // odd difference, wide: 5x2 -> 5x5, top = 1, bottom = 2
        RgbImage wide = RgbImage.filled(5, 2, 0xFFFFFF);
        RgbImage sq = Resample.padToSquare(wide, 0x000000);
        assertEquals(5, sq.width());
        assertEquals(5, sq.height());
        assertEquals("01100", rowsOf(sq, 0xFFFFFF));
        // odd difference, tall: 2x5 -> left = 1, right = 2
        RgbImage tall = Resample.padToSquare(RgbImage.filled(2, 5, 0xFFFFFF), 0x102030);
        assertEquals("01100", colsOf(tall, 0xFFFFFF));
        assertEquals(0x102030, tall.rgb(4, 0));
        // even difference: 6x2 -> top 2, bottom 2
        assertEquals("001100", rowsOf(Resample.padToSquare(RgbImage.filled(6, 2, 0xFFFFFF), 0), 0xFFFFFF));
        RgbImage square = pattern(3, 3);
        assertSame(square, Resample.padToSquare(square, 0));
    }

    private static String rowsOf(RgbImage img, int colour) {
        StringBuilder sb = new StringBuilder();
        for (int y = 0; y < img.height(); y++) {
            sb.append(img.rgb(img.width() / 2, y) == colour ? '1' : '0');
        }
        return sb.toString();
    }

    private static String colsOf(RgbImage img, int colour) {
        StringBuilder sb = new StringBuilder();
        for (int x = 0; x < img.width(); x++) {
            sb.append(img.rgb(x, img.height() / 2) == colour ? '1' : '0');
        }
        return sb.toString();
    }

    @Test
    void centerCropFloorsOffsetsAndPadsSmallSides() {
        RgbImage img = pattern(7, 6);
        RgbImage c = Resample.centerCrop(img, 4, 3); // left (7-4)/2 = 1, top (6-3)/2 = 1
        assertEquals(img.rgb(1, 1), c.rgb(0, 0));
        assertEquals(img.rgb(4, 3), c.rgb(3, 2));
        // too small: 7 wide cropped to 10 -> pad 1 left, 2 right (torchvision) or 2 left, 1 right (numpy)
        RgbImage tv = Resample.centerCrop(img, 10, 6);
        assertEquals(img.rgb(0, 0), tv.rgb(1, 0));
        assertEquals(0, tv.rgb(0, 0));
        assertEquals(0, tv.rgb(9, 0));
        RgbImage np = Resample.centerCrop(img, 10, 6, true);
        assertEquals(img.rgb(0, 0), np.rgb(2, 0));
    }

    @Test
    void coefficientsSumToOne() {
        for (int[] io : new int[][] {{97, 224}, {640, 298}, {7, 3}, {3, 7}}) {
            Resample.Coeffs c = Resample.Coeffs.pillow(io[0], io[1], Resample.Filter.BICUBIC);
            for (int i = 0; i < io[1]; i++) {
                long sum = 0;
                for (int j = 0; j < c.count[i]; j++) {
                    sum += c.weights[i * c.ksize + j];
                }
                if (Math.abs(sum - (1L << Resample.PRECISION_BITS)) > c.count[i]) {
                    fail("weights of output " + i + " sum to " + sum);
                }
            }
        }
    }
}
