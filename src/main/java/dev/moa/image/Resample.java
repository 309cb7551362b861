package dev.moa.image;

/**
 * Resizing, padding and cropping of {@link RgbImage}s.
 *
 * <p>{@link #resize} reproduces Pillow's {@code Image.resize} on 8-bit RGB images ({@code
 * libImaging/Resample.c}), so CLIP preprocessing matches the Python reference pixel for pixel: separable
 * convolution, horizontal pass first, each output pixel's window centred at {@code (i + 0.5) * scale}
 * with bounds {@code (int)(center -/+ support + 0.5)} clipped to the image; the filter's support widened
 * by the scale factor when shrinking (antialiasing); weights normalised to sum 1, then turned into
 * fixed-point integers with 22 fraction bits (rounded half away from zero); sums start at one half and
 * are clipped to 0..255 after <em>each</em> pass. Bicubic uses Keys' kernel with {@code a = -0.5}.
 */
public final class Resample {
    private Resample() {}

    /** Pillow's resampling filters, with their {@code Image.Resampling} numbers. */
    public enum Filter {
        NEAREST(0, 0.0),
        LANCZOS(1, 3.0),
        BILINEAR(2, 1.0),
        BICUBIC(3, 2.0),
        BOX(4, 0.5),
        HAMMING(5, 1.0);

        /** The number Pillow (and a {@code preprocessor_config.json}'s {@code resample}) uses. */
        public final int pilCode;
        /** Half-width of the kernel at scale 1. */
        final double support;

        Filter(int pilCode, double support) {
            this.pilCode = pilCode;
            this.support = support;
        }

        /** The filter with Pillow number {@code code} (0 nearest, 1 lanczos, 2 bilinear, 3 bicubic, 4 box, 5 hamming). */
        public static Filter fromPil(int code) {
            for (Filter f : values()) {
                if (f.pilCode == code) {
                    return f;
                }
            }
            throw new IllegalArgumentException("unknown PIL resampling filter " + code
                    + " (0 nearest, 1 lanczos, 2 bilinear, 3 bicubic, 4 box, 5 hamming)");
        }

        // The kernels exactly as Resample.c writes them, so the double arithmetic rounds the same way.
        double eval(double x) {
            switch (this) {
                case BOX:
                    return x > -0.5 && x <= 0.5 ? 1.0 : 0.0;
                case BILINEAR:
                    x = Math.abs(x);
                    return x < 1.0 ? 1.0 - x : 0.0;
                case HAMMING:
                    x = Math.abs(x);
                    if (x == 0.0) {
                        return 1.0;
                    }
                    if (x >= 1.0) {
                        return 0.0;
                    }
                    x = x * Math.PI;
                    return Math.sin(x) / x * (0.54f + 0.46f * Math.cos(x));
                case BICUBIC: {
                    final double a = -0.5;
                    x = Math.abs(x);
                    if (x < 1.0) {
                        return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
                    }
                    if (x < 2.0) {
                        return (((x - 5) * x + 8) * x - 4) * a;
                    }
                    return 0.0;
                }
                case LANCZOS:
                    return -3.0 <= x && x < 3.0 ? sinc(x) * sinc(x / 3) : 0.0;
                default:
                    throw new IllegalStateException(name() + " has no kernel");
            }
        }

        /** The kernel as PyTorch's antialiased {@code aa_filter}s write it (cubic in Horner form of its own). */
        double evalTorch(double x) {
            switch (this) {
                case BILINEAR:
                    x = Math.abs(x);
                    return x < 1.0 ? 1.0 - x : 0.0;
                case BICUBIC: {
                    final double a = -0.5;
                    x = Math.abs(x);
                    if (x < 1.0) {
                        return ((a + 2) * x - (a + 3)) * x * x + 1; // cubic_convolution1
                    }
                    if (x < 2.0) {
                        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a; // cubic_convolution2
                    }
                    return 0.0;
                }
                default:
                    throw new IllegalArgumentException("torch antialiased resize supports bilinear and bicubic, not "
                            + name());
            }
        }

        private static double sinc(double x) {
            if (x == 0.0) {
                return 1.0;
            }
            x = x * Math.PI;
            return Math.sin(x) / x;
        }
    }

    static final int PRECISION_BITS = 32 - 8 - 2;

