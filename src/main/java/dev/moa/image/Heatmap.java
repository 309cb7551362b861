package dev.moa.image;

/**
 * Turns a 2-D map of values in [0, 1] (e.g. a MoA router's personal-branch weight per latent pixel)
 * into colours with the perceptually uniform viridis colormap, and blends it over a picture.
 * Values outside [0, 1] are clamped; NaN shows as 0.
 */
public final class Heatmap {
    private Heatmap() {}

    /** How a coarse map is enlarged to the picture's size. */
    public enum Upsample {
        /** Blocks: each map cell covers a rectangle (shows the latent grid). */
        NEAREST,
        /** Smooth: bilinear between cell centres, edges clamped. */
        BILINEAR
    }

    // viridis sampled at 10 evenly spaced points (matplotlib / viridisLite), interpolated linearly
    private static final int[] VIRIDIS = {
        0x440154, 0x482878, 0x3E4A89, 0x31688E, 0x26828E, 0x1F9E89, 0x35B779, 0x6DCD59, 0xB4DE2C, 0xFDE725,
    };

    /** The viridis colour of {@code v} as {@code 0xRRGGBB} (dark purple at 0, yellow at 1). */
    public static int color(float v) {
        float t = v > 0f ? Math.min(v, 1f) : 0f; // NaN -> 0
        float pos = t * (VIRIDIS.length - 1);
        int i = Math.min((int) pos, VIRIDIS.length - 2);
        float f = pos - i;
        int a = VIRIDIS[i], b = VIRIDIS[i + 1];
        int rgb = 0;
        for (int shift = 16; shift >= 0; shift -= 8) {
            float ca = (a >> shift) & 0xFF, cb = (b >> shift) & 0xFF;
            rgb |= Math.round(ca + (cb - ca) * f) << shift;
        }
        return rgb;
    }

    /** The map ({@code height x width}, row-major) coloured with viridis, one pixel per value. */
    public static RgbImage colorize(float[] map, int height, int width) {
        check(map, height, width);
        byte[] out = new byte[height * width * 3];
        for (int i = 0; i < map.length; i++) {
            int c = color(map[i]);
            out[i * 3] = (byte) (c >> 16);
            out[i * 3 + 1] = (byte) (c >> 8);
            out[i * 3 + 2] = (byte) c;
        }
        return RgbImage.wrap(width, height, out);
    }

    /** Rescales a map linearly so its minimum becomes 0 and maximum 1 (a constant map becomes 0). */
    public static float[] normalize(float[] map) {
        float lo = Float.POSITIVE_INFINITY, hi = Float.NEGATIVE_INFINITY;
        for (float v : map) {
            if (!Float.isNaN(v)) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        float[] out = new float[map.length];
        if (!(hi > lo)) {
            return out;
        }
        for (int i = 0; i < map.length; i++) {
            out[i] = (map[i] - lo) / (hi - lo);
        }
        return out;
    }

    /** Enlarges (or shrinks) a {@code height x width} map to {@code outHeight x outWidth}. */
    public static float[] resize(float[] map, int height, int width, int outHeight, int outWidth, Upsample mode) {
        check(map, height, width);
        if (outHeight <= 0 || outWidth <= 0) {
            throw new IllegalArgumentException("bad size " + outHeight + "x" + outWidth);
        }
        float[] out = new float[outHeight * outWidth];
        for (int y = 0; y < outHeight; y++) {
            for (int x = 0; x < outWidth; x++) {
                out[y * outWidth + x] = mode == Upsample.NEAREST
                        ? map[Math.min(y * height / outHeight, height - 1) * width + Math.min(x * width / outWidth, width - 1)]
                        : bilinear(map, height, width, (y + 0.5f) * height / outHeight - 0.5f,
                                (x + 0.5f) * width / outWidth - 0.5f);
            }
        }
        return out;
    }

    private static float bilinear(float[] m, int h, int w, float sy, float sx) {
        sy = Math.max(0f, Math.min(sy, h - 1));
        sx = Math.max(0f, Math.min(sx, w - 1));
        int y0 = (int) sy, x0 = (int) sx;
        int y1 = Math.min(y0 + 1, h - 1), x1 = Math.min(x0 + 1, w - 1);
        float fy = sy - y0, fx = sx - x0;
        float top = m[y0 * w + x0] * (1 - fx) + m[y0 * w + x1] * fx;
        float bottom = m[y1 * w + x0] * (1 - fx) + m[y1 * w + x1] * fx;
        return top * (1 - fy) + bottom * fy;
    }

    /**
     * The map coloured and blended over {@code base}: {@code (1 - alpha) * base + alpha * colour}, the
     * map first resized to the picture with {@code mode}. {@code alpha} in [0, 1].
     */
    public static RgbImage overlay(RgbImage base, float[] map, int height, int width, float alpha, Upsample mode) {
        if (!(alpha >= 0f && alpha <= 1f)) {
            throw new IllegalArgumentException("alpha must be in [0, 1]: " + alpha);
        }
        float[] big = resize(map, height, width, base.height(), base.width(), mode);
        byte[] src = base.raw();
        byte[] out = new byte[src.length];
        for (int i = 0; i < big.length; i++) {
            int c = color(big[i]);
            for (int k = 0; k < 3; k++) {
                int b = src[i * 3 + k] & 0xFF;
                int h = (c >> (16 - 8 * k)) & 0xFF;
                out[i * 3 + k] = (byte) Math.round((1 - alpha) * b + alpha * h);
            }
        }
        return RgbImage.wrap(base.width(), base.height(), out);
    }

    private static void check(float[] map, int height, int width) {
        if (height <= 0 || width <= 0 || map.length != height * width) {
            throw new IllegalArgumentException("map has " + map.length + " values, not " + height + "x" + width);
        }
    }
}
