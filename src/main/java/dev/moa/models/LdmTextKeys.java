package dev.moa.models;

import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renames the text encoder keys of an original checkpoint to {@link ClipTextModel} keys.
 *
 * <p>SD 1.x stores the transformers CLIPTextModel as is under {@code cond_stage_model.transformer.} (with or
 * without the {@code text_model.} level, depending on the transformers version that saved it). SD 2.x stores
 * OpenCLIP's text tower under {@code cond_stage_model.model.}: {@code transformer.resblocks.N} with fused
 * q/k/v ({@code attn.in_proj_weight}), which the loader exposes split into {@code .q/.k/.v} parts
 * ({@link dev.moa.io.RowSplitSource}) so that every part is renamed here.
 */
public final class LdmTextKeys {
    private LdmTextKeys() {}

    public static final String CLIP_PREFIX = "cond_stage_model.transformer.";
    public static final String OPENCLIP_PREFIX = "cond_stage_model.model.";

    /** The part names the fused OpenCLIP projections are split into, in row order. */
    public static final String[] QKV = {"q", "k", "v"};

    private static final Pattern RESBLOCK = Pattern.compile("transformer\\.resblocks\\.(\\d+)\\.(.+)");
    private static final Pattern IN_PROJ = Pattern.compile("attn\\.in_proj_(weight|bias)\\.([qkv])");

    /** Rename for the transformers layout (SD 1.x); keys outside it are dropped, unmappable ones kept for check(). */
    public static UnaryOperator<String> clip() {
        return k -> {
            if (!k.startsWith(CLIP_PREFIX)) {
                return null;
            }
            String m = ClipTextModel.modelKey(k.substring(CLIP_PREFIX.length()));  // drops position_ids
            boolean known = m == null || m.startsWith("embeddings.") || m.startsWith("encoder.")
                    || m.startsWith("final_layer_norm.");
            return known ? m : k;  // unknown keys keep their full name in check()'s report
        };
    }

    /**
     * Rename for the OpenCLIP layout (SD 2.x). Layers from {@code layers} on are dropped: SD 2.x conditions on
     * the penultimate layer, so its converted text encoder has one layer fewer than the file (23 of 24), and
     * the last layer's output never feeds the UNet.
     */
    public static UnaryOperator<String> openClip(int layers) {
        return k -> {
            if (!k.startsWith(OPENCLIP_PREFIX)) {
                return null;
            }
            String rest = k.substring(OPENCLIP_PREFIX.length());
            Matcher r = RESBLOCK.matcher(rest);
            if (r.matches()) {
                int layer = Integer.parseInt(r.group(1));
                if (layer >= layers) {
                    return null;
                }
                String m = resblock(r.group(2));
                // the fused tensors themselves are replaced by their q/k/v parts
                return m != null ? "encoder.layers." + layer + "." + m
                        : r.group(2).matches("attn\\.in_proj_(weight|bias)") ? null : k;
            }
            switch (rest) {
                case "token_embedding.weight": return "embeddings.token_embedding.weight";
                case "positional_embedding": return "embeddings.position_embedding.weight";
                case "ln_final.weight": return "final_layer_norm.weight";
                case "ln_final.bias": return "final_layer_norm.bias";
                // CLIP's joint-embedding projection, logit scale and the causal mask buffer: unused by SD
                case "text_projection": case "logit_scale": case "attn_mask": return null;
                default: return k;
            }
        };
    }

    private static String resblock(String rest) {
        Matcher q = IN_PROJ.matcher(rest);
        if (q.matches()) {
            return "self_attn." + q.group(2) + "_proj." + q.group(1);
        }
        String[][] table = {
            {"ln_1.", "layer_norm1."}, {"ln_2.", "layer_norm2."}, {"attn.out_proj.", "self_attn.out_proj."},
            {"mlp.c_fc.", "mlp.fc1."}, {"mlp.c_proj.", "mlp.fc2."},
        };
        for (String[] t : table) {
            if (rest.startsWith(t[0])) {
                return t[1] + rest.substring(t[0].length());
            }
        }
        return null;
    }

    /** True for the fused OpenCLIP tensors that {@link dev.moa.io.RowSplitSource} splits into q/k/v. */
    public static boolean isFusedQkv(String k) {
        return k.startsWith(OPENCLIP_PREFIX + "transformer.resblocks.")
                && (k.endsWith(".attn.in_proj_weight") || k.endsWith(".attn.in_proj_bias"));
    }
}
