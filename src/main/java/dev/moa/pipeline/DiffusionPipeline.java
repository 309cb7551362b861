package dev.moa.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.moa.image.Images;
import dev.moa.image.RgbImage;
import dev.moa.moa.MoaAdapter;
import dev.moa.moa.MoaConfig;
import dev.moa.moa.MoaMode;
import dev.moa.moa.Subject;
import dev.moa.moa.SubjectEncoder;
import dev.moa.moa.SubjectPrompt;
import dev.moa.moa.SubjectSpec;
import dev.moa.text.Encoding;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The one generation pipeline: text-to-image as diffusers' StableDiffusionPipeline does it (same seed, same
 * image), and, when MoA is loaded, personalized generation with subjects. Every caller (CLI, training
 * validation, bench, evaluation, server) goes through {@link #generate}; the use cases built on it (prior next
 * to MoA, subject swap, morph, several seeds) are methods here too.
 *
 * <pre>{@code
 * try (StableDiffusion sd = StableDiffusion.load(Path.of("models/toy-world"));
 *      DiffusionPipeline p = DiffusionPipeline.loadMoa(sd, Path.of("models/toy-world-moa"), null)) {
 *     List<Subject> subjects = p.subjects(List.of(new SubjectSpec("disc", Path.of("ref.png"))));
 *     GenerationOptions o = GenerationOptions.of("a photo of a disc on a beach").withSeed(1);
 *     GenerationResult r = p.generate(o, Conditioning.moa(subjects));
 * }
 * }</pre>
 */
public final class DiffusionPipeline implements AutoCloseable {
    private final StableDiffusion model;
    private final MoaAdapter moa;
    private final SubjectEncoder encoder;
    private final String moaName;
    private final NDManager subjectScope;

    private DiffusionPipeline(StableDiffusion model, MoaAdapter moa, SubjectEncoder encoder, String moaName) {
        this.model = model;
        this.moa = moa;
        this.encoder = encoder;
        this.moaName = moaName;
        this.subjectScope = model.manager().newSubManager();
        if (moa != null) {
            if (moa.config().imageEmbedDim() != encoder.embedDim()) {
                throw new IllegalArgumentException("the MoA checkpoint expects " + moa.config().imageEmbedDim()
                        + "-dim image embeddings but the image encoder gives " + encoder.embedDim());
            }
            moa.install(model.unet());
        }
    }

    /** Text-to-image with the base model. */
    public static DiffusionPipeline of(StableDiffusion model) {
        return new DiffusionPipeline(model, null, null, null);
    }

    /** Personalized generation with MoA weights already in memory; installs them into the UNet until close. */
    public static DiffusionPipeline withMoa(StableDiffusion model, MoaAdapter moa, SubjectEncoder encoder, String name) {
        return new DiffusionPipeline(model, moa, encoder, name);
    }

    /**
     * Loads a MoA checkpoint folder and its image encoder ({@link #imageEncoderFor}) for an already loaded base
     * model.
     */
    public static DiffusionPipeline loadMoa(StableDiffusion model, Path moaDir, Path imageEncoderDir) throws IOException {
        Path enc = imageEncoderFor(model, moaDir, imageEncoderDir);
        MoaAdapter adapter = MoaAdapter.load(moaDir, model.unet(), model.manager());
        SubjectEncoder subjects = SubjectEncoder.load(enc, model.manager());
        return new DiffusionPipeline(model, adapter, subjects, moaDir.toAbsolutePath().normalize().getFileName().toString());
    }

