package dev.moa.models;

import java.util.Locale;

/**
 * When the VAE decodes in overlapping tiles ({@link AutoencoderKL#tiledDecode}) instead of in one pass.
 * Tiling bounds the decoder's memory by the tile size, at the price of extra compute on the overlaps and
 * small differences near the seams (each tile normalizes its own activations).
 */
public enum VaeTiling {
    /** Tiles when the latent is larger than the tile in either direction (default). */
    AUTO,
    /** Tiles whenever the latent does not fit in one tile (the same test as AUTO, but also for callers that default to OFF). */
    ON,
    /** Never tiles. */
    OFF;

    public static VaeTiling parse(String s) {
        switch (s.toLowerCase(Locale.ROOT)) {
            case "auto": return AUTO;
            case "on": case "true": case "yes": return ON;
            case "off": case "false": case "no": return OFF;
            default: throw new IllegalArgumentException("unknown VAE tiling '" + s + "' (use auto, on or off)");
        }
    }

    /** Whether a (h, w) latent is decoded in tiles of the config's sample size. */
    public boolean applies(VaeConfig c, long h, long w) {
        if (this == OFF) {
            return false;
        }
        long tile = AutoencoderKL.tileLatentSize(c, c.sampleSize());
        return h > tile || w > tile;
    }
}
