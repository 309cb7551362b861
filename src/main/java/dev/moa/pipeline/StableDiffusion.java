package dev.moa.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import dev.moa.io.Json;
import dev.moa.models.AutoencoderKL;
import dev.moa.models.ClipTextModel;
import dev.moa.models.SingleFileCheckpoint;
import dev.moa.models.UNet2DConditionModel;
import dev.moa.models.VaeTiling;
import dev.moa.tensor.Precision;
import dev.moa.schedulers.Schedulers;
import dev.moa.text.ClipTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A loaded Stable Diffusion 1.x / 2.x model: tokenizer, text encoder, UNet, VAE and the scheduler config,
 * from a diffusers folder ({@code model_index.json}) or a single-file checkpoint. Owns its weights'
 * NDManager; close it to free them.
 *
 * <p>The UNet and VAE can hold their weights and compute in bf16 or fp16 ({@link #load(Path,
 * SingleFileCheckpoint.Overrides, Precision, Consumer)}); the text encoder stays fp32 (it runs once per
 * prompt), and so does everything outside the models (scheduler, guidance, images).
 */
public final class StableDiffusion implements AutoCloseable {
    private final Path source;
    private final String name;
    private final NDManager manager;
    private final ClipTokenizer tokenizer;
    private final ClipTextModel textEncoder;
    private final UNet2DConditionModel unet;
    private final AutoencoderKL vae;
    private final JsonObject schedulerConfig;
    private volatile VaeTiling vaeTiling = VaeTiling.AUTO;

    public StableDiffusion(Path source, String name, NDManager manager, ClipTokenizer tokenizer,
            ClipTextModel textEncoder, UNet2DConditionModel unet, AutoencoderKL vae, JsonObject schedulerConfig) {
        this.source = source;
        this.name = name;
        this.manager = manager;
        this.tokenizer = tokenizer;
        this.textEncoder = textEncoder;
        this.unet = unet;
        this.vae = vae;
        this.schedulerConfig = schedulerConfig;
    }

    /** Loads a diffusers pipeline folder. */
    public static StableDiffusion load(Path path) throws IOException {
        return load(path, msg -> { });
    }

    /** Loads a diffusers pipeline folder or a single-file checkpoint, reporting each component as it loads. */
    public static StableDiffusion load(Path path, Consumer<String> log) throws IOException {
        return load(path, SingleFileCheckpoint.Overrides.none(), log);
    }

    /**
     * Loads a diffusers pipeline folder or a single-file checkpoint; {@code overrides} fix the config values a
     * single file cannot tell (norm groups, heads) and are ignored for folders.
     */
    public static StableDiffusion load(Path path, SingleFileCheckpoint.Overrides overrides, Consumer<String> log)
            throws IOException {
        return load(path, overrides, Precision.FP32, log);
    }

