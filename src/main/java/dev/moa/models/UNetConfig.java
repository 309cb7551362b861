package dev.moa.models;

import com.google.gson.JsonObject;
import dev.moa.io.Json;
import java.util.Arrays;
import java.util.List;

/**
 * The UNet2DConditionModel config fields SD 1.x / 2.x use, parsed like diffusers (including the
 * {@code attention_head_dim} naming quirk: without {@code num_attention_heads} it means heads per block).
 */
public record UNetConfig(int inChannels, int outChannels, int[] blockOutChannels, String[] downBlockTypes,
        String[] upBlockTypes, int layersPerBlock, int[] heads, int crossAttentionDim, int normGroups, double normEps,
        boolean flipSinToCos, double freqShift, boolean useLinearProjection, boolean upcastAttention,
        int downsamplePadding, double midBlockScaleFactor, int transformerLayers, int sampleSize) {

    private static final List<String> DOWN = List.of("CrossAttnDownBlock2D", "DownBlock2D");
    private static final List<String> UP = List.of("CrossAttnUpBlock2D", "UpBlock2D");

    public static UNetConfig from(JsonObject o) {
        String[] down = Json.getStrings(o, "down_block_types");
        String[] up = Json.getStrings(o, "up_block_types");
        int n = Json.getIntArray(o, "block_out_channels").length;
        for (String t : down) {
            if (!DOWN.contains(t)) {
                throw new IllegalArgumentException("unet config: unsupported down block type '" + t + "' (supported: " + DOWN + ")");
            }
        }
        for (String t : up) {
            if (!UP.contains(t)) {
                throw new IllegalArgumentException("unet config: unsupported up block type '" + t + "' (supported: " + UP + ")");
            }
        }
        if (down.length != n || up.length != n) {
            throw new IllegalArgumentException("unet config: " + n + " block_out_channels but " + down.length
                    + " down and " + up.length + " up block types");
        }
        String mid = Json.getString(o, "mid_block_type", "UNetMidBlock2DCrossAttn");
        if (!mid.equals("UNetMidBlock2DCrossAttn")) {
            throw new IllegalArgumentException("unet config: unsupported mid_block_type '" + mid + "'");
        }
        for (String key : new String[] {"class_embed_type", "addition_embed_type", "time_cond_proj_dim",
                "encoder_hid_dim", "timestep_post_act"}) {
            if (Json.isSet(o, key)) {
                throw new IllegalArgumentException("unet config: '" + key + "' is not supported (SD 1.x/2.x UNets only)");
            }
        }
        String shift = Json.getString(o, "resnet_time_scale_shift", "default");
        if (!shift.equals("default")) {
            throw new IllegalArgumentException("unet config: resnet_time_scale_shift '" + shift + "' is not supported");
        }
        int[] lpb = Json.getInts(o, "layers_per_block", 1, 2);
        int[] tl = Json.getInts(o, "transformer_layers_per_block", 1, 1);
        // diffusers: num_attention_heads = num_attention_heads or attention_head_dim
        String headKey = Json.isSet(o, "num_attention_heads") ? "num_attention_heads" : "attention_head_dim";
        int[] heads = Json.getInts(o, headKey, n, 8);
        return new UNetConfig(
                Json.getInt(o, "in_channels", 4),
                Json.getInt(o, "out_channels", 4),
                Json.getIntArray(o, "block_out_channels"),
                down, up, lpb[0], heads,
                Json.getInt(o, "cross_attention_dim", 768),
                Json.getInt(o, "norm_num_groups", 32),
                Json.getDouble(o, "norm_eps", 1e-5),
                Json.getBool(o, "flip_sin_to_cos", true),
                Json.getDouble(o, "freq_shift", 0),
                Json.getBool(o, "use_linear_projection", false),
                Json.getBool(o, "upcast_attention", false),
                Json.getInt(o, "downsample_padding", 1),
                Json.getDouble(o, "mid_block_scale_factor", 1),
                tl[0],
                Json.getInt(o, "sample_size", 64));
    }

    /** SD 1.5's published UNet config. */
    public static UNetConfig sd15() {
        return new UNetConfig(4, 4, new int[] {320, 640, 1280, 1280},
                new String[] {"CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"},
                new String[] {"UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"},
                2, new int[] {8, 8, 8, 8}, 768, 32, 1e-5, true, 0, false, false, 1, 1, 1, 64);
    }

    @Override
    public String toString() {
        return "UNetConfig{channels=" + Arrays.toString(blockOutChannels) + ", down=" + Arrays.toString(downBlockTypes)
                + ", up=" + Arrays.toString(upBlockTypes) + ", layers=" + layersPerBlock + ", heads=" + Arrays.toString(heads)
                + ", cross=" + crossAttentionDim + ", groups=" + normGroups + ", linearProj=" + useLinearProjection + "}";
    }
}
