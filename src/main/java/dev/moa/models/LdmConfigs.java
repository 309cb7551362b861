package dev.moa.models;

import dev.moa.io.TensorInfo;
import dev.moa.io.TensorSource;
import dev.moa.io.WeightsFormatException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Infers the diffusers configs of an original-layout checkpoint from its tensor shapes.
 *
 * <p>Shapes give the structure: channels, levels, layers per block, where attention is, cross-attention
 * width, linear vs conv projections, latent channels, text width/depth/vocabulary. What shapes cannot tell
 * (GroupNorm group counts, attention head counts, upcast_attention, the VAE scaling factor) is set to the
 * Stable Diffusion value or taken from {@link SingleFileCheckpoint.Overrides}, and every such choice is
 * recorded in {@code notes} so callers can show it. The remaining fields are constants in every SD 1.x/2.x
 * model (norm eps, sinusoidal embedding flip/shift, padding, scale factors) and are not noted.
 */
final class LdmConfigs {

    private static final Pattern TRANSFORMER_DEPTH =
            Pattern.compile(Pattern.quote(LdmUNetKeys.PREFIX) + "(.+?)\\.transformer_blocks\\.(\\d+)\\..+");

    private final TensorSource src;
    private final List<String> notes;

    LdmConfigs(TensorSource src, List<String> notes) {
        this.src = src;
        this.notes = notes;
    }

    // ---------------------------------------------------------------- UNet

    UNetConfig unet(boolean sd2, SingleFileCheckpoint.Overrides o) throws WeightsFormatException {
        String p = LdmUNetKeys.PREFIX;
        long[] convIn = require(p + "input_blocks.0.0.weight", "the UNet's conv_in");
        int in = (int) convIn[1];
        int out = (int) require(p + "out.2.weight", "the UNet's conv_out")[0];

        // levels and layers per block from where the downsamplers sit in the flat input_blocks list
        SortedSet<Integer> inputs = indices(p + "input_blocks.");
        List<Integer> downsamplers = inputs.stream().filter(k -> has(p + "input_blocks." + k + ".0.op.weight")).toList();
        int levels = downsamplers.size() + 1;
        int layers = downsamplers.isEmpty() ? inputs.last() : downsamplers.get(0) - 1;
        int slots = layers + 1;
        boolean regular = layers >= 1 && inputs.size() == levels * slots && inputs.last() == levels * slots - 1
                && indices(p + "output_blocks.").size() == levels * slots;
        for (int i = 0; i < downsamplers.size() && regular; i++) {
            regular = downsamplers.get(i) == (i + 1) * slots;
        }
        if (!regular) {
            throw new WeightsFormatException(src.pathOf(p + "input_blocks.0.0.weight") + ": unrecognised UNet layout ("
                    + inputs.size() + " input blocks, downsamplers at " + downsamplers + ", "
                    + indices(p + "output_blocks.").size() + " output blocks): not an SD 1.x/2.x UNet");
        }

        int[] channels = new int[levels];
        String[] down = new String[levels];
        String[] up = new String[levels];
        for (int i = 0; i < levels; i++) {
            String first = p + "input_blocks." + (1 + i * slots);
            channels[i] = (int) require(first + ".0.out_layers.3.weight", "a UNet resnet")[0];
            down[i] = has(first + ".1.proj_in.weight") ? "CrossAttnDownBlock2D" : "DownBlock2D";
            up[i] = has(p + "output_blocks." + (i * slots) + ".1.proj_in.weight") ? "CrossAttnUpBlock2D" : "UpBlock2D";
        }
        String mid = p + "middle_block.1.";
        boolean linear = require(mid + "proj_in.weight", "the UNet's mid-block transformer").length == 2;
        int cross = (int) require(mid + "transformer_blocks.0.attn2.to_k.weight", "the mid-block cross-attention")[1];
        int depth = transformerDepth();

        int groups = o.unetNormGroups() != null ? checkGroups(o.unetNormGroups(), channels, "unet")
                : defaultGroups(channels, "unet");
        int[] heads;
        if (o.unetHeads() != null) {
            heads = o.unetHeads().clone();
            if (heads.length != levels) {
                throw new IllegalArgumentException("unet heads override: " + heads.length + " values for " + levels + " levels");
            }
        } else {
            heads = defaultHeads(channels, sd2);
        }
        for (int i = 0; i < levels; i++) {
            if (channels[i] % heads[i] != 0) {
                throw new IllegalArgumentException("unet: " + heads[i] + " heads do not divide " + channels[i] + " channels");
            }
        }
        if (sd2) {
            notes.add("unet upcast_attention: false (not stored in the weights; only matters for half-precision"
                    + " attention, SD 2.1 768-v sets it)");
            notes.add("unet sample_size: 64 (not stored in the weights; SD 2.x 768-v models use 96)");
        }
        return new UNetConfig(in, out, channels, down, up, layers, heads, cross, groups, 1e-5, true, 0, linear,
                false, 1, 1, depth, 64);
    }

