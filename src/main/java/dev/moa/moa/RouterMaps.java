package dev.moa.moa;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where the model personalized: the personalized-branch weight r1 = 1 - r0 of every MoA layer, averaged
 * over layers and sampling steps. {@link #overall()} is at latent resolution (each layer's map upsampled by
 * nearest neighbour), {@link #perResolution()} keeps one map per attention resolution.
 */
public final class RouterMaps {
    private final int height;
    private final int width;
    private final float[] overall;
    private final Map<String, float[]> perResolution;
    private final Map<String, int[]> sizes;

    RouterMaps(int height, int width, float[] overall, Map<String, float[]> perResolution, Map<String, int[]> sizes) {
        this.height = height;
        this.width = width;
        this.overall = overall;
        this.perResolution = perResolution;
        this.sizes = sizes;
    }

    /** Latent height of {@link #overall()}. */
    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    /** (height x width) row-major, values in [0, 1]: 1 = fully personalized. */
    public float[] overall() {
        return overall;
    }

    /** "HxW" -> row-major map averaged over that resolution's layers and the steps. */
    public Map<String, float[]> perResolution() {
        return perResolution;
    }

    /** "HxW" -> {h, w}. */
    public int[] size(String resolution) {
        return sizes.get(resolution);
    }

    /** Accumulates r0 maps of one row over layers and steps. */
    public static final class Accumulator {
        private final int height;
        private final int width;
        private final double[] overall;
        private int overallCount;
        private final Map<String, double[]> sums = new TreeMap<>((a, b) -> Integer.compare(area(b), area(a)));
        private final Map<String, Integer> counts = new LinkedHashMap<>();
        private final Map<String, int[]> sizes = new LinkedHashMap<>();

        public Accumulator(int height, int width) {
            this.height = height;
            this.width = width;
            this.overall = new double[height * width];
        }

        private static int area(String res) {
            String[] p = res.split("x");
            return Integer.parseInt(p[0]) * Integer.parseInt(p[1]);
        }

        /** @param r0 one layer's prior weights for one image, length h*w */
        public void add(float[] r0) {
            int n = r0.length;
            int h = (int) Math.round(Math.sqrt(n * (double) height / width));
            int w = n / h;
            String key = h + "x" + w;
            sizes.putIfAbsent(key, new int[] {h, w});
            double[] s = sums.computeIfAbsent(key, k -> new double[n]);
            for (int i = 0; i < n; i++) {
                s[i] += 1 - r0[i];
            }
            counts.merge(key, 1, Integer::sum);
            for (int y = 0; y < height; y++) {
                int sy = y * h / height;
                for (int x = 0; x < width; x++) {
                    overall[y * width + x] += 1 - r0[sy * w + x * w / width];
                }
            }
            overallCount++;
        }

        public RouterMaps finish() {
            float[] o = new float[overall.length];
            for (int i = 0; i < o.length; i++) {
                o[i] = overallCount == 0 ? 0 : (float) (overall[i] / overallCount);
            }
            Map<String, float[]> per = new LinkedHashMap<>();
            for (Map.Entry<String, double[]> e : sums.entrySet()) {
                int c = counts.get(e.getKey());
                float[] m = new float[e.getValue().length];
                for (int i = 0; i < m.length; i++) {
                    m[i] = (float) (e.getValue()[i] / c);
                }
                per.put(e.getKey(), m);
            }
            return new RouterMaps(height, width, o, per, sizes);
        }
    }
}
