package dev.moa.models;

import com.google.gson.JsonObject;
import dev.moa.io.Json;

/** AutoencoderKL config fields used by SD 1.x / 2.x VAEs. */
public record VaeConfig(int inChannels, int outChannels, int latentChannels, int[] blockOutChannels,
        int layersPerBlock, int normGroups, double scalingFactor, boolean useQuantConv, boolean usePostQuantConv,
        boolean midBlockAttention, int sampleSize) {

    public static VaeConfig from(JsonObject o) {
        for (String t : Json.getStrings(o, "down_block_types")) {
            if (!t.equals("DownEncoderBlock2D")) {
                throw new IllegalArgumentException("vae config: unsupported down block type '" + t + "'");
            }
        }
        for (String t : Json.getStrings(o, "up_block_types")) {
            if (!t.equals("UpDecoderBlock2D")) {
                throw new IllegalArgumentException("vae config: unsupported up block type '" + t + "'");
            }
        }
        if (Json.isSet(o, "shift_factor") || Json.isSet(o, "latents_mean")) {
            throw new IllegalArgumentException("vae config: shift_factor / latents_mean are not supported (SD 1.x/2.x VAEs only)");
        }
        return new VaeConfig(
                Json.getInt(o, "in_channels", 3),
                Json.getInt(o, "out_channels", 3),
                Json.getInt(o, "latent_channels", 4),
                Json.getIntArray(o, "block_out_channels"),
                Json.getInt(o, "layers_per_block", 2),
                Json.getInt(o, "norm_num_groups", 32),
                Json.getDouble(o, "scaling_factor", 0.18215),
                Json.getBool(o, "use_quant_conv", true),
                Json.getBool(o, "use_post_quant_conv", true),
                Json.getBool(o, "mid_block_add_attention", true),
                Json.getInt(o, "sample_size", 512));
    }

    /** SD 1.5's published VAE config. */
    public static VaeConfig sd15() {
        return new VaeConfig(3, 3, 4, new int[] {128, 256, 512, 512}, 2, 32, 0.18215, true, true, true, 512);
    }

    /** Image pixels per latent pixel. */
    public int downFactor() {
        return 1 << (blockOutChannels.length - 1);
    }
}
