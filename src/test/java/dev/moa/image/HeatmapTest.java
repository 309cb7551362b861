package dev.moa.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HeatmapTest {

    private static double luma(int rgb) {
        return 0.2126 * (rgb >> 16 & 0xFF) + 0.7152 * (rgb >> 8 & 0xFF) + 0.0722 * (rgb & 0xFF);
    }

    @Test
    void viridisEndsAndMonotoneLightness() {
        assertEquals(0x440154, Heatmap.color(0f));
        assertEquals(0xFDE725, Heatmap.color(1f));
        assertEquals(0x440154, Heatmap.color(-3f));
        assertEquals(0x440154, Heatmap.color(Float.NaN));
        assertEquals(0xFDE725, Heatmap.color(7f));
        double prev = -1;
        for (int i = 0; i <= 100; i++) {
            double l = luma(Heatmap.color(i / 100f));
            assertTrue(l > prev, "lightness grows at " + i);
            prev = l;
        }
    }

    @Test
    void resizeNearestAndBilinear() {
        float[] m = {0f, 1f, 0.5f, 0.25f}; // 2x2
        float[] n = Heatmap.resize(m, 2, 2, 4, 4, Heatmap.Upsample.NEAREST);
        assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0, 1, 1, 0.5f, 0.5f, 0.25f, 0.25f, 0.5f, 0.5f, 0.25f, 0.25f}, n);
        float[] b = Heatmap.resize(m, 2, 2, 4, 4, Heatmap.Upsample.BILINEAR);
        assertEquals(0f, b[0]); // corners clamp to the cell values
        assertEquals(1f, b[3]);
        assertEquals(0.25f, b[15]);
        assertEquals(0.25f, b[1], 1e-6); // a quarter of the way from 0 to 1
        assertThrows(IllegalArgumentException.class, () -> Heatmap.resize(m, 3, 2, 4, 4, Heatmap.Upsample.NEAREST));
    }

    @Test
    void overlayBlends() {
        RgbImage base = ResampleTest.pattern(8, 6);
        float[] m = {0f, 1f, 1f, 0f, 0.5f, 0.5f}; // 2x3
        assertEquals(base, Heatmap.overlay(base, m, 2, 3, 0f, Heatmap.Upsample.BILINEAR));
        RgbImage full = Heatmap.overlay(base, m, 2, 3, 1f, Heatmap.Upsample.NEAREST);
        assertEquals(Heatmap.color(0f), full.rgb(0, 0));
        assertEquals(Heatmap.color(1f), full.rgb(3, 0));
        assertEquals(Heatmap.color(0.5f), full.rgb(7, 5));
        RgbImage half = Heatmap.overlay(RgbImage.filled(8, 6, 0), m, 2, 3, 0.5f, Heatmap.Upsample.NEAREST);
        int c = Heatmap.color(1f);
        assertEquals(Math.round(0.5f * (c >> 16)), half.get(3, 0, 0));
        assertEquals(Heatmap.colorize(m, 2, 3).rgb(1, 0), Heatmap.color(1f));
        assertArrayEquals(new float[] {0f, 1f, 0.5f}, Heatmap.normalize(new float[] {2f, 6f, 4f}));
        assertThrows(IllegalArgumentException.class, () -> Heatmap.overlay(base, m, 2, 3, 1.5f, Heatmap.Upsample.NEAREST));
    }
}