    /**
     * As {@link #load(Path, SingleFileCheckpoint.Overrides, Consumer)}, with the UNet's weights and compute in
     * {@code precision} and the VAE's in {@link #vaePrecision(Precision)}.
     */
    public static StableDiffusion load(Path path, SingleFileCheckpoint.Overrides overrides, Precision precision,
            Consumer<String> log) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "model not found");
        }
        if (!Files.isDirectory(path)) {
            return loadSingleFile(path, overrides, precision, log);
        }
        if (!Files.exists(path.resolve("model_index.json")) && !Files.isDirectory(path.resolve("unet"))) {
            throw new NoSuchFileException(path.resolve("model_index.json").toString(), null,
                    "not a diffusers model folder (no model_index.json or unet/)");
        }
        NDManager m = dev.moa.tensor.Devices.newManager();
        try {
            log.accept("tokenizer");
            ClipTokenizer tok = ClipTokenizer.fromFolder(path.resolve("tokenizer"));
            log.accept("text_encoder");
            ClipTextModel te = ClipTextModel.load(path.resolve("text_encoder"), m);
            log.accept("unet");
            UNet2DConditionModel unet = UNet2DConditionModel.load(path.resolve("unet"), m, precision);
            log.accept("vae");
            AutoencoderKL vae = AutoencoderKL.load(path.resolve("vae"), m, vaePrecision(precision));
            JsonObject sched = Json.read(path.resolve("scheduler").resolve("scheduler_config.json"));
            return new StableDiffusion(path, path.getFileName().toString(), m, tok, te, unet, vae, sched);
        } catch (IOException | RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /**
     * A single-file checkpoint (LDM key layout, .safetensors): configs inferred from the tensor shapes, the
     * bundled CLIP tokenizer and SD 1.5's scheduler config (the file carries neither).
     */
    public static StableDiffusion loadSingleFile(Path file, SingleFileCheckpoint.Overrides overrides,
            Consumer<String> log) throws IOException {
        return loadSingleFile(file, overrides, Precision.FP32, log);
    }

    public static StableDiffusion loadSingleFile(Path file, SingleFileCheckpoint.Overrides overrides, Precision precision,
            Consumer<String> log) throws IOException {
        NDManager m = dev.moa.tensor.Devices.newManager();
        try (SingleFileCheckpoint ckpt = SingleFileCheckpoint.open(file, overrides)) {
            if (!ckpt.hasTextEncoder() || !ckpt.hasVae()) {
                throw new IOException(file + ": the checkpoint has no " + (ckpt.hasVae() ? "text encoder" : "VAE")
                        + "; a complete SD checkpoint is needed");
            }
            log.accept("tokenizer (bundled CLIP ViT-L/14)");
            ClipTokenizer tok = ClipTokenizer.bundled();
            log.accept("text_encoder");
            ClipTextModel te = ckpt.loadTextEncoder(m);
            log.accept("unet");
            UNet2DConditionModel unet = ckpt.loadUNet(m, ckpt.unetConfig(), precision);
            log.accept("vae");
            AutoencoderKL vae = ckpt.loadVae(m, ckpt.vaeConfig(), vaePrecision(precision));
            for (String note : ckpt.notes()) {
                log.accept("note: " + note);
            }
            String name = file.getFileName().toString().replaceFirst("\\.safetensors$", "");
            return new StableDiffusion(file, name, m, tok, te, unet, vae, Schedulers.sd15Config());
        } catch (IOException | RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /**
     * The VAE's precision for a model precision: fp16 decodes in fp32, as diffusers does for SD VAEs
     * (force_upcast: their activations overflow fp16's range); bf16 has fp32's range and stays.
     */
    public static Precision vaePrecision(Precision precision) {
        return precision == Precision.FP16 ? Precision.FP32 : precision;
    }

    /** Precision of the UNet's weights and compute. */
    public Precision precision() {
        return unet.precision();
    }

    /** How {@link #decodeToImages} tiles the VAE decode (default {@link VaeTiling#AUTO}). */
    public VaeTiling vaeTiling() {
        return vaeTiling;
    }

    public void setVaeTiling(VaeTiling tiling) {
        this.vaeTiling = tiling == null ? VaeTiling.AUTO : tiling;
    }

    public Path source() {
        return source;
    }

    /** Short model name for metadata (folder or file name). */
    public String name() {
        return name;
    }

    public NDManager manager() {
        return manager;
    }

    public ClipTokenizer tokenizer() {
        return tokenizer;
    }

    public ClipTextModel textEncoder() {
        return textEncoder;
    }

    public UNet2DConditionModel unet() {
        return unet;
    }

    public AutoencoderKL vae() {
        return vae;
    }

    /** The model folder's scheduler_config.json (diffusers from_config semantics apply when another class is chosen). */
    public JsonObject schedulerConfig() {
        return schedulerConfig;
    }

    /** Pixels per latent pixel (8 for SD). */
    public int vaeScaleFactor() {
        return vae.config().downFactor();
    }

    /** diffusers' default size: unet sample_size * vae scale factor (512 for SD 1.5). */
    public int defaultSize() {
        return unet.config().sampleSize() * vaeScaleFactor();
    }

    /** Token ids (1, 77) for one prompt, truncated as SD does; {@code warnings} gets a line if it was. */
    public NDArray tokenize(String prompt, NDManager m, List<String> warnings) {
        dev.moa.text.Encoding enc = tokenizer.encodeDetailedPadded(prompt);
        warnIfTruncated(prompt, enc.droppedTokens(), warnings);
        int[] ids = enc.ids();
        return m.create(ids).reshape(1, ids.length).toType(DataType.INT64, false);
    }

    /** Adds SD's truncation warning for a prompt that lost {@code dropped} tokens. */
    void warnIfTruncated(String prompt, int dropped, List<String> warnings) {
        if (dropped > 0 && warnings != null) {
            warnings.add("prompt is " + dropped + " token" + (dropped == 1 ? "" : "s") + " over the "
                    + tokenizer.maxLength() + "-token limit; the end was truncated as Stable Diffusion does: \""
                    + abbreviate(prompt) + "\"");
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    /** Prompt embeddings (1, 77, D) as diffusers' encode_prompt computes them. */
    public NDArray encodePrompt(String prompt, int clipSkip, NDManager m, List<String> warnings) {
        return textEncoder.encode(tokenize(prompt, m, warnings), clipSkip);
    }

    /**
     * Latents (B, C, h, w) to images (B, H, W, 3) in [0, 1]: decode(latents / scaling_factor), then
     * (x / 2 + 0.5).clamp(0, 1), one image at a time to bound memory. Large latents are decoded in overlapping
     * tiles as {@link #vaeTiling()} says (diffusers' tiled_decode).
     */
    public List<float[]> decodeToImages(NDArray latents) {
        List<float[]> out = new ArrayList<>();
        long b = latents.getShape().get(0);
        for (int i = 0; i < b; i++) {
            try (NDManager s = latents.getManager().newSubManager()) {
                NDArray row = latents.get(i + ":" + (i + 1));
                row.attach(s);
                NDArray img = vae.decode(row.div((float) vae.config().scalingFactor()), vaeTiling);
                img = img.div(2f).add(0.5f).clip(0f, 1f).transpose(0, 2, 3, 1);
                out.add(img.toFloatArray());
            }
        }
        return out;
    }

    @Override
    public void close() {
        manager.close();
    }
}