    /** Transformer blocks per attention; must be the same everywhere (SDXL varies it, unsupported here). */
    private int transformerDepth() throws WeightsFormatException {
        Map<String, Integer> depth = new HashMap<>();
        for (String k : src.keys()) {
            Matcher m = TRANSFORMER_DEPTH.matcher(k);
            if (m.matches()) {
                depth.merge(m.group(1), Integer.parseInt(m.group(2)) + 1, Math::max);
            }
        }
        if (new HashSet<>(depth.values()).size() > 1) {
            throw new WeightsFormatException(src.pathOf(LdmUNetKeys.PREFIX + "input_blocks.0.0.weight")
                    + ": the UNet's transformers have different depths " + new TreeSet<>(depth.values())
                    + " (as in SDXL); only SD 1.x/2.x UNets with one depth are supported");
        }
        return depth.values().stream().findFirst().orElse(1);
    }

    private int[] defaultHeads(int[] channels, boolean sd2) {
        int[] heads = new int[channels.length];
        boolean fallback = false;
        for (int i = 0; i < channels.length; i++) {
            // SD 1.x: 8 heads at every level; SD 2.x: 64 channels per head
            heads[i] = sd2 ? channels[i] / 64 : 8;
            if (heads[i] < 1 || channels[i] % heads[i] != 0 || (sd2 && channels[i] % 64 != 0)) {
                heads[i] = largestDivisorAtMost(channels[i], 8);
                fallback = true;
            }
        }
        notes.add("unet attention heads: " + Arrays.toString(heads) + " (not stored in the weights; "
                + (sd2 ? "SD 2.x uses 64 channels per head" : "SD 1.x uses 8 heads") + (fallback
                ? ", which some of these widths do not allow" : "") + ")");
        return heads;
    }

    // ---------------------------------------------------------------- VAE

    VaeConfig vae(SingleFileCheckpoint.Overrides o) throws WeightsFormatException {
        String p = LdmVaeKeys.PREFIX;
        int levels = indices(p + "encoder.down.").size();
        int layers = indices(p + "encoder.down.0.block.").size();
        if (levels == 0 || layers == 0 || indices(p + "decoder.up.").size() != levels
                || indices(p + "decoder.up.0.block.").size() != layers + 1) {
            throw new WeightsFormatException(src.pathOf(p + "encoder.conv_in.weight") + ": unrecognised VAE layout ("
                    + levels + " encoder levels, " + indices(p + "decoder.up.").size() + " decoder levels)");
        }
        int[] channels = new int[levels];
        for (int i = 0; i < levels; i++) {
            channels[i] = (int) require(p + "encoder.down." + i + ".block.0.conv1.weight", "a VAE resnet")[0];
        }
        int in = (int) require(p + "encoder.conv_in.weight", "the VAE encoder's conv_in")[1];
        int out = (int) require(p + "decoder.conv_out.weight", "the VAE decoder's conv_out")[0];
        int latent = (int) require(p + "decoder.conv_in.weight", "the VAE decoder's conv_in")[1];
        int groups = o.vaeNormGroups() != null ? checkGroups(o.vaeNormGroups(), channels, "vae")
                : defaultGroups(channels, "vae");
        notes.add("vae scaling_factor: 0.18215 (not stored in the weights; the SD 1.x/2.x value)");
        return new VaeConfig(in, out, latent, channels, layers, groups, 0.18215, has(p + "quant_conv.weight"),
                has(p + "post_quant_conv.weight"), has(p + "encoder.mid.attn_1.q.weight"), 512);
    }

    // ---------------------------------------------------------------- text encoders