    /**
     * The image encoder for a MoA checkpoint: the one given, else the model folder's {@code image_encoder/},
     * else the one the checkpoint's config records (the encoder it was trained with), if it exists here.
     *
     * @throws IOException saying which of these is missing
     */
    public static Path imageEncoderFor(StableDiffusion model, Path moaDir, Path given) throws IOException {
        if (given != null) {
            return given;
        }
        Path own = model.source().resolve("image_encoder");
        if (Files.isDirectory(model.source()) && Files.isDirectory(own)) {
            return own;
        }
        String recorded = MoaConfig.read(moaDir.resolve(MoaAdapter.CONFIG_FILE)).imageEncoder();
        if (recorded != null && Files.isDirectory(Path.of(recorded))) {
            return Path.of(recorded);
        }
        throw new IOException("an image encoder is needed: the model has no image_encoder/ folder and the MoA"
                + " checkpoint " + moaDir + " names none that exists here (give --image-encoder DIR)");
    }

    public StableDiffusion model() {
        return model;
    }

    /** Whether MoA is loaded (personalized generation possible). */
    public boolean personalized() {
        return moa != null;
    }

    public MoaAdapter moa() {
        return requireMoa();
    }

    public SubjectEncoder subjectEncoder() {
        requireMoa();
        return encoder;
    }

    /** The MoA checkpoint's name for metadata (its folder name), or null. */
    public String moaName() {
        return moaName;
    }

    private MoaAdapter requireMoa() {
        if (moa == null) {
            throw new IllegalStateException("no MoA checkpoint is loaded: personalized generation needs one");
        }
        return moa;
    }

    // ------------------------------------------------------------------------------------------ subjects

    /** Reads a subject's photo and embeds it (errors name the file). */
    public Subject subject(SubjectSpec spec) throws IOException {
        return subject(spec.word(), Images.read(spec.image()), spec.image());
    }

