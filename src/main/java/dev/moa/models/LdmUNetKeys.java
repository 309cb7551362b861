package dev.moa.models;

import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renames the UNet keys of an original (CompVis / LDM) Stable Diffusion checkpoint to diffusers keys.
 *
 * <p>The LDM UNet is a flat list of {@code input_blocks}: block 0 is conv_in, then every level has
 * {@code layersPerBlock} slots of (resnet {@code .0}, optional transformer {@code .1}) followed by one
 * downsampler slot ({@code .0.op}) except the last level. {@code output_blocks} have
 * {@code layersPerBlock + 1} slots per level, the last one also carrying the upsampler ({@code .1.conv} or
 * {@code .2.conv} after a transformer). So the mapping is arithmetic on the indices; only the resnet
 * module names differ, transformer internals are named the same in both layouts.
 */
public final class LdmUNetKeys {
    private LdmUNetKeys() {}

    public static final String PREFIX = "model.diffusion_model.";

    private static final Pattern BLOCK = Pattern.compile("(input_blocks|output_blocks)\\.(\\d+)\\.(\\d+)\\.(.+)");
    private static final Pattern MID = Pattern.compile("middle_block\\.(\\d+)\\.(.+)");

    /** LDM ResBlock module names -> diffusers ResnetBlock2D names (in_layers = GroupNorm, SiLU, Conv). */
    private static final String[][] RESNET = {
        {"in_layers.0.", "norm1."}, {"in_layers.2.", "conv1."}, {"emb_layers.1.", "time_emb_proj."},
        {"out_layers.0.", "norm2."}, {"out_layers.3.", "conv2."}, {"skip_connection.", "conv_shortcut."},
    };

    /**
     * A rename for {@link dev.moa.io.Weights#of}: keys outside {@link #PREFIX} are dropped (null); keys inside
     * it without a diffusers equivalent are kept as they are, so {@code Weights.check()} reports them.
     */
    public static UnaryOperator<String> rename(int layersPerBlock) {
        return k -> {
            if (!k.startsWith(PREFIX)) {
                return null;
            }
            String m = map(k.substring(PREFIX.length()), layersPerBlock);
            return m != null ? m : k;
        };
    }

    /** The diffusers key of an LDM UNet key given without prefix, or null if there is none. */
    public static String map(String k, int layersPerBlock) {
        String m = replacePrefix(k, "time_embed.0.", "time_embedding.linear_1.");
        m = m != null ? m : replacePrefix(k, "time_embed.2.", "time_embedding.linear_2.");
        m = m != null ? m : replacePrefix(k, "out.0.", "conv_norm_out.");
        m = m != null ? m : replacePrefix(k, "out.2.", "conv_out.");
        if (m != null) {
            return m;
        }
        Matcher b = BLOCK.matcher(k);
        if (b.matches()) {
            int block = Integer.parseInt(b.group(2));
            int sub = Integer.parseInt(b.group(3));
            String rest = b.group(4);
            return b.group(1).equals("input_blocks") ? input(block, sub, rest, layersPerBlock)
                    : output(block, sub, rest, layersPerBlock);
        }
        Matcher mid = MID.matcher(k);
        if (mid.matches()) {
            String rest = mid.group(2);
            switch (mid.group(1)) {
                case "0": return join("mid_block.resnets.0.", resnet(rest));
                case "1": return "mid_block.attentions.0." + rest;
                case "2": return join("mid_block.resnets.1.", resnet(rest));
                default: return null;
            }
        }
        return null;
    }

    private static String input(int block, int sub, String rest, int layers) {
        if (block == 0) {
            return sub == 0 ? "conv_in." + rest : null;
        }
        int level = (block - 1) / (layers + 1);
        int slot = (block - 1) % (layers + 1);
        String p = "down_blocks." + level + ".";
        if (slot == layers) {  // the level's downsampler slot
            return sub == 0 ? join(p + "downsamplers.0.conv.", replacePrefix(rest, "op.", "")) : null;
        }
        switch (sub) {
            case 0: return join(p + "resnets." + slot + ".", resnet(rest));
            case 1: return p + "attentions." + slot + "." + rest;
            default: return null;
        }
    }

    private static String output(int block, int sub, String rest, int layers) {
        int level = block / (layers + 1);
        int slot = block % (layers + 1);
        String p = "up_blocks." + level + ".";
        if (sub == 0) {
            return join(p + "resnets." + slot + ".", resnet(rest));
        }
        if (rest.startsWith("conv.")) {  // Upsample's conv: .1 after a plain resnet, .2 after a transformer
            return slot == layers ? p + "upsamplers.0." + rest : null;
        }
        return sub == 1 ? p + "attentions." + slot + "." + rest : null;
    }

    private static String resnet(String rest) {
        for (String[] r : RESNET) {
            if (rest.startsWith(r[0])) {
                return r[1] + rest.substring(r[0].length());
            }
        }
        return null;
    }

    static String replacePrefix(String k, String from, String to) {
        return k.startsWith(from) ? to + k.substring(from.length()) : null;
    }

    static String join(String prefix, String rest) {
        return rest == null ? null : prefix + rest;
    }
}
