package dev.moa.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import org.junit.jupiter.api.Test;

class RgbImageTest {

    @Test
    void layoutIsHwcRgb() {
        byte[] d = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18}; // 3 wide, 2 high
        RgbImage img = new RgbImage(3, 2, d);
        assertEquals(4, img.get(1, 0, 0));
        assertEquals(12, img.get(0, 1, 2));
        assertEquals(0x0D0E0F, img.rgb(1, 1));
        d[0] = 99; // the constructor copied
        assertEquals(1, img.get(0, 0, 0));
        float[] chw = img.toFloatChw();
        assertEquals(2 / 255f, chw[6]); // G of (0, 0)
        assertEquals(18 / 255f, img.toFloatHwc()[17]);
        assertThrows(IllegalArgumentException.class, () -> new RgbImage(3, 3, d));
        assertThrows(IndexOutOfBoundsException.class, () -> img.get(3, 0, 0));
    }

    @Test
    void fromFloatRoundsLikeNumpyToPil() {
        // clamp to [0, 1], then (x * 255).round() in float32 with ties to even; NaN -> 0
        float[] hwc = {0f, 1f, -0.2f, 1.7f, Float.NaN, 0.4f, 0.2f, 0.999f, 0.001f};
        int[] expected = {0, 255, 0, 255, 0, 102, 51, 255, 0};
        RgbImage img = RgbImage.fromFloatHwc(hwc, 1, 3);
        for (int i = 0; i < hwc.length; i++) {
            assertEquals(expected[i], img.get(i / 3, 0, i % 3), "value " + hwc[i]);
        }
        // ties: find inputs whose float32 product is exactly k + 0.5
        for (int k = 0; k < 6; k++) {
            float x = (k + 0.5f) / 255f;
            if (x * 255f == k + 0.5f) {
                int got = RgbImage.fromFloatHwc(new float[] {x, 0, 0}, 1, 1).get(0, 0, 0);
                assertEquals(k % 2 == 0 ? k : k + 1, got, "tie at " + (k + 0.5));
            }
        }
        // CHW: channel planes
        float[] chw = {0.2f, 0.4f, 0.6f, 0.8f, 1f, 0f};
        RgbImage c = RgbImage.fromFloatChw(chw, 1, 2);
        assertEquals(51, c.get(0, 0, 0));
        assertEquals(153, c.get(0, 0, 1));
        assertEquals(255, c.get(0, 0, 2));
        assertEquals(0, c.get(1, 0, 2));
        assertEquals(102, c.get(1, 0, 0));
    }

    @Test
    void bufferedImageRoundTripIsExact() {
        RgbImage img = ResampleTest.pattern(9, 5);
        BufferedImage bi = img.toBufferedImage();
        assertEquals(img.rgb(4, 3), bi.getRGB(4, 3) & 0xFFFFFF);
        assertEquals(img, RgbImage.fromBufferedImage(bi));
    }

    @Test
    void greyIsCopiedWithoutGammaAndPaletteIsLookedUp() {
        BufferedImage g = new BufferedImage(4, 1, BufferedImage.TYPE_BYTE_GRAY);
        g.getRaster().setSamples(0, 0, 4, 1, 0, new int[] {0, 50, 128, 255});
        RgbImage rg = RgbImage.fromBufferedImage(g);
        assertEquals(0x323232, rg.rgb(1, 0)); // getRGB would give a gamma-converted value
        assertEquals(0x808080, rg.rgb(2, 0));
        IndexColorModel icm = new IndexColorModel(2, 2, new byte[] {10, 20}, new byte[] {30, 40},
                new byte[] {50, 60}, new byte[] {0, (byte) 255});
        BufferedImage p = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_BINARY, icm);
        p.getRaster().setSamples(0, 0, 2, 1, 0, new int[] {0, 1});
        RgbImage rp = RgbImage.fromBufferedImage(p);
        assertEquals(0x0A1E32, rp.rgb(0, 0)); // transparent entry keeps its colour
        assertEquals(0x14283C, rp.rgb(1, 0));
        BufferedImage u16 = new BufferedImage(1, 1, BufferedImage.TYPE_USHORT_GRAY);
        u16.getRaster().setSample(0, 0, 0, 0xABCD);
        assertEquals(0xABABAB, RgbImage.fromBufferedImage(u16).rgb(0, 0)); // most significant byte
    }

    @Test
    void alphaIsDroppedNotComposited() {
        BufferedImage a = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        a.setRGB(0, 0, 0x00FF8040); // fully transparent, colour kept
        a.setRGB(1, 0, 0x80102030);
        RgbImage r = RgbImage.fromBufferedImage(a);
        assertEquals(0xFF8040, r.rgb(0, 0));
        assertEquals(0x102030, r.rgb(1, 0));
    }

    @Test
    void cropAndFilled() {
        RgbImage img = ResampleTest.pattern(6, 4);
        RgbImage c = img.crop(2, 1, 3, 2);
        assertEquals(img.rgb(2, 1), c.rgb(0, 0));
        assertEquals(img.rgb(4, 2), c.rgb(2, 1));
        assertThrows(IllegalArgumentException.class, () -> img.crop(4, 0, 3, 1));
        assertArrayEquals(new byte[] {1, 2, 3, 1, 2, 3}, RgbImage.filled(2, 1, 0x010203).data());
    }
}