    /** Resizes to {@code width x height} with Pillow's algorithm for {@code filter}. */
    public static RgbImage resize(RgbImage in, int width, int height, Filter filter) {
        checkTarget(width, height);
        if (width == in.width() && height == in.height()) {
            return in; // Pillow copies; images are immutable here
        }
        if (filter == Filter.NEAREST) {
            return nearest(in, nearestIndexPillow(in.width(), width), nearestIndexPillow(in.height(), height));
        }
        return separable(in, width, height, (i, o) -> Coeffs.pillow(i, o, filter));
    }

    /**
     * Resizes as torchvision's {@code resize(uint8 tensor, antialias=True)} on the CPU does, which is
     * what transformers 5's default (torchvision) image processors run: PyTorch's native uint8 kernel
     * ({@code _upsample_bicubic2d_aa}). It is Pillow's algorithm with two differences: the fixed-point
     * weights are int16 with a per-axis precision (the most fraction bits that keep the largest weight
     * below 2^15) instead of 22 bits, and the cubic is evaluated in another algebraic form. Both change
     * about 0.5% of pixels by 1 against Pillow. Bilinear and bicubic only; {@code LANCZOS} falls back
     * to bicubic as transformers does; {@code NEAREST} is torch's {@code nearest-exact}.
     */
    public static RgbImage resizeTorch(RgbImage in, int width, int height, Filter filter) {
        checkTarget(width, height);
        if (width == in.width() && height == in.height()) {
            return in;
        }
        if (filter == Filter.NEAREST) {
            return nearest(in, nearestIndexTorch(in.width(), width), nearestIndexTorch(in.height(), height));
        }
        Filter f = filter == Filter.LANCZOS ? Filter.BICUBIC : filter;
        return separable(in, width, height, (i, o) -> Coeffs.torch(i, o, f));
    }