    /** The transformers CLIPTextModel of SD 1.x (CLIP ViT-L/14: quick_gelu). */
    ClipConfig clip(SingleFileCheckpoint.Overrides o) throws WeightsFormatException {
        String base = LdmTextKeys.CLIP_PREFIX;
        if (has(base + "text_model.embeddings.token_embedding.weight")) {
            base += "text_model.";
        }
        long[] tok = require(base + "embeddings.token_embedding.weight", "the text encoder's token embedding");
        int hidden = (int) tok[1];
        int positions = (int) require(base + "embeddings.position_embedding.weight", "the text encoder's positions")[0];
        int layers = indices(base + "encoder.layers.").size();
        int inter = (int) require(base + "encoder.layers.0.mlp.fc1.weight", "the text encoder's MLP")[0];
        return new ClipConfig(hidden, inter, textHeads(hidden, o), layers, "quick_gelu", 1e-5, (int) tok[0], positions,
                49407, 224, 14, hidden);
    }

    /** OpenCLIP's text tower of SD 2.x (ViT-H/14: gelu), minus its last layer (see {@link LdmTextKeys#openClip}). */
    ClipConfig openClip(SingleFileCheckpoint.Overrides o) throws WeightsFormatException {
        String base = LdmTextKeys.OPENCLIP_PREFIX;
        long[] tok = require(base + "token_embedding.weight", "the text encoder's token embedding");
        int hidden = (int) tok[1];
        int positions = (int) require(base + "positional_embedding", "the text encoder's positions")[0];
        int blocks = indices(base + "transformer.resblocks.").size();
        int inter = (int) require(base + "transformer.resblocks.0.mlp.c_fc.weight", "the text encoder's MLP")[0];
        if (blocks < 2) {
            throw new WeightsFormatException(src.pathOf(base + "token_embedding.weight") + ": OpenCLIP text encoder with "
                    + blocks + " layers; SD 2.x needs at least 2 (it uses the penultimate one)");
        }
        notes.add("text encoder layers: " + (blocks - 1) + " of the file's " + blocks
                + " (SD 2.x conditions on the penultimate layer, as diffusers' converted text encoder does)");
        return new ClipConfig(hidden, inter, textHeads(hidden, o), blocks - 1, "gelu", 1e-5, (int) tok[0], positions,
                49407, 224, 14, hidden);
    }

    private int textHeads(int hidden, SingleFileCheckpoint.Overrides o) {
        if (o.textHeads() != null) {
            if (hidden % o.textHeads() != 0) {
                throw new IllegalArgumentException("text encoder: " + o.textHeads() + " heads do not divide " + hidden);
            }
            return o.textHeads();
        }
        // CLIP ViT-L/14 (768 = 12 x 64) and OpenCLIP ViT-H/14 (1024 = 16 x 64) both use 64 channels per head
        boolean standard = hidden % 64 == 0;
        int heads = standard ? hidden / 64 : largestDivisorAtMost(hidden, 8);
        notes.add("text encoder attention heads: " + heads + " (not stored in the weights; "
                + (standard ? "64 channels per head as in CLIP" : hidden + " is not a multiple of CLIP's 64 per head") + ")");
        return heads;
    }

    // ---------------------------------------------------------------- helpers

    private int defaultGroups(int[] channels, String what) {
        int g = 32;
        for (int c : channels) {
            g = gcd(g, c);  // the largest divisor of 32 that every width allows
        }
        notes.add(what + " norm_num_groups: " + g + " (not stored in the weights; "
                + (g == 32 ? "the SD value" : "SD's 32 does not divide the channels") + ")");
        return g;
    }

    private static int checkGroups(int g, int[] channels, String what) {
        for (int c : channels) {
            if (g < 1 || c % g != 0) {
                throw new IllegalArgumentException(what + ": " + g + " norm groups do not divide channels " + Arrays.toString(channels));
            }
        }
        return g;
    }

    private static int largestDivisorAtMost(int n, int max) {
        for (int d = Math.min(n, max); d > 1; d--) {
            if (n % d == 0) {
                return d;
            }
        }
        return 1;
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    boolean has(String key) {
        return src.info(key) != null;
    }

    long[] require(String key, String what) throws WeightsFormatException {
        TensorInfo t = src.info(key);
        if (t == null) {
            throw new WeightsFormatException("single-file checkpoint: " + what + " ('" + key + "') is missing");
        }
        return t.shape();
    }

    /** The distinct integers that directly follow {@code prefix} in some key ("...input_blocks." -> 0..11). */
    SortedSet<Integer> indices(String prefix) {
        SortedSet<Integer> out = new TreeSet<>();
        for (String k : src.keys()) {
            if (k.startsWith(prefix)) {
                int end = k.indexOf('.', prefix.length());
                String n = k.substring(prefix.length(), end < 0 ? k.length() : end);
                if (!n.isEmpty() && n.chars().allMatch(Character::isDigit)) {
                    out.add(Integer.parseInt(n));
                }
            }
        }
        return out;
    }
}
