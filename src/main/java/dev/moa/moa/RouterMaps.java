package dev.moa.moa;

import java.util.Map;

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
    private final float[][] perCall;

    /**
     * @param overall (height x width) mean personalized weight
     * @param perResolution "HxW" -> mean map at that resolution
     * @param sizes "HxW" -> {h, w}
     */
    public RouterMaps(int height, int width, float[] overall, Map<String, float[]> perResolution, Map<String, int[]> sizes) {
        this(height, width, overall, perResolution, sizes, new float[0][]);
    }

    /** @param perCall one (height x width) map per UNet call, in sampling order, each averaged over the layers */
    public RouterMaps(int height, int width, float[] overall, Map<String, float[]> perResolution, Map<String, int[]> sizes,
            float[][] perCall) {
        this.height = height;
        this.width = width;
        this.overall = overall;
        this.perResolution = perResolution;
        this.sizes = sizes;
        this.perCall = perCall;
    }

    /** UNet calls recorded one by one (0 when only the average was kept). */
    public int calls() {
        return perCall.length;
    }

    /**
     * The (height x width) map averaged over UNet calls {@code [from, to)} (sampling order, 0 = the noisiest).
     *
     * @throws IllegalArgumentException for an empty or out-of-range span
     */
    public float[] overCalls(int from, int to) {
        if (from < 0 || to > perCall.length || from >= to) {
            throw new IllegalArgumentException("calls [" + from + ", " + to + ") outside the " + perCall.length + " recorded");
        }
        float[] out = new float[height * width];
        for (int c = from; c < to; c++) {
            for (int i = 0; i < out.length; i++) {
                out[i] += perCall[c][i];
            }
        }
        for (int i = 0; i < out.length; i++) {
            out[i] /= to - from;
        }
        return out;
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
}
