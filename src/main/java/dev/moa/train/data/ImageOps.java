package dev.moa.train.data;

import dev.moa.image.RgbImage;

/** Pixel operations for augmentation; all deterministic (no platform-dependent maths). */
final class ImageOps {
    private ImageOps() {}

    static RgbImage flipHorizontal(RgbImage in) {
        int w = in.width(), h = in.height();
        byte[] s = in.data();
        byte[] d = new byte[s.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int a = (y * w + x) * 3, b = (y * w + (w - 1 - x)) * 3;
                d[b] = s[a];
                d[b + 1] = s[a + 1];
                d[b + 2] = s[a + 2];
            }
        }
        return new RgbImage(w, h, d);
    }

    /**
     * Rotates by {@code degrees} (counter-clockwise on screen) about the centre, same size, bilinear,
     * black where the source is outside.
     */
    static RgbImage rotate(RgbImage in, double degrees) {
        if (degrees == 0) {
            return in;
        }
        int w = in.width(), h = in.height();
        byte[] s = in.data();
        byte[] d = new byte[s.length];
        double rad = Math.toRadians(degrees);
        double cos = StrictMath.cos(rad), sin = StrictMath.sin(rad);
        double cx = w / 2.0, cy = h / 2.0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
                // inverse rotation: the source point that lands on (x, y); y grows downwards
                double sx = cos * dx - sin * dy + cx - 0.5;
                double sy = sin * dx + cos * dy + cy - 0.5;
                int x0 = (int) Math.floor(sx), y0 = (int) Math.floor(sy);
                double fx = sx - x0, fy = sy - y0;
                int o = (y * w + x) * 3;
                for (int c = 0; c < 3; c++) {
                    double v = (1 - fx) * (1 - fy) * px(s, w, h, x0, y0, c) + fx * (1 - fy) * px(s, w, h, x0 + 1, y0, c)
                            + (1 - fx) * fy * px(s, w, h, x0, y0 + 1, c) + fx * fy * px(s, w, h, x0 + 1, y0 + 1, c);
                    d[o + c] = clampByte(v);
                }
            }
        }
        return new RgbImage(w, h, d);
    }

    private static int px(byte[] s, int w, int h, int x, int y, int c) {
        return x < 0 || y < 0 || x >= w || y >= h ? 0 : s[(y * w + x) * 3 + c] & 0xFF;
    }

    /**
     * torchvision-style colour jitter with fixed factors, applied in the order brightness, contrast,
     * saturation (grey = 0.299 R + 0.587 G + 0.114 B; contrast blends with the mean grey of the image).
     */
    static RgbImage colorJitter(RgbImage in, double brightness, double contrast, double saturation) {
        if (brightness == 1 && contrast == 1 && saturation == 1) {
            return in;
        }
        byte[] s = in.data();
        int n = s.length / 3;
        double[] v = new double[s.length];
        for (int i = 0; i < s.length; i++) {
            v[i] = Math.min(255, (s[i] & 0xFF) * brightness);
        }
        if (contrast != 1) {
            double mean = 0;
            for (int p = 0; p < n; p++) {
                mean += grey(v, p);
            }
            mean /= n;
            for (int i = 0; i < v.length; i++) {
                v[i] = clamp(mean + (v[i] - mean) * contrast);
            }
        }
        if (saturation != 1) {
            for (int p = 0; p < n; p++) {
                double g = grey(v, p);
                for (int c = 0; c < 3; c++) {
                    v[p * 3 + c] = clamp(g + (v[p * 3 + c] - g) * saturation);
                }
            }
        }
        byte[] d = new byte[s.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = clampByte(v[i]);
        }
        return new RgbImage(in.width(), in.height(), d);
    }

    private static double grey(double[] v, int p) {
        return 0.299 * v[p * 3] + 0.587 * v[p * 3 + 1] + 0.114 * v[p * 3 + 2];
    }

    private static double clamp(double v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }

    static byte clampByte(double v) {
        return (byte) (int) Math.rint(clamp(v));
    }

    /** The picture as CHW floats in [-1, 1]: {@code v / 127.5 - 1}, as FastComposer and diffusers' training scripts. */
    static float[] toSignedChw(RgbImage img) {
        byte[] s = img.data();
        int n = img.width() * img.height();
        float[] out = new float[3 * n];
        for (int p = 0; p < n; p++) {
            for (int c = 0; c < 3; c++) {
                out[c * n + p] = (s[p * 3 + c] & 0xFF) / 127.5f - 1f;
            }
        }
        return out;
    }
}