    /** Subjects in order; each photo is embedded on its own (see {@link SubjectEncoder#embed}). */
    public List<Subject> subjects(List<SubjectSpec> specs) throws IOException {
        List<RgbImage> images = new ArrayList<>();
        for (SubjectSpec s : specs) {
            images.add(Images.read(s.image()));
        }
        List<Subject> out = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            out.add(subject(specs.get(i).word(), images.get(i), specs.get(i).image()));
        }
        return out;
    }

    /** A subject from a photo in memory; {@code source} (may be null) is only recorded for metadata. */
    public Subject subject(String word, RgbImage photo, Path source) {
        requireMoa();
        NDManager scope = subjectScope.newSubManager();
        NDArray e = encoder.embed(List.of(photo), scope).get(0);
        e.attach(subjectScope);
        scope.close();
        return new Subject(word, source, e);
    }

    /** A subject from an embedding (Di) computed elsewhere, copied into the pipeline's memory. */
    public Subject subject(String word, float[] embedding) {
        requireMoa();
        return new Subject(word, null, subjectScope.create(embedding));
    }

    /** The subject whose embedding is (1 - t) * a + t * b, bound to {@code word}: t = 0 is a, t = 1 is b. */
    public Subject blend(Subject a, Subject b, double t, String word) {
        try (NDManager tmp = subjectScope.newSubManager()) {
            a.embedding().tempAttach(tmp);
            b.embedding().tempAttach(tmp);
            NDArray e = a.embedding().mul((float) (1 - t)).add(b.embedding().mul((float) t));
            e.attach(subjectScope);
            return new Subject(word, null, e);
        }
    }

    // ------------------------------------------------------------------------------------------ generation

    /** Text-to-image from the options' prompt. */
    public GenerationResult generate(GenerationOptions o, GenerationObserver... observers) {
        return generate(o, Conditioning.prompt(), observers);
    }

    /** One generation; observers see progress, may cancel it, and may collect the router's weights. */
    public GenerationResult generate(GenerationOptions o, Conditioning conditioning, GenerationObserver... observers) {
        if (conditioning instanceof Conditioning.Moa c && c.keepBackground()) {
            return generateWithPrior(o, c, observers).personalized();
        }
        return run(o, conditioning, null, -1, null, Observers.of(observers));
    }

    /**
     * The generation core. {@code start} (latents already at the noise level of call {@code begin}) replaces the
     * plan's initial latents when given (real-image swap starts from an inverted latent).
     */
    private GenerationResult run(GenerationOptions o, Conditioning conditioning, float[] start, int startBegin,
            LatentAnchor anchor, GenerationObserver obs) {
        List<String> warnings = new ArrayList<>();
        Conditioning.Moa personal = conditioning instanceof Conditioning.Moa ? (Conditioning.Moa) conditioning : null;
        SubjectPrompt binding = null;
        int[] ids;
        if (personal != null) {
            requireMoa();
            binding = bind(o.prompt(), personal.subjects());
            model.warnIfTruncated(binding.prompt(), model.tokenizer().overflow(binding.prompt()), warnings);
            ids = binding.ids();
        } else {
            Encoding enc = model.tokenizer().encodeDetailedPadded(o.prompt());
            model.warnIfTruncated(o.prompt(), enc.droppedTokens(), warnings);
            ids = enc.ids();
        }
        try (Plan plan = Plan.of(model, o); NDManager gen = model.manager().newSubManager()) {
            boolean cfg = GuidedDenoiser.usesGuidance(o.guidance());
            NDArray context = context(ids, o.negativePrompt(), o.clipSkip(), plan.batch, cfg, gen, warnings);
            GuidedDenoiser.MoaInputs moaInputs = null;
            if (moa != null) {
                Conditioning.Moa c = personal != null ? personal : Conditioning.moa(List.of(), MoaMode.PRIOR);
                moaInputs = moaInputs(c, binding, plan.batch, cfg, gen);
            }
            int begin = start != null ? startBegin : plan.begin;
            NDArray latents;
            if (start != null) {
                latents = gen.create(start, plan.latentShape);
            } else if (o.init() != null) {
                latents = initLatents(o.init(), plan, gen);
            } else {
                latents = plan.initialLatents(gen);
            }
            obs.onStart(new GenerationObserver.Start(plan.batch, (int) plan.latentShape.get(2),
                    (int) plan.latentShape.get(3), gen));
            GuidedDenoiser d = new GuidedDenoiser(model.unet(), context, o.guidance(), moaInputs, obs);
            NDArray fin = Sampler.sample(plan.scheduler, latents, begin, plan.scheduler.timesteps().length, d,
                    plan.noise, obs, anchor);
            Sampler.checkCancelled(obs);
            obs.onProgress(0, 1, "decoding");
            List<float[]> images = model.decodeToImages(fin);
            obs.onProgress(1, 1, "decoding");
            obs.onFinish();
            return new GenerationResult(images, plan.width, plan.height, plan.seeds(), fin.toFloatArray(),
                    fin.getShape().getShape(), plan.scheduler.displayName(), o, conditioning, binding, warnings);
        }
    }

    /** [negative x B; prompt x B] when guidance is on, else prompt x B. */
    private NDArray context(int[] ids, String negative, int clipSkip, int batch, boolean cfg, NDManager gen,
            List<String> warnings) {
        NDArray idArray = gen.create(ids).reshape(1, ids.length).toType(DataType.INT64, false);
        NDArray cond = model.textEncoder().encode(idArray, clipSkip);
        NDList parts = new NDList();
        if (cfg) {
            NDArray uncond = model.encodePrompt(negative, clipSkip, gen, warnings);
            for (int i = 0; i < batch; i++) {
                parts.add(uncond);
            }
        }
        for (int i = 0; i < batch; i++) {
            parts.add(cond);
        }
        return parts.size() == 1 ? cond : NDArrays.concat(parts, 0);
    }

    /**
     * The VAE latent (1, C, h, w) of a picture resized to {@code width} x {@code height}: the encoder's mean times
     * the scaling factor (deterministic; diffusers samples from the distribution instead).
     */
    public float[] encode(RgbImage picture, int width, int height) {
        try (NDManager m = model.manager().newSubManager()) {
            return encode(picture, width, height, m).toFloatArray();
        }
    }

    /**
     * The picture through the VAE and back (the encoder's mean, decoded): what a perfect model could at best show of
     * it through this VAE (the evaluation's ceiling).
     */
    public RgbImage roundTrip(RgbImage picture) {
        try (NDManager m = model.manager().newSubManager()) {
            float[] hwc = model.decodeToImages(encode(picture, picture.width(), picture.height(), m)).get(0);
            return RgbImage.fromFloatHwc(hwc, picture.height(), picture.width());
        }
    }

    private NDArray encode(RgbImage picture, int width, int height, NDManager m) {
        RgbImage sized = picture.width() == width && picture.height() == height ? picture
                : dev.moa.image.Resample.resize(picture, width, height, dev.moa.image.Resample.Filter.BICUBIC);
        float[] chw = sized.toFloatChw();
        for (int i = 0; i < chw.length; i++) {
            chw[i] = chw[i] * 2 - 1;
        }
        try (dev.moa.tensor.Grads.Scope noGrad = dev.moa.tensor.Grads.disabled()) {
            NDArray x = m.create(chw, new Shape(1, 3, height, width));
            return model.vae().encode(x).mean().mul((float) model.vae().config().scalingFactor());
        }
    }

    /** Image-to-image: the picture's latent for every image of the batch, noised to where sampling begins. */
    private NDArray initLatents(GenerationOptions.InitImage init, Plan plan, NDManager gen) {
        NDArray z = encode(init.image(), plan.width, plan.height, gen);
        if (plan.batch > 1) {
            NDList rows = new NDList();
            for (int i = 0; i < plan.batch; i++) {
                rows.add(z);
            }
            z = NDArrays.concat(rows, 0);
        }
        if (plan.begin >= plan.scheduler.timesteps().length) {
            return z;   // strength 0: nothing to denoise, the picture's own latent
        }
        return plan.scheduler.addNoise(z, plan.noise.randn(gen, plan.latentShape), plan.begin);
    }

    private SubjectPrompt bind(String prompt, List<Subject> subjects) {
        List<String> words = new ArrayList<>();
        subjects.forEach(s -> words.add(s.word()));
        return bindWords(prompt, words);
    }

    /**
     * How subjects with these words (null for a subject bound by an {@code <|image|>} marker) bind in the prompt;
     * callers that queue work (the server) use it to refuse a request before any generation starts.
     *
     * @throws IllegalArgumentException when a word is missing from the prompt, markers and words are mixed, or
     *     the counts differ
     */
    public SubjectPrompt bindWords(String prompt, List<String> wordsOrNulls) {
        List<String> words = new ArrayList<>();
        for (String w : wordsOrNulls) {
            if (w != null) {
                words.add(w);
            }
        }
        if (!words.isEmpty() && words.size() != wordsOrNulls.size()) {
            throw new IllegalArgumentException("either every subject names its word or none does (with <|image|> markers)");
        }
        SubjectPrompt bound = SubjectPrompt.bind(model.tokenizer(), prompt, words);
        if (bound.count() != wordsOrNulls.size()) {
            throw new IllegalArgumentException("the prompt binds " + bound.count() + " subject(s) but "
                    + wordsOrNulls.size() + " image(s) were given");
        }
        return bound;
    }

    /** Embeddings (rows, S, Di) and positions per context row; unconditional rows get no subjects. */
    private GuidedDenoiser.MoaInputs moaInputs(Conditioning.Moa c, SubjectPrompt binding, int batch, boolean cfg,
            NDManager gen) {
        List<Subject> subjects = c.subjects();
        int s = Math.max(1, subjects.size());
        int di = moa.config().imageEmbedDim();
        int rows = cfg ? 2 * batch : batch;
        int[][] positions = new int[rows][s];
        float[][] weights = c.hasSubjectStrengths() ? new float[rows][s] : null;
        for (int r = 0; r < rows; r++) {
            Arrays.fill(positions[r], -1);
            if (cfg && r < batch) {
                continue;
            }
            for (int k = 0; k < subjects.size(); k++) {
                positions[r][k] = binding.positions()[k];
                if (weights != null) {
                    weights[r][k] = (float) c.subjectStrength(k);
                }
            }
        }
        NDArray embeds;
        if (subjects.isEmpty()) {
            embeds = gen.zeros(new Shape(rows, s, di));
        } else {
            NDList rowsOfSubjects = new NDList();
            for (Subject subject : subjects) {
                if (subject.embedding().size() != di) {
                    throw new IllegalArgumentException("subject '" + subject.word() + "' has a "
                            + subject.embedding().size() + "-dim embedding; the MoA checkpoint expects " + di);
                }
                NDArray e = gen.zeros(new Shape(di)).add(subject.embedding().reshape(di));   // a copy in gen
                rowsOfSubjects.add(e.reshape(1, di));
            }
            NDArray one = NDArrays.concat(rowsOfSubjects, 0).reshape(1, s, di);           // (1, S, Di)
            NDList all = new NDList();
            if (cfg) {
                all.add(gen.zeros(new Shape(batch, s, di)));
            }
            for (int b = 0; b < batch; b++) {
                all.add(one);
            }
            embeds = all.size() == 1 ? one : NDArrays.concat(all, 0);
        }
        return new GuidedDenoiser.MoaInputs(moa, c.mode(), c.strength(), embeds, positions, weights);
    }

    // ------------------------------------------------------------------------------------------ use cases

    /** The prior image and the personalized one of the same seed and prompt. */
    public record PriorComparison(GenerationResult prior, GenerationResult personalized) {}

    /** Prior (the base model's image for the seed) and MoA, as the paper's figures put them side by side. */
    public PriorComparison generateWithPrior(GenerationOptions o, Conditioning.Moa c, GenerationObserver... observers) {
        return generateWithPrior(o, c, RouterAnchor::new, observers);
    }

    /** As above, with the router anchor of {@code keepBackground} made by {@code anchors} from the prior's trajectory. */
    PriorComparison generateWithPrior(GenerationOptions o, Conditioning.Moa c,
            java.util.function.Function<Map<Integer, float[]>, RouterAnchor> anchors, GenerationObserver... observers) {
        if (!c.keepBackground()) {
            GenerationResult prior = generate(o, c.withMode(MoaMode.PRIOR), observers);
            GenerationResult personal = generate(o, c, observers);
            return new PriorComparison(prior, personal);
        }
        PriorRun prior = prior(o, c, observers);
        return new PriorComparison(prior.result(), generate(o, c, prior, anchors, observers));
    }

    /**
     * A prior generation kept for the personalized runs of the same options (several subject sets at one seed, say):
     * its images, and the latents after every sampling call, which {@code keepBackground} anchors to.
     */
    public record PriorRun(GenerationOptions options, GenerationResult result, Map<Integer, float[]> trajectory) {}

    /** The base model's generation for these options (MoA in mode prior), with its latent trajectory. */
    public PriorRun prior(GenerationOptions o, Conditioning.Moa c, GenerationObserver... observers) {
        requireMoa();
        TrajectoryRecorder trajectory = new TrajectoryRecorder();
        GenerationResult r = run(o, c.withMode(MoaMode.PRIOR), null, -1, null, Observers.of(Observers.of(observers), trajectory));
        return new PriorRun(o, r, trajectory.trajectory());
    }

    /**
     * A MoA generation that reuses a prior run of the same options instead of computing the prior again: with
     * {@code keepBackground} the latents are anchored to {@code prior}'s trajectory, otherwise {@code prior} is not
     * needed and this is {@link #generate(GenerationOptions, Conditioning, GenerationObserver...)}.
     *
     * @throws IllegalArgumentException when {@code prior} was generated with other options (seed, prompt, size, steps)
     */
    public GenerationResult generate(GenerationOptions o, Conditioning.Moa c, PriorRun prior, GenerationObserver... observers) {
        return generate(o, c, prior, RouterAnchor::new, observers);
    }

    private GenerationResult generate(GenerationOptions o, Conditioning.Moa c, PriorRun prior,
            java.util.function.Function<Map<Integer, float[]>, RouterAnchor> anchors, GenerationObserver... observers) {
        if (!c.keepBackground()) {
            return generate(o, c, observers);
        }
        if (prior == null || !prior.options().equals(o)) {
            throw new IllegalArgumentException("keep-background needs the prior run of the same options (seed, prompt,"
                    + " size, steps); " + (prior == null ? "none was given" : "the given one differs"));
        }
        RouterAnchor anchor = anchors.apply(prior.trajectory());
        return run(o, c, null, -1, anchor, Observers.of(Observers.of(observers), anchor));
    }

    /** Subject swap: the same seed and prompt with each subject set in turn (the context stays, the subjects change). */
    public List<GenerationResult> swap(GenerationOptions o, List<List<Subject>> sets, MoaMode mode,
            GenerationObserver... observers) {
        List<GenerationResult> out = new ArrayList<>();
        for (List<Subject> set : sets) {
            out.add(generate(o, Conditioning.moa(set, mode), observers));
        }
        return out;
    }

    /** One frame of a morph: the blend weight t (0 = from, 1 = to) and its image. */
    public record MorphFrame(double t, GenerationResult result) {}

    /**
     * Morphing one subject between two photos at a fixed seed: the subject's embedding goes linearly from
     * {@code from} to {@code to} over {@code frames} frames (batch 1 each); {@code others} stay as they are.
     * The end frames are the same computation as generating with {@code from} or {@code to} alone.
     */
    public List<MorphFrame> morph(GenerationOptions o, List<Subject> others, Subject from, Subject to, int frames,
            MoaMode mode, GenerationObserver... observers) {
        if (frames < 2 || frames > 120) {
            throw new IllegalArgumentException("morph frames must be between 2 and 120, got " + frames);
        }
        List<MorphFrame> out = new ArrayList<>();
        for (int k = 0; k < frames; k++) {
            double t = k / (double) (frames - 1);
            out.add(new MorphFrame(t, morphFrame(o, others, from, to, t, mode, 1.0, observers)));
        }
        return out;
    }

    /**
     * One frame of {@link #morph} (batch 1): the subject blended at {@code t} between {@code from} and {@code to},
     * {@code others} as they are. For callers that go frame by frame (progress per frame, stopping between frames).
     */
    public GenerationResult morphFrame(GenerationOptions o, List<Subject> others, Subject from, Subject to, double t,
            MoaMode mode, double strength, GenerationObserver... observers) {
        try (Subject blended = blend(from, to, t, from.word())) {
            List<Subject> set = new ArrayList<>(others);
            set.add(blended);
            return generate(o.withBatch(1), new Conditioning.Moa(set, mode, strength), observers);
        }
    }

    /** The same conditioning at each of several seeds (batch 1 each), e.g. for an evaluation. */
    public List<GenerationResult> generateSeeds(GenerationOptions o, Conditioning c, long[] seeds,
            GenerationObserver... observers) {
        List<GenerationResult> out = new ArrayList<>();
        for (long seed : seeds) {
            out.add(generate(o.withBatch(1).withSeed(seed), c, observers));
        }
        return out;
    }

    /**
     * A real-image swap: the input as sampled, the prior's reconstruction from the inverted latent, the swap, and the
     * keep-weights on the latent grid (null without a mask).
     */
    public record SwapResult(RgbImage input, float[] invertedLatents, int begin, GenerationResult reconstruction,
            GenerationResult swapped, float[] keep) {}

    /** {@link #swap(RgbImage, GenerationOptions, List, double, RgbImage, GenerationObserver...)} without a mask. */
    public SwapResult swap(RgbImage photo, GenerationOptions o, List<Subject> subjects, double depth,
            GenerationObserver... observers) {
        return swap(photo, o, subjects, depth, null, observers);
    }

    /**
     * Real-image subject swap (the paper's application): the photo is DDIM-inverted with the prior (router forced to
     * the prior, no guidance) for {@code depth} of the schedule, then sampled back with DDIM from that latent twice:
     * in prior mode without guidance (the reconstruction: the exact reverse of the inversion, so it stays closest to
     * the photo) and with MoA and the new subjects at the options' guidance (the swap). The options' steps, guidance
     * (of the swap pass), prompt and size are used; their scheduler is replaced by DDIM.
     *
     * @param depth share of the schedule inverted, in (0, 1]: 1 starts from pure inverted noise, less keeps more of
     *     the photo
     * @param mask null, or a picture in the inpainting convention (white = swap here, black = keep): after every
     *     step the swap's latents outside it are set to the reconstruction's ({@link LatentAnchor}), so everything
     *     outside stays the prior's reconstruction of the photo
     */
    public SwapResult swap(RgbImage photo, GenerationOptions o, List<Subject> subjects, double depth, RgbImage mask,
            GenerationObserver... observers) {
        requireMoa();
        if (!(depth > 0 && depth <= 1)) {
            throw new IllegalArgumentException("inversion depth must be in (0, 1], got " + depth);
        }
        int f = model.vaeScaleFactor();
        int w = o.width() > 0 ? o.width() : Math.max(f, photo.width() / f * f);
        int h = o.height() > 0 ? o.height() : Math.max(f, photo.height() / f * f);
        GenerationOptions fwd = o.withScheduler("ddim").withBatch(1).withSize(w, h).withLatents((Latents) null)
                .withInit(null).withEta(0);
        int n = o.steps();
        int k = Math.max(1, (int) Math.round(depth * n));
        GenerationObserver obs = Observers.of(observers);
        Conditioning.Moa c = Conditioning.moa(subjects);
        float[] inverted = invert(photo, fwd, c, k, obs);
        TrajectoryRecorder trajectory = new TrajectoryRecorder();
        GenerationResult reconstruction = run(fwd.withGuidance(1), c.withMode(MoaMode.PRIOR), inverted, n - k, null,
                mask == null ? obs : Observers.of(obs, trajectory));
        MaskAnchor anchor = null;
        if (mask != null) {
            int lh = h / f, lw = w / f;
            anchor = new MaskAnchor(trajectory.trajectory(), MaskAnchor.keepFromMask(mask, lh, lw), lh, lw);
        }
        GenerationResult swapped = run(fwd, c, inverted, n - k, anchor, obs);
        RgbImage input = photo.width() == w && photo.height() == h ? photo
                : dev.moa.image.Resample.resize(photo, w, h, dev.moa.image.Resample.Filter.BICUBIC);
        return new SwapResult(input, inverted, n - k, reconstruction, swapped, anchor == null ? null : anchor.keep());
    }

    /** The first {@code calls} steps of DDIM inversion of the photo with the prior, no guidance. */
    private float[] invert(RgbImage photo, GenerationOptions o, Conditioning.Moa c, int calls, GenerationObserver obs) {
        SubjectPrompt binding = bind(o.prompt(), c.subjects());
        try (dev.moa.schedulers.Scheduler inv = dev.moa.schedulers.Schedulers.create("ddim-inverse", model.schedulerConfig());
                NDManager gen = model.manager().newSubManager()) {
            inv.setTimesteps(o.steps());
            NDArray context = context(binding.ids(), "", o.clipSkip(), 1, false, gen, new ArrayList<>());
            GuidedDenoiser.MoaInputs prior = moaInputs(c.withMode(MoaMode.PRIOR), binding, 1, false, gen);
            NDArray z = encode(photo, o.width(), o.height(), gen);
            GuidedDenoiser d = new GuidedDenoiser(model.unet(), context, 1.0, prior, obs);
            NDArray x = Sampler.sample(inv, z, 0, calls, d, new dev.moa.tensor.BatchNoise(0, 1), obs);
            return x.toFloatArray();
        }
    }

    /** Uninstalls MoA from the UNet and frees the subjects made here; the base model stays loaded. */
    @Override
    public void close() {
        if (moa != null) {
            MoaAdapter.uninstall(model.unet());
        }
        subjectScope.close();
    }
}
