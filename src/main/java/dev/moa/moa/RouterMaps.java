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

    /**
     * @param overall (height x width) mean personalized weight
     * @param perResolution "HxW" -> mean map at that resolution
     * @param sizes "HxW" -> {h, w}
     */
    public RouterMaps(int height, int width, float[] overall, Map<String, float[]> perResolution, Map<String, int[]> sizes) {
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
}
