package dev.moa.toy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import dev.moa.image.RgbImage;
import dev.moa.image.Sheet;
import dev.moa.io.Json;
import dev.moa.io.MapTensorSource;
import dev.moa.io.SafetensorsWriter;
import dev.moa.io.Weights;
import dev.moa.models.AutoencoderKL;
import dev.moa.models.ClipTextModel;
import dev.moa.models.UNet2DConditionModel;
import dev.moa.models.UNetConfig;
import dev.moa.pipeline.GenerationOptions;
import dev.moa.pipeline.GenerationResult;
import dev.moa.pipeline.StableDiffusion;
import dev.moa.pipeline.DiffusionPipeline;
import dev.moa.schedulers.DdpmNoise;
import dev.moa.tensor.Grads;
import dev.moa.tensor.TorchGenerator;
import dev.moa.text.ClipTokenizer;
import dev.moa.train.BaseTrainer;
import dev.moa.train.ParamInit;
import dev.moa.train.data.Rng;
import dev.moa.train.data.SyntheticDataset.Scene;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Trains a small UNet2DConditionModel from scratch (or from {@code --init}) on the toy world's scene pictures, on the
 * frozen VAE's latents (times its scaling factor) and the frozen text tower's last hidden states of the class-word
 * captions ("a photo of a disc on a beach"; 10 % empty; optionally a share of full descriptions). Epsilon prediction
 * with SD's scaled-linear betas (1000 steps), min-SNR loss weighting (Hang et al. 2023), and an EMA of the weights
 * with diffusers' warm-up rule (decay = min(decay, (1 + s) / (10 + s)), s = optimizer steps - 1) that is what gets
 * shipped.
 *
 * <p>The run folder is a complete diffusers pipeline ({@code model_index.json}, {@code scheduler/}, {@code tokenizer/},
 * {@code text_encoder/}, {@code vae/}, {@code unet/} with the EMA weights), plus {@code samples/step-N.png}: a
 * fixed-seed grid sampled with the EMA weights.
 */
public final class UNetTrainer extends BaseTrainer<UNetTrainer.Batch> {

    /** Pixels of the step's scene pictures and their captions ("" = dropped). */
    public record Batch(float[] pixels, List<String> captions) {}

    /**
     * Diffusion settings.
     *
     * @param descriptionProb share of the (non-empty) captions that describe the subject in full, "a photo of a red and
     *     blue striped disc on a beach", instead of naming its class only; 0 = class captions only
     * @param worldSubjects subjects per training picture at most ({@link ToyWorld#ToyWorld(long, int)}: 1 = part 1's
     *     world, 3 = the full world)
     */
    public record Diffusion(double uncondProb, double snrGamma, double emaDecay, double descriptionProb, int worldSubjects) {
        public Diffusion(double uncondProb, double snrGamma, double emaDecay) {
            this(uncondProb, snrGamma, emaDecay, 0);
        }

        public Diffusion(double uncondProb, double snrGamma, double emaDecay, double descriptionProb) {
            this(uncondProb, snrGamma, emaDecay, descriptionProb, 1);
        }
    }

    /** Text states kept at most (class captions are a few dozen; descriptions run into thousands). */
    private static final int TEXT_CACHE_LIMIT = 2048;

    private final UNetConfig config;
    private final Diffusion diffusion;
    private final Path vaeDir;
    private final Path textDir;
    private final Path tokenizerDir;
    private final ToyWorld world;
    private final NDManager frozen = dev.moa.tensor.Devices.newManager();
    private final NDManager emaManager = dev.moa.tensor.Devices.newManager();
    private final AutoencoderKL vae;
    private final ClipTextModel text;
    private final ClipTokenizer tokenizer;
    private final UNet2DConditionModel unet;
    private final UNet2DConditionModel emaUnet;
    private final Map<String, NDArray> ema = new LinkedHashMap<>();
    private final DdpmNoise ddpm;
    private final float[] alphasCumprod;
    private final Map<String, float[]> textCache = new ConcurrentHashMap<>();

