package dev.moa.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.moa.image.RgbImage;
import org.junit.jupiter.api.Test;

/** PSNR outside a mask, as the swap evaluation reports it (pure Java: exact values). */
class SwapEvaluationTest {
    @Test
    void psnrCountsOnlyThePixelsOutsideTheMask() {
        RgbImage a = RgbImage.filled(2, 1, 0x000000);
        byte[] px = {(byte) 51, (byte) 51, (byte) 51, (byte) 255, (byte) 255, (byte) 255};   // 0.2 off, then 1.0 off
        RgbImage b = new RgbImage(2, 1, px);
        // outside the mask only the first pixel: mse = 0.04 -> 10 log10(25)
        assertEquals(10 * Math.log10(1 / 0.04), SwapEvaluation.psnr(a, b, new boolean[] {false, true}), 1e-9);
        // both pixels: mse = (0.04 + 1) / 2
        assertEquals(10 * Math.log10(1 / 0.52), SwapEvaluation.psnr(a, b, null), 1e-9);
        assertEquals(99.0, SwapEvaluation.psnr(a, a, null), "identical pictures are capped at 99 dB");
        assertEquals(Double.NaN, SwapEvaluation.psnr(a, b, new boolean[] {true, true}));
    }

    @Test
    void theSwapMaskIsTheSubjectGrownByTheGivenPixels() {
        boolean[] mask = new boolean[8 * 8];
        mask[3 * 8 + 4] = true;                         // one pixel at (4, 3)
        RgbImage m = SwapEvaluation.maskPicture(mask, 8, 8, 1);
        int white = 0;
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                boolean on = m.get(x, y, 0) == 255;
                assertEquals(Math.abs(x - 4) <= 1 && Math.abs(y - 3) <= 1, on, "pixel " + x + "," + y);
                white += on ? 1 : 0;
            }
        }
        assertEquals(9, white, "a 3 x 3 square");
        assertEquals(1, countWhite(SwapEvaluation.maskPicture(mask, 8, 8, 0)), "grow 0 is the mask itself");
    }

    private static int countWhite(RgbImage m) {
        int n = 0;
        for (int y = 0; y < m.height(); y++) {
            for (int x = 0; x < m.width(); x++) {
                n += m.get(x, y, 1) == 255 ? 1 : 0;
            }
        }
        return n;
    }
}