    private static void checkTarget(int width, int height) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("bad target size " + width + "x" + height);
        }
    }

    private interface CoeffsMaker {
        Coeffs make(int inSize, int outSize);
    }

    // Horizontal pass first, each pass rounded and clipped to 8 bits; an axis whose size is unchanged is skipped.
    private static RgbImage separable(RgbImage in, int width, int height, CoeffsMaker coeffs) {
        byte[] src = in.raw();
        int w = in.width(), h = in.height();
        if (width != w) {
            src = horizontal(src, w, h, coeffs.make(w, width));
            w = width;
        }
        if (height != h) {
            src = vertical(src, w, h, coeffs.make(h, height));
            h = height;
        }
        return RgbImage.wrap(w, h, src);
    }

    /** Per output index: the first input index, how many inputs, and fixed-point weights. */
    static final class Coeffs {
        final int ksize;
        final int[] start;
        final int[] count;
        final int[] weights; // [out * ksize]
        final int precision; // fraction bits of the weights

        private Coeffs(int ksize, int[] start, int[] count, int[] weights, int precision) {
            this.ksize = ksize;
            this.start = start;
            this.count = count;
            this.weights = weights;
            this.precision = precision;
        }

        /**
         * Normalised double weights, as Pillow's {@code precompute_coeffs} and PyTorch's
         * {@code _compute_indices_min_size_weights_aa} compute them (the two agree term by term).
         */
        private static double[][] doubles(int inSize, int outSize, Filter filter, boolean torch, int ksize,
                int[] start, int[] count) {
            double scale = (double) inSize / outSize;
            double filterscale = Math.max(scale, 1.0);
            double support = filter.support * filterscale; // wider kernel when shrinking: antialiasing
            double ss = 1.0 / filterscale;
            double[][] out = new double[outSize][];
            for (int xx = 0; xx < outSize; xx++) {
                double center = (xx + 0.5) * scale;
                int xmin = Math.max((int) (center - support + 0.5), 0); // (int) truncates like C
                int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
                xmax = Math.max(0, Math.min(xmax, ksize));
                double[] k = new double[xmax];
                double ww = 0.0;
                for (int x = 0; x < xmax; x++) {
                    double arg = (x + xmin - center + 0.5) * ss;
                    double wgt = torch ? filter.evalTorch(arg) : filter.eval(arg);
                    k[x] = wgt;
                    ww += wgt;
                }
                if (ww != 0.0) {
                    for (int x = 0; x < xmax; x++) {
                        k[x] /= ww;
                    }
                }
                start[xx] = xmin;
                count[xx] = xmax;
                out[xx] = k;
            }
            return out;
        }

        private static int ksize(int inSize, int outSize, Filter filter) {
            double support = filter.support * Math.max((double) inSize / outSize, 1.0);
            return (int) Math.ceil(support) * 2 + 1;
        }

        /** Pillow: 22 fraction bits. */
        static Coeffs pillow(int inSize, int outSize, Filter filter) {
            return quantize(inSize, outSize, filter, false);
        }

        /** PyTorch uint8: int16 weights with as many fraction bits as the largest weight allows. */
        static Coeffs torch(int inSize, int outSize, Filter filter) {
            return quantize(inSize, outSize, filter, true);
        }

        private static Coeffs quantize(int inSize, int outSize, Filter filter, boolean torch) {
            int ksize = ksize(inSize, outSize, filter);
            int[] start = new int[outSize];
            int[] count = new int[outSize];
            double[][] k = doubles(inSize, outSize, filter, torch, ksize, start, count);
            int precision = PRECISION_BITS;
            if (torch) {
                double max = 0.0;
                for (double[] row : k) {
                    for (double v : row) {
                        max = Math.max(max, v);
                    }
                }
                for (precision = 0; precision < 22; precision++) {
                    int next = (int) (0.5 + max * (1 << (precision + 1)));
                    if (next >= (1 << 15)) {
                        break;
                    }
                }
            }
            int[] weights = new int[outSize * ksize];
            for (int i = 0; i < outSize; i++) {
                for (int j = 0; j < count[i]; j++) {
                    double v = k[i][j] * (1 << precision);
                    weights[i * ksize + j] = (int) (v < 0 ? -0.5 + v : 0.5 + v); // half away from zero
                }
            }
            return new Coeffs(ksize, start, count, weights, precision);
        }
    }

    private static int clip8(int acc, int precision) {
        int v = acc >> precision; // arithmetic shift, then saturate
        return v < 0 ? 0 : Math.min(v, 255);
    }

    private static byte[] horizontal(byte[] src, int w, int h, Coeffs c) {
        int ow = c.start.length;
        byte[] out = new byte[ow * h * 3];
        int half = 1 << (c.precision - 1);
        for (int y = 0; y < h; y++) {
            int rowIn = y * w * 3;
            int rowOut = y * ow * 3;
            for (int xx = 0; xx < ow; xx++) {
                int s0 = half, s1 = half, s2 = half;
                int k0 = xx * c.ksize;
                int p = rowIn + c.start[xx] * 3;
                for (int x = 0; x < c.count[xx]; x++, p += 3) {
                    int k = c.weights[k0 + x];
                    s0 += (src[p] & 0xFF) * k;
                    s1 += (src[p + 1] & 0xFF) * k;
                    s2 += (src[p + 2] & 0xFF) * k;
                }
                int o = rowOut + xx * 3;
                out[o] = (byte) clip8(s0, c.precision);
                out[o + 1] = (byte) clip8(s1, c.precision);
                out[o + 2] = (byte) clip8(s2, c.precision);
            }
        }
        return out;
    }

    private static byte[] vertical(byte[] src, int w, int h, Coeffs c) {
        int oh = c.start.length;
        int stride = w * 3;
        byte[] out = new byte[w * oh * 3];
        int half = 1 << (c.precision - 1);
        int[] acc = new int[stride];
        for (int yy = 0; yy < oh; yy++) {
            java.util.Arrays.fill(acc, half);
            int k0 = yy * c.ksize;
            for (int y = 0; y < c.count[yy]; y++) {
                int k = c.weights[k0 + y];
                int p = (c.start[yy] + y) * stride;
                for (int i = 0; i < stride; i++) {
                    acc[i] += (src[p + i] & 0xFF) * k;
                }
            }
            int o = yy * stride;
            for (int i = 0; i < stride; i++) {
                out[o + i] = (byte) clip8(acc[i], c.precision);
            }
        }
        return out;
    }

    private static RgbImage nearest(RgbImage in, int[] sx, int[] sy) {
        int w = in.width(), width = sx.length, height = sy.length;
        byte[] src = in.raw();
        byte[] out = new byte[width * height * 3];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int s = (sy[y] * w + sx[x]) * 3;
                int o = (y * width + x) * 3;
                out[o] = src[s];
                out[o + 1] = src[s + 1];
                out[o + 2] = src[s + 2];
            }
        }
        return RgbImage.wrap(width, height, out);
    }

    /**
     * Pillow's nearest neighbour (an affine transform sampling at pixel centres): source index
     * {@code (int)((i + 0.5) * scale)}, the position accumulated step by step as Pillow does.
     */
    private static int[] nearestIndexPillow(int inSize, int outSize) {
        double a = (double) inSize / outSize;
        int[] idx = new int[outSize];
        double pos = a * 0.5;
        for (int i = 0; i < outSize; i++) {
            idx[i] = Math.min(Math.max((int) pos, 0), inSize - 1);
            pos += a;
        }
        return idx;
    }

    /** PyTorch's {@code nearest-exact}, in float32: {@code floor(max(scale * (i + 0.5) - 0.5, 0) + 0.5)}. */
    private static int[] nearestIndexTorch(int inSize, int outSize) {
        float scale = (float) inSize / outSize;
        int[] idx = new int[outSize];
        for (int i = 0; i < outSize; i++) {
            float real = Math.max(scale * ((float) i + 0.5f) - 0.5f, 0f);
            idx[i] = Math.min((int) Math.floor((float) (real + 0.5)), inSize - 1);
        }
        return idx;
    }

    /**
     * Pads to a square of side {@code max(width, height)} filled with {@code fillRgb} ({@code 0xRRGGBB}),
     * the image centred; when the difference is odd the extra pixel goes right or bottom (left and top
     * padding are {@code floor(diff / 2)}), as the MoA spec requires for subject images.
     */
    public static RgbImage padToSquare(RgbImage in, int fillRgb) {
        int side = Math.max(in.width(), in.height());
        if (in.width() == side && in.height() == side) {
            return in;
        }
        return pad(in, side, side, (side - in.width()) / 2, (side - in.height()) / 2, fillRgb);
    }

    /** {@code in} placed at ({@code left}, {@code top}) on a {@code width x height} canvas of {@code fillRgb}. */
    public static RgbImage pad(RgbImage in, int width, int height, int left, int top, int fillRgb) {
        if (left < 0 || top < 0 || left + in.width() > width || top + in.height() > height) {
            throw new IllegalArgumentException(in + " at (" + left + ", " + top + ") does not fit " + width + "x"
                    + height);
        }
        byte[] out = RgbImage.filled(width, height, fillRgb).raw();
        byte[] src = in.raw();
        int rowBytes = in.width() * 3;
        for (int y = 0; y < in.height(); y++) {
            System.arraycopy(src, y * rowBytes, out, ((top + y) * width + left) * 3, rowBytes);
        }
        return RgbImage.wrap(width, height, out);
    }

    /**
     * Centre crop to {@code width x height} as transformers' torchvision backend does: offsets {@code
     * floor((size - crop) / 2)}, so an odd surplus leaves the extra pixel right or bottom; a side smaller
     * than the crop is first padded with black, the extra pixel of an odd deficit going right or bottom.
     */
    public static RgbImage centerCrop(RgbImage in, int width, int height) {
        return centerCrop(in, width, height, false);
    }

    /**
     * Centre crop; {@code numpyPadding} pads a too-small side as transformers' numpy {@code
     * center_crop} does ({@code ceil(deficit / 2)} before, the extra pixel top or left) instead of
     * torchvision's rule. Cropping without padding is the same in both.
     */
    public static RgbImage centerCrop(RgbImage in, int width, int height, boolean numpyPadding) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("bad crop size " + width + "x" + height);
        }
        RgbImage img = in;
        if (width > img.width() || height > img.height()) {
            int pw = Math.max(width, img.width()), ph = Math.max(height, img.height());
            int dw = pw - img.width(), dh = ph - img.height();
            img = numpyPadding ? pad(img, pw, ph, (dw + 1) / 2, (dh + 1) / 2, 0)
                    : pad(img, pw, ph, dw / 2, dh / 2, 0);
        }
        if (img.width() == width && img.height() == height) {
            return img;
        }
        return img.crop((img.width() - width) / 2, (img.height() - height) / 2, width, height);
    }
}