    public UNetTrainer(UNetConfig config, Diffusion diffusion, Path vaeDir, Path textDir, Path tokenizerDir, Path init,
            Settings settings, Path output) throws IOException {
        super(settings, output, dev.moa.tensor.Devices.newManager());
        this.config = config;
        this.diffusion = diffusion;
        this.vaeDir = vaeDir;
        this.textDir = textDir;
        this.tokenizerDir = tokenizerDir;
        this.world = new ToyWorld(settings.seed(), diffusion.worldSubjects());
        this.vae = AutoencoderKL.load(vaeDir, frozen);
        this.text = ClipTextModel.load(textDir, frozen);
        this.tokenizer = ClipTokenizer.fromFolder(tokenizerDir);
        if (vae.config().latentChannels() != config.inChannels() || vae.config().latentChannels() != config.outChannels()) {
            throw new IllegalArgumentException(vaeDir + ": the VAE has " + vae.config().latentChannels()
                    + " latent channels, the UNet takes " + config.inChannels());
        }
        if (text.config().hiddenSize() != config.crossAttentionDim()) {
            throw new IllegalArgumentException(textDir + ": the text tower is " + text.config().hiddenSize()
                    + " wide, the UNet's cross_attention_dim is " + config.crossAttentionDim());
        }
        if (tokenizer.vocabSize() > text.config().vocabSize()) {
            throw new IllegalArgumentException(tokenizerDir + ": the tokenizer has " + tokenizer.vocabSize()
                    + " tokens, the text tower " + text.config().vocabSize());
        }
        this.ddpm = DdpmNoise.fromConfig(ToyConfigs.ddimScheduler());
        this.alphasCumprod = ddpm.alphasCumprod();
        Weights w = Weights.random("unet", manager, settings.seed());
        this.unet = new UNet2DConditionModel(config, w);
        Map<String, NDArray> params = w.taken();
        ParamInit.torchDefault(params, settings.seed());
        if (init != null) {
            BaseTrainer.loadInto(initWeights(init), params, "--init");
        }
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            NDArray c = e.getValue().duplicate();
            c.attach(emaManager);
            ema.put(e.getKey(), c);
        }
        this.emaUnet = UNet2DConditionModel.load(config, new MapTensorSource("ema", ema), null, emaManager, "ema unet");
        init(params);
    }

    /** The weights file of a diffusers unet folder (or of a pipeline folder's unet/). */
    static Path initWeights(Path init) throws IOException {
        Path dir = Files.isDirectory(init.resolve("unet")) ? init.resolve("unet") : init;
        return dev.moa.io.ComponentFiles.findWeights(dir);
    }

    /** The config of an existing unet folder (for --init). */
    public static UNetConfig configOf(Path init) throws IOException {
        Path dir = Files.isDirectory(init.resolve("unet")) ? init.resolve("unet") : init;
        return UNetConfig.from(Json.read(dir.resolve("config.json")));
    }

    /** The toy UNet: channels 64/128/128 on 16x16 latents, attention at 8x8 and 4x4 only, cross-attention width 128. */
    public static UNetConfig defaultConfig(int latentChannels, int crossDim) {
        return config(new int[] {64, 128, 128}, 2, 4, latentChannels, crossDim);
    }

    /** A UNet with attention in every block but the first (full resolution), heads per block fixed. */
    public static UNetConfig config(int[] channels, int layersPerBlock, int heads, int latentChannels, int crossDim) {
        int n = channels.length;
        String[] down = new String[n], up = new String[n];
        int[] h = new int[n];
        for (int i = 0; i < n; i++) {
            down[i] = i == 0 ? "DownBlock2D" : "CrossAttnDownBlock2D";
            up[i] = i == n - 1 ? "UpBlock2D" : "CrossAttnUpBlock2D";
            h[i] = heads;
        }
        int groups = 32;
        for (int c : channels) {
            while (c % groups != 0) {
                groups /= 2;
            }
        }
        return new UNetConfig(latentChannels, latentChannels, channels, down, up, layersPerBlock, h, crossDim, groups, 1e-5,
                true, 0, false, false, 1, 1, 1, 16);
    }

    @Override
    public String name() {
        return "unet";
    }

    @Override
    public String[] termNames() {
        return new String[] {"loss", "mse"};
    }

    @Override
    protected JsonObject describe() {
        JsonObject o = ToyConfigs.unet(config);
        o.addProperty("uncond_prob", diffusion.uncondProb());
        o.addProperty("snr_gamma", diffusion.snrGamma());
        o.addProperty("ema_decay", diffusion.emaDecay());
        o.addProperty("description_prob", diffusion.descriptionProb());
        o.addProperty("world_subjects", diffusion.worldSubjects());
        return o;
    }

    public UNet2DConditionModel unet() {
        return unet;
    }

    public Map<String, NDArray> ema() {
        return ema;
    }

    @Override
    protected Batch prepare(long index) {
        int b = settings.batch();
        int n = 3 * ToyWorld.SIZE * ToyWorld.SIZE;
        float[] px = new float[b * n];
        List<String> caps = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            long k = index * b + i;
            ToyPicture p = world.scene(k);
            System.arraycopy(p.chwSigned(), 0, px, i * n, n);
            caps.add(Rng.of(settings.seed(), 0x554E434FL, k).chance(diffusion.uncondProb()) ? ""
                    : diffusion.descriptionProb() > 0 && Rng.of(settings.seed(), 0x44455343L, k).chance(diffusion.descriptionProb())
                            ? "a photo of " + p.description() : p.caption());
        }
        return new Batch(px, caps);
    }

    /** The frozen text tower's last hidden state for a caption (cached: captions repeat). */
    private float[] textStates(String caption) {
        float[] cached = textCache.get(caption);
        if (cached != null) {
            return cached;
        }
        int[] ids = tokenizer.encodePadded(caption);
        float[] states;
        try (NDManager m = frozen.newSubManager(); Grads.Scope off = Grads.disabled()) {
            NDArray t = m.create(ids, new Shape(1, ids.length)).toType(DataType.INT64, false);
            states = text.encode(t, 0).toFloatArray();
        }
        if (textCache.size() < TEXT_CACHE_LIMIT) {
            textCache.put(caption, states);
        }
        return states;
    }

    private NDArray context(List<String> captions, NDManager m) {
        int len = tokenizer.maxLength();
        int d = text.config().hiddenSize();
        float[] all = new float[captions.size() * len * d];
        for (int i = 0; i < captions.size(); i++) {
            System.arraycopy(textStates(captions.get(i)), 0, all, i * len * d, len * d);
        }
        return m.create(all, new Shape(captions.size(), len, d));
    }

    @Override
    protected NDArray[] forward(Batch batch, long index, NDManager m) {
        int b = batch.captions().size();
        int s = ToyWorld.SIZE;
        TorchGenerator gen = new TorchGenerator(VaeTrainer.mix(settings.seed(), index));
        NDArray latents;
        try (Grads.Scope off = Grads.disabled()) {
            NDArray x = m.create(batch.pixels(), new Shape(b, 3, s, s));
            latents = vae.encode(x).sample(gen).mul((float) vae.config().scalingFactor());
        }
        NDArray noise = gen.randn(m, latents.getShape());
        int[] t = new int[b];
        float[] tf = new float[b];
        float[] weight = new float[b];
        for (int i = 0; i < b; i++) {
            t[i] = (int) (gen.nextUInt32() % ddpm.numTrainTimesteps());
            tf[i] = t[i];
            double ac = alphasCumprod[t[i]];
            double snr = ac / (1 - ac);
            // min-SNR-gamma for epsilon prediction: min(snr, gamma) / snr
            weight[i] = (float) (diffusion.snrGamma() > 0 ? Math.min(snr, diffusion.snrGamma()) / snr : 1.0);
        }
        NDArray noisy = ddpm.addNoise(latents, noise, t);
        NDArray ctx = context(batch.captions(), m);
        NDArray pred = unet.forward(noisy, m.create(tf), ctx, null);
        NDArray perItem = pred.sub(noise).square().reshape(b, -1).mean(new int[] {1});
        NDArray loss = perItem.mul(m.create(weight)).mean();
        return new NDArray[] {loss, perItem.mean()};
    }

    /** diffusers' EMAModel.get_decay without update_after_step or power warm-up. */
    static double emaDecay(long optimizationStep, double max) {
        long s = Math.max(0, optimizationStep - 1);
        if (s <= 0) {
            return 0;
        }
        return Math.min(max, (1.0 + s) / (10.0 + s));
    }

    @Override
    protected void afterUpdate(long step) {
        float decay = (float) emaDecay(step, diffusion.emaDecay());
        for (Map.Entry<String, NDArray> e : parameters().entrySet()) {
            NDArray s = ema.get(e.getKey());
            try (NDManager tmp = emaManager.newSubManager()) {
                NDArray p = e.getValue();
                p.tempAttach(tmp);
                s.tempAttach(tmp);
                s.muli(decay).addi(p.mul(1 - decay));
            }
        }
    }

    @Override
    protected void saveExtra(Path checkpoint) throws IOException {
        SafetensorsWriter.write(checkpoint.resolve("ema.safetensors"), ema);
    }

    @Override
    protected void loadExtra(Path checkpoint) throws IOException {
        BaseTrainer.loadInto(checkpoint.resolve("ema.safetensors"), ema, "EMA weights");
    }

    @Override
    protected void saveModel(Path dir) throws IOException {
        Path u = Files.createDirectories(dir.resolve("unet"));
        SafetensorsWriter.write(u.resolve("diffusion_pytorch_model.safetensors"), ema);
        ToyConfigs.write(u.resolve("config.json"), ToyConfigs.unet(config));
        Path sch = Files.createDirectories(dir.resolve("scheduler"));
        ToyConfigs.write(sch.resolve("scheduler_config.json"), ToyConfigs.ddimScheduler());
        copyOnce(vaeDir, dir.resolve("vae"));
        copyOnce(textDir, dir.resolve("text_encoder"));
        copyOnce(tokenizerDir, dir.resolve("tokenizer"));
        JsonObject index = new JsonObject();
        index.addProperty("_class_name", "StableDiffusionPipeline");
        index.addProperty("_diffusers_version", "0.30.0");
        index.add("scheduler", pair("diffusers", "DDIMScheduler"));
        index.add("text_encoder", pair("transformers", "CLIPTextModel"));
        index.add("tokenizer", pair("transformers", "CLIPTokenizer"));
        index.add("unet", pair("diffusers", "UNet2DConditionModel"));
        index.add("vae", pair("diffusers", "AutoencoderKL"));
        index.addProperty("requires_safety_checker", false);
        ToyConfigs.write(dir.resolve("model_index.json"), index);
    }

    private static com.google.gson.JsonArray pair(String a, String b) {
        com.google.gson.JsonArray x = new com.google.gson.JsonArray();
        x.add(a);
        x.add(b);
        return x;
    }

    private static void copyOnce(Path from, Path to) throws IOException {
        if (Files.exists(to) || from.toAbsolutePath().normalize().equals(to.toAbsolutePath().normalize())) {
            return;
        }
        Files.createDirectories(to);
        try (Stream<Path> s = Files.list(from)) {
            for (Path f : s.toList()) {
                if (Files.isRegularFile(f)) {
                    Files.copy(f, to.resolve(f.getFileName().toString()));
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------ samples

    /** The prompts of the sample grid: every shape on a changing scene. */
    public static List<String> samplePrompts() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < ToyWorld.SHAPES.size(); i++) {
            Scene scene = ToyWorld.SCENES.get(i % ToyWorld.SCENES.size());
            out.add(ToyWorld.captionFor(ToyWorld.SHAPES.get(i), scene));
        }
        out.add(ToyWorld.captionFor(ToyWorld.SHAPES.get(0), ToyWorld.SCENES.get(ToyWorld.SCENES.size() - 1)));
        return out;
    }

    /** Generates the fixed-seed grid with the EMA weights (DDIM, 25 steps, guidance 5). */
    public RgbImage sampleGrid(List<String> prompts, int seeds, int steps, double guidance) {
        StableDiffusion sd = new StableDiffusion(output, "toy", frozen, tokenizer, text, emaUnet, vae, ToyConfigs.ddimScheduler());
        DiffusionPipeline t2i = DiffusionPipeline.of(sd);
        Sheet sheet = new Sheet().gap(4).fontSize(11);
        for (String p : prompts) {
            GenerationResult r = t2i.generate(GenerationOptions.of(p).withSteps(steps).withGuidance(guidance)
                    .withSeed(1000).withBatch(seeds).withSize(ToyWorld.SIZE, ToyWorld.SIZE).withScheduler("DDIMScheduler"));
            List<RgbImage> row = new ArrayList<>();
            for (float[] img : r.images()) {
                row.add(ToySheets.upscale(RgbImage.fromFloatHwc(img, ToyWorld.SIZE, ToyWorld.SIZE), 2));
            }
            sheet.row(p.replace("a photo of ", ""), row);
        }
        return sheet.render();
    }

    @Override
    protected Path sample(Path dir) throws IOException {
        List<String> prompts = new ArrayList<>(samplePrompts());
        if (world.maxSubjects() > 1) {
            prompts.add(ToyWorld.captionFor(List.of(ToyWorld.SHAPES.get(0), ToyWorld.SHAPES.get(3)), ToyWorld.SCENES.get(0)));
            prompts.add(ToyWorld.captionFor(List.of(ToyWorld.SHAPES.get(4), ToyWorld.SHAPES.get(1)), ToyWorld.SCENES.get(2)));
        }
        if (world.maxSubjects() > 2) {
            prompts.add(ToyWorld.captionFor(List.of(ToyWorld.SHAPES.get(2), ToyWorld.SHAPES.get(0), ToyWorld.SHAPES.get(4)),
                    ToyWorld.SCENES.get(1)));
        }
        RgbImage grid = sampleGrid(prompts, 6, 25, 5.0);
        Files.createDirectories(dir);
        Path f = dir.resolve(String.format(Locale.ROOT, "step-%07d.png", step()));
        dev.moa.image.PngWriter.write(f, grid, dev.moa.image.Provenance.generated(java.util.Map.of()));
        return f;
    }

    @Override
    public void close() {
        super.close();
        manager.close();
        emaManager.close();
        frozen.close();
    }
}
