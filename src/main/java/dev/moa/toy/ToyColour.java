package dev.moa.toy;

import java.util.List;

/**
 * A colour of the toy world, drawn from a continuous range (hue, saturation, value) and named by the nearest of
 * ten basic colour names in CIELAB.
 *
 * @param hue 0..1 (0 = red, 1/3 = green, 2/3 = blue)
 * @param saturation 0..1
 * @param value 0..1
 */
public record ToyColour(double hue, double saturation, double value) {

    /** Hue bins used by the held-out split: six 60-degree sectors. */
    public static final int HUE_BINS = 6;

    /** The basic colour names and their prototypes (sRGB). */
    public static final List<String> NAMES = List.of("red", "orange", "yellow", "lime", "green", "cyan", "blue",
            "purple", "pink", "brown");
    private static final int[] PROTOTYPES = {0xDC1E1E, 0xF58C14, 0xF0DC1E, 0xA0E632, 0x28AA37, 0x1EC8D2, 0x2846DC,
        0x8C32BE, 0xF078BE, 0x8C501E};
    private static final double[][] PROTOTYPE_LAB = new double[PROTOTYPES.length][];

    static {
        for (int i = 0; i < PROTOTYPES.length; i++) {
            PROTOTYPE_LAB[i] = lab(PROTOTYPES[i]);
        }
    }

    public ToyColour {
        if (!(hue >= 0 && hue < 1 && saturation >= 0 && saturation <= 1 && value >= 0 && value <= 1)) {
            throw new IllegalArgumentException("colour out of range: h " + hue + " s " + saturation + " v " + value);
        }
    }

    /** 0xRRGGBB. */
    public int rgb() {
        return dev.moa.train.data.SyntheticDataset.hsv(hue, saturation, value);
    }

    /** The nearest basic colour name (CIELAB distance to the prototypes). */
    public String name() {
        return nearestName(rgb());
    }

    /** The hue sector 0..{@link #HUE_BINS}-1. */
    public int hueBin() {
        return Math.min(HUE_BINS - 1, (int) Math.floor(hue * HUE_BINS));
    }

    /** The nearest basic colour name of any sRGB colour. */
    public static String nearestName(int rgb) {
        double[] l = lab(rgb);
        int best = 0;
        double bestD = Double.MAX_VALUE;
        for (int i = 0; i < PROTOTYPE_LAB.length; i++) {
            double d = sq(l[0] - PROTOTYPE_LAB[i][0]) + sq(l[1] - PROTOTYPE_LAB[i][1]) + sq(l[2] - PROTOTYPE_LAB[i][2]);
            if (d < bestD) {
                bestD = d;
                best = i;
            }
        }
        return NAMES.get(best);
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
