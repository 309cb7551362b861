package dev.moa.models;

import dev.moa.tensor.Precision;
import ai.djl.ndarray.NDManager;
import dev.moa.io.ComponentFiles;
import dev.moa.io.RowSplitSource;
import dev.moa.io.SafetensorsFile;
import dev.moa.io.TensorSource;
import dev.moa.io.Weights;
import dev.moa.io.WeightsFormatException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * A Stable Diffusion 1.x / 2.x checkpoint in the original single-file layout ({@code model.diffusion_model.*},
 * {@code first_stage_model.*}, {@code cond_stage_model.*}), the form most downloadable models come in,
 * loaded into the diffusers-layout models of this project.
 *
 * <p>{@link #open} recognises the layout, refuses pickle files and names what it found in anything else
 * (SDXL, a diffusers component file, a LoRA, ...). The configs are inferred from tensor shapes; values the
 * weights do not determine are defaulted to Stable Diffusion's and listed in {@link #notes()}. Where a model
 * differs (e.g. other GroupNorm group counts), pass {@link Overrides} to {@code open}, or a complete config
 * (e.g. {@code UNetConfig.from(Json.read(configJson))}) to a {@code load*} method: a given config is used as
 * is, and {@link Weights#check()} then reports every tensor whose shape disagrees with it.
 *
 * <p>Tensors load as F32 whatever is stored (F16, BF16). Keys outside the three model prefixes (EMA copies
 * {@code model_ema.*}, scheduler buffers {@code alphas_cumprod}, {@code betas}, {@code logvar}, ...) are
 * ignored; keys inside them that do not map onto the model are reported as unexpected.
 */
public final class SingleFileCheckpoint implements Closeable {

    /** Stable Diffusion generation: decides the text encoder layout and the default attention head counts. */
    public enum Family { SD1, SD2 }

    /** The text encoder's storage layout. */
    public enum TextLayout {
        /** transformers CLIPTextModel under {@code cond_stage_model.transformer.} (SD 1.x) */
        CLIP,
        /** OpenCLIP under {@code cond_stage_model.model.} (SD 2.x) */
        OPENCLIP,
        /** no text encoder in the file */
        NONE
    }

    /** Values the shapes cannot determine; null fields keep the Stable Diffusion default. */
    public record Overrides(Integer unetNormGroups, int[] unetHeads, Integer vaeNormGroups, Integer textHeads) {
        public static Overrides none() {
            return new Overrides(null, null, null, null);
        }

        /** GroupNorm groups of both the UNet and the VAE. */
        public Overrides withNormGroups(int groups) {
            return new Overrides(groups, unetHeads, groups, textHeads);
        }

        public Overrides withUNetNormGroups(int groups) {
            return new Overrides(groups, unetHeads, vaeNormGroups, textHeads);
        }

        /** Attention heads per UNet level (the mid block uses the last level's). */
        public Overrides withUNetHeads(int... heads) {
            return new Overrides(unetNormGroups, heads.clone(), vaeNormGroups, textHeads);
        }

        public Overrides withVaeNormGroups(int groups) {
            return new Overrides(unetNormGroups, unetHeads, groups, textHeads);
        }

        public Overrides withTextHeads(int heads) {
            return new Overrides(unetNormGroups, unetHeads, vaeNormGroups, heads);
        }
    }

    private final SafetensorsFile file;
    private final Family family;
    private final TextLayout textLayout;
    private final UNetConfig unetConfig;
    private final VaeConfig vaeConfig;
    private final ClipConfig textConfig;
    private final List<String> notes;

    private SingleFileCheckpoint(SafetensorsFile file, Family family, TextLayout textLayout, UNetConfig unetConfig,
            VaeConfig vaeConfig, ClipConfig textConfig, List<String> notes) {
        this.file = file;
        this.family = family;
        this.textLayout = textLayout;
        this.unetConfig = unetConfig;
        this.vaeConfig = vaeConfig;
        this.textConfig = textConfig;
        this.notes = Collections.unmodifiableList(notes);
    }

    public static SingleFileCheckpoint open(Path path) throws IOException {
        return open(path, Overrides.none());
    }

    /** Opens a {@code .safetensors} single-file checkpoint and infers its configs. */
    public static SingleFileCheckpoint open(Path path, Overrides overrides) throws IOException {
        ComponentFiles.refusePickle(path);
        SafetensorsFile f = SafetensorsFile.open(path);
        try {
            Set<String> keys = f.keys();
            CheckpointLayout.requireSingleFile(path, keys);
            TextLayout text = hasPrefix(keys, LdmTextKeys.CLIP_PREFIX) ? TextLayout.CLIP
                    : hasPrefix(keys, LdmTextKeys.OPENCLIP_PREFIX) ? TextLayout.OPENCLIP : TextLayout.NONE;
            List<String> notes = new ArrayList<>();
            Family family = family(f, text, notes);
            LdmConfigs infer = new LdmConfigs(f, notes);
            UNetConfig unet = infer.unet(family == Family.SD2, overrides);
            VaeConfig vae = hasPrefix(keys, LdmVaeKeys.PREFIX) ? infer.vae(overrides) : null;
            ClipConfig clip = text == TextLayout.CLIP ? infer.clip(overrides)
                    : text == TextLayout.OPENCLIP ? infer.openClip(overrides) : null;
            if (family == Family.SD2) {
                notes.add("SD 2.x: the prediction type (epsilon for 512-base models, v_prediction for 768-v models)"
                        + " is not stored in the weights; choose the scheduler config to match");
            }
            return new SingleFileCheckpoint(f, family, text, unet, vae, clip, notes);
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /** SD 2.x by its OpenCLIP text encoder; without a text encoder, by the UNet's cross-attention width. */
    private static Family family(SafetensorsFile f, TextLayout text, List<String> notes) {
        if (text != TextLayout.NONE) {
            return text == TextLayout.OPENCLIP ? Family.SD2 : Family.SD1;
        }
        var k = f.info(LdmUNetKeys.PREFIX + "middle_block.1.transformer_blocks.0.attn2.to_k.weight");
        boolean sd2 = k != null && k.shape().length == 2 && k.shape()[1] == 1024;
        notes.add("no text encoder in the file; taken for SD " + (sd2 ? "2.x" : "1.x")
                + " from the UNet's cross-attention width");
        return sd2 ? Family.SD2 : Family.SD1;
    }

    static boolean hasPrefix(Set<String> keys, String prefix) {
        for (String k : keys) {
            if (k.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    public Path path() {
        return file.path();
    }

    public Family family() {
        return family;
    }

    public TextLayout textLayout() {
        return textLayout;
    }

    /** The stored tensors, in the original layout. */
    public TensorSource source() {
        return file;
    }

    /** The UNet config inferred from the shapes (with the overrides given to {@code open}). */
    public UNetConfig unetConfig() {
        return unetConfig;
    }

    /** The inferred VAE config, or null if the file has no VAE. */
    public VaeConfig vaeConfig() {
        return vaeConfig;
    }

    /** The inferred text encoder config, or null if the file has no text encoder. */
    public ClipConfig textConfig() {
        return textConfig;
    }

    public boolean hasVae() {
        return vaeConfig != null;
    }

    public boolean hasTextEncoder() {
        return textConfig != null;
    }

    /** The values that were defaulted because the weights do not determine them, one sentence each. */
    public List<String> notes() {
        return notes;
    }

    /** A few lines for logs: the family, the inferred configs and the notes. */
    public String describe() {
        StringBuilder sb = new StringBuilder(path().getFileName() + ": Stable Diffusion "
                + (family == Family.SD1 ? "1.x" : "2.x") + " single-file checkpoint");
        sb.append("\n  unet: ").append(unetConfig);
        if (vaeConfig != null) {
            sb.append("\n  vae: channels=").append(Arrays.toString(vaeConfig.blockOutChannels()))
                    .append(", latent=").append(vaeConfig.latentChannels()).append(", groups=").append(vaeConfig.normGroups());
        }
        if (textConfig != null) {
            sb.append("\n  text encoder (").append(textLayout).append("): hidden=").append(textConfig.hiddenSize())
                    .append(", layers=").append(textConfig.layers()).append(", heads=").append(textConfig.heads());
        }
        for (String n : notes) {
            sb.append("\n  note: ").append(n);
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- loading

    public UNet2DConditionModel loadUNet(NDManager manager) throws IOException {
        return loadUNet(manager, unetConfig);
    }

    /**
     * Loads the UNet with the given config, e.g. {@code UNetConfig.from(Json.read(configJson))} for a CLI
     * {@code --unet-config}. It is used as is, non-shape values (groups, heads, upcast_attention) included; the
     * key mapping follows its layers per block, and any shape disagreement with the file fails with the
     * full list of keys plus the config the shapes suggest.
     */
    public UNet2DConditionModel loadUNet(NDManager manager, UNetConfig config) throws IOException {
        return loadUNet(manager, config, Precision.FP32);
    }

    /** Loads the UNet with weights and compute in the given precision. */
    public UNet2DConditionModel loadUNet(NDManager manager, UNetConfig config, Precision precision) throws IOException {
        try {
            return UNet2DConditionModel.load(config, file, LdmUNetKeys.rename(config.layersPerBlock()), manager, what("unet"),
                    precision);
        } catch (WeightsFormatException e) {
            throw withInferred(e, config != unetConfig, unetConfig);
        }
    }

    public AutoencoderKL loadVae(NDManager manager) throws IOException {
        return loadVae(manager, vaeConfig);
    }

    public AutoencoderKL loadVae(NDManager manager, VaeConfig config) throws IOException {
        return loadVae(manager, config, Precision.FP32);
    }

    /** Loads the VAE with weights and compute in the given precision. */
    public AutoencoderKL loadVae(NDManager manager, VaeConfig config, Precision precision) throws IOException {
        if (!hasVae()) {
            throw new WeightsFormatException(path() + ": the checkpoint has no VAE (first_stage_model.*); load the VAE"
                    + " from a diffusers vae folder instead");
        }
        try {
            return AutoencoderKL.load(config, file, LdmVaeKeys.rename(config.blockOutChannels().length), manager, what("vae"),
                    precision);
        } catch (WeightsFormatException e) {
            throw withInferred(e, config != vaeConfig, "channels " + Arrays.toString(vaeConfig.blockOutChannels())
                    + ", " + vaeConfig.layersPerBlock() + " layers per block, latent " + vaeConfig.latentChannels());
        }
    }

    public ClipTextModel loadTextEncoder(NDManager manager) throws IOException {
        return loadTextEncoder(manager, textConfig);
    }

    /**
     * Loads the text encoder. For OpenCLIP (SD 2.x), {@code config.layers()} layers are loaded and later
     * ones skipped: the inferred config takes all but the last, as SD 2.x uses the penultimate layer.
     */
    public ClipTextModel loadTextEncoder(NDManager manager, ClipConfig config) throws IOException {
        if (!hasTextEncoder()) {
            throw new WeightsFormatException(path() + ": the checkpoint has no text encoder (cond_stage_model.*); load"
                    + " it from a diffusers text_encoder folder instead");
        }
        TensorSource src = textSource();
        UnaryOperator<String> rename = textLayout == TextLayout.OPENCLIP ? LdmTextKeys.openClip(config.layers())
                : LdmTextKeys.clip();
        try {
            Weights w = Weights.of(what("text_encoder"), src, rename, manager);
            ClipTextModel model = new ClipTextModel(config, w);
            w.check();
            return model;
        } catch (WeightsFormatException e) {
            throw withInferred(e, config != textConfig, "hidden " + textConfig.hiddenSize() + ", "
                    + textConfig.layers() + " layers, intermediate " + textConfig.intermediateSize());
        }
    }

    /** The text encoder's tensors with OpenCLIP's fused q/k/v split into parts (the file itself for CLIP). */
    public TensorSource textSource() throws WeightsFormatException {
        return textLayout == TextLayout.OPENCLIP ? new RowSplitSource(file, LdmTextKeys::isFusedQkv, LdmTextKeys.QKV) : file;
    }

    private String what(String component) {
        return component + " (" + path() + ", single-file checkpoint)";
    }

    private static WeightsFormatException withInferred(WeightsFormatException e, boolean explicit, Object inferred) {
        if (!explicit) {
            return e;
        }
        return new WeightsFormatException(e.getMessage() + "\n  (a config was given; the checkpoint's shapes suggest "
                + inferred + ")", e);
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
