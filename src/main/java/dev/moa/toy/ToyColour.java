package dev.moa.toy;

import java.util.List;

/**
 * A colour of the toy world, drawn from a continuous range (hue, saturation, value). Its name, which CLIP's
 * descriptions use, is fine enough to pin the colour down: one of twelve hue words (30-degree sectors) with a
 * lightness word (dark / - / bright, by value) and a saturation word (pale / - / vivid), e.g. "dark vivid azure".
 * A contrastive image tower learns what its descriptions tell apart, so ten coarse names would leave the colour
 * inside a name out of the image embeddings (a name-level code explains only ~77 % of the RGB variance; this one ~95 %).
 *
 * @param hue 0..1 (0 = red, 1/3 = green, 2/3 = blue)
 * @param saturation 0..1
 * @param value 0..1
 */
public record ToyColour(double hue, double saturation, double value) {

    /** Hue bins used by the held-out split: six 60-degree sectors. */
    public static final int HUE_BINS = 6;

    /** The hue words, one per 30-degree sector centred on 0 (red), 30 (orange), ... 330 (rose). */
    public static final List<String> HUES = List.of("red", "orange", "yellow", "lime", "green", "mint", "cyan", "azure",
            "blue", "violet", "magenta", "rose");

    public ToyColour {
        if (!(hue >= 0 && hue < 1 && saturation >= 0 && saturation <= 1 && value >= 0 && value <= 1)) {
            throw new IllegalArgumentException("colour out of range: h " + hue + " s " + saturation + " v " + value);
        }
    }

    /** The colour of {@code 0xRRGGBB} (hue, saturation, value; for ground truth stored as RGB). */
    public static ToyColour ofRgb(int rgb) {
        double r = ((rgb >> 16) & 0xFF) / 255.0, g = ((rgb >> 8) & 0xFF) / 255.0, b = (rgb & 0xFF) / 255.0;
        double max = Math.max(r, Math.max(g, b)), min = Math.min(r, Math.min(g, b)), d = max - min;
        double h = 0;
        if (d > 0) {
            h = max == r ? ((g - b) / d) / 6 : max == g ? ((b - r) / d + 2) / 6 : ((r - g) / d + 4) / 6;
            h = h - Math.floor(h);
            h = h >= 1 ? 0 : h;
        }
        return new ToyColour(h, max == 0 ? 0 : d / max, max);
    }

    /** 0xRRGGBB. */
    public int rgb() {
        return dev.moa.train.data.SyntheticDataset.hsv(hue, saturation, value);
    }

    /** The colour's name: lightness and saturation words (when not middling) and the hue word, "dark vivid azure". */
    public String name() {
        return modifiers() + HUES.get(hueWord());
    }

    /** The name of this colour with another hue word (same lightness and saturation words): for attribute probes. */
    public String nameWithHue(String hueWord) {
        return modifiers() + hueWord;
    }

    /** Index into {@link #HUES}. */
    public int hueWord() {
        return (int) Math.floorMod(Math.round(hue * HUES.size()), (long) HUES.size());
    }

    private String modifiers() {
        String light = value < 0.70 ? "dark " : value > 0.85 ? "bright " : "";
        String sat = saturation < 2.0 / 3 ? "pale " : saturation > 5.0 / 6 ? "vivid " : "";
        return light + sat;
    }

    /** The hue sector 0..{@link #HUE_BINS}-1. */
    public int hueBin() {
        return Math.min(HUE_BINS - 1, (int) Math.floor(hue * HUE_BINS));
    }

    /** CIELAB (D65) of an sRGB colour {@code 0xRRGGBB}. */
    public static double[] lab(int rgb) {
        double r = lin(((rgb >> 16) & 0xFF) / 255.0), g = lin(((rgb >> 8) & 0xFF) / 255.0), b = lin((rgb & 0xFF) / 255.0);
        double x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047;
        double y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b;
        double z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883;
        double fx = f(x), fy = f(y), fz = f(z);
        return new double[] {116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)};
    }

    /** CIE76 colour difference between two sRGB colours. */
    public static double deltaE(int rgbA, int rgbB) {
        double[] a = lab(rgbA), b = lab(rgbB);
        return Math.sqrt(sq(a[0] - b[0]) + sq(a[1] - b[1]) + sq(a[2] - b[2]));
    }

    private static double lin(double c) {
        return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    }

    private static double f(double t) {
        return t > 216.0 / 24389 ? Math.cbrt(t) : (24389.0 / 27 * t + 16) / 116;
    }

    private static double sq(double v) {
        return v * v;
    }
}
