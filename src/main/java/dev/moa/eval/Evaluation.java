package dev.moa.eval;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.moa.image.Heatmap;
import dev.moa.image.Images;
import dev.moa.image.Pictures;
import dev.moa.image.RgbImage;
import dev.moa.image.Sheet;
import dev.moa.io.AtomicFiles;
import dev.moa.moa.MoaMode;
import dev.moa.moa.RouterMaps;
import dev.moa.moa.Subject;
import dev.moa.moa.SubjectSpec;
import dev.moa.pipeline.Conditioning;
import dev.moa.pipeline.DiffusionPipeline;
import dev.moa.pipeline.GenerationOptions;
import dev.moa.pipeline.GenerationResult;
import dev.moa.pipeline.ProgressListener;
import dev.moa.pipeline.RouterMapCapture;
import dev.moa.toy.ToyColour;
import dev.moa.toy.ToyIdentity;
import dev.moa.toy.ToyPattern;
import dev.moa.toy.ToyWorld;
import dev.moa.train.data.SyntheticDataset.Scene;
import dev.moa.train.data.SyntheticDataset.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs evaluation cases through the one generation pipeline (prior and MoA at every seed; the prior alone for a
 * pipeline without MoA) and measures the
 * images against the toy world's ground truth: colour error and class/pattern of the keyed subject region, the
 * scene, the background change between prior and MoA outside both subject regions, and the image encoder's
 * reference-image cosine. Every figure comes with its 95 % interval over identities.
 */
public final class Evaluation {
    private final DiffusionPipeline pipeline;
    private final ToyProbe probe;
    private final GenerationOptions base;
    private final double strength;
    private final boolean keepBackground;
    private final MoaMode mode;

    /** @param base sampling settings (steps, guidance, scheduler, size); prompt and seed come from the cases */
    public Evaluation(DiffusionPipeline pipeline, ToyProbe probe, GenerationOptions base) {
        this(pipeline, probe, base, 1.0);
    }

    /** @param strength MoA's subject strength for the personalized images (1 = as trained, 0 = the prior) */
    public Evaluation(DiffusionPipeline pipeline, ToyProbe probe, GenerationOptions base, double strength) {
        this(pipeline, probe, base, strength, false);
    }

    /** @param keepBackground MoA images with the prior's background kept where the router did not personalize */
    public Evaluation(DiffusionPipeline pipeline, ToyProbe probe, GenerationOptions base, double strength,
            boolean keepBackground) {
        this(pipeline, probe, base, strength, keepBackground, MoaMode.MOA);
    }

    /** @param mode how the personalized images route: MOA, or PERSONAL for a personalized-only model */
    public Evaluation(DiffusionPipeline pipeline, ToyProbe probe, GenerationOptions base, double strength,
            boolean keepBackground, MoaMode mode) {
        this.mode = mode;
        this.pipeline = pipeline;
        this.probe = probe;
        this.base = base;
        this.strength = strength;
        this.keepBackground = keepBackground;
    }

    /** What was measured: figures by name, the rows behind them. */
    public record Report(Map<String, Figure> figures, JsonArray rows) {
        public Figure get(String name) {
            return figures.get(name);
        }
    }

    /** The ceiling: a true render of the identity on the case's scene after a VAE round trip, measured the same way. */
    public static final String CEILING_COLOUR = "ceiling: colour error (VAE round trip of a true render)";
    /** Spearman correlation between frame index and the subject's colour distance to the first photo (rises: > 0). */
    public static final String MORPH_RHO_A = "morph: rho(frame, distance to A)";
    /** ... and to the second photo (falls: < 0). */
    public static final String MORPH_RHO_B = "morph: rho(frame, distance to B)";

    /** Names of the figures, in report order (figures no case feeds are left out of the report). */
    public static final List<String> FIGURES = List.of("colour error, MoA", "colour error, prior", "class correct, MoA",
            "class correct, prior", "pattern correct, MoA", "scene right, MoA", "scene right, prior",
            "background change", "subject found, MoA", "subject found, prior", "image cosine to reference, MoA",
            "image cosine to reference, prior", "router inside subject, MoA", "router outside subject, MoA",
            "router inside / outside, MoA", "router inside subject, first third of steps",
            "router outside subject, first third of steps",
            CEILING_COLOUR, "ceiling: class correct", "ceiling: pattern correct",
            "swap: background change between references",
            "two subjects: colour error, MoA", "two subjects: colour error, prior", "two subjects: binding, MoA",
            "two subjects: binding, prior", "two subjects: leak, MoA", "two subjects: class correct, MoA",
            "two subjects: both found, MoA", "two subjects: both found and bound, MoA", "two subjects: background change",
            "two subjects: router inside / outside, MoA",
            MORPH_RHO_A, MORPH_RHO_B, "morph: end frames found");

    private Map<String, RgbImage> priorCache = new java.util.HashMap<>();
    private ToyWorld world;
    private int morphFrames = 7;

    /**
     * Shares prior images (the base model's, per prompt and seed) with other evaluations of the same base model and
     * sampling settings, so comparing several MoA checkpoints computes each prior once.
     */
    public Evaluation sharingPriors(Map<String, RgbImage> cache) {
        this.priorCache = cache;
        return this;
    }

    /** With a world, single-subject cases also measure the ceiling (true renders through the VAE). */
    public Evaluation withCeiling(ToyWorld world) {
        this.world = world;
        return this;
    }

    /** Frames of each morph (default 7). */
    public Evaluation withMorphFrames(int frames) {
        if (frames < 3) {
            throw new IllegalArgumentException("a morph needs at least 3 frames, got " + frames);
        }
        this.morphFrames = frames;
        return this;
    }

    /** A MoA image kept for the swap figure: same prompt and seed, another reference. */
    private record Kept(String identity, RgbImage image, boolean[] subjects) {}

    /**
     * Generates and measures every case; writes one sheet per case into {@code sheets} (null: none).
     *
     * @param casesDir relative reference paths resolve against it
     */
    public Report run(List<EvalCase> cases, Path casesDir, Path sheets, ProgressListener progress) throws IOException {
        Map<String, Figure.Builder> f = Figure.builders(FIGURES);
        JsonArray rows = new JsonArray();
        int total = cases.stream().mapToInt(c -> c.seeds().size()).sum();
        int done = 0;
        if (sheets != null) {
            Files.createDirectories(sheets);
        }
        Map<String, List<Kept>> sameSeed = new LinkedHashMap<>();
        for (EvalCase c : cases) {
            Scene scene = Scene.valueOf(c.scene().toUpperCase(Locale.ROOT));
            SceneModel sceneModel = probe.scene(scene);
            if (sceneModel == null) {
                throw new IllegalArgumentException("case " + c.id() + ": scene '" + c.scene() + "' is not a toy-world scene");
            }
            List<SubjectSpec> specs = new ArrayList<>();
            for (EvalCase.Subject s : c.subjects()) {
                specs.add(new SubjectSpec(s.word(), casesDir.resolve(s.image())));
            }
            EvalCase.Subject truth = c.subjects().get(0);
            RgbImage reference = Images.read(casesDir.resolve(truth.image()));
            if (!pipeline.personalized()) {
                if (!c.isMorph()) {
                    priorOnly(c, scene, sceneModel, truth, reference, f, rows, sheets);
                }
                done += c.seeds().size();
                progress.onProgress(done, total, "evaluating");
                continue;
            }
            List<Subject> subjects = pipeline.subjects(specs);
            if (c.isMorph()) {
                for (long seed : c.seeds()) {
                    morph(c, seed, subjects, sceneModel, f, rows, sheets);
                    progress.onProgress(++done, total, "evaluating");
                }
                subjects.forEach(Subject::close);
                continue;
            }
            List<String> objects = c.objectWords();
            int[] at = new int[c.subjects().size()];
            for (int j = 0; j < at.length; j++) {
                at[j] = objects.indexOf(c.subjects().get(j).word());
            }
            boolean two = c.subjects().size() > 1;
            float[] refEmbedding = subjects.get(0).embedding().toFloatArray();
            Sheet sheet = new Sheet().columnTitles("reference", "prior", "MoA", "subject regions: prior | MoA");
            Conditioning.Moa cond = new Conditioning.Moa(subjects, mode, strength).withKeepBackground(keepBackground);
            Batched batched = keepBackground ? null : batched(c, cond);
            for (int si = 0; si < c.seeds().size(); si++) {
                long seed = c.seeds().get(si);
                GenerationOptions o = base.withPrompt(c.prompt()).withSeed(seed).withBatch(1);
                RgbImage prior;
                RgbImage moa;
                RouterMaps routerMaps;
                if (batched == null) {   // anchored to the prior's own trajectory: computed together, seed by seed
                    RouterMapCapture router = new RouterMapCapture();
                    DiffusionPipeline.PriorComparison pc = pipeline.generateWithPrior(o, cond, router);
                    prior = pc.prior().image(0);
                    moa = pc.personalized().image(0);
                    routerMaps = router.maps().isEmpty() ? null : router.maps().get(0);
                } else {
                    prior = batched.priors().get(si);
                    moa = batched.moa().get(si);
                    routerMaps = batched.router().get(si);
                }
                List<SubjectRegion> rp = SubjectRegion.findAll(prior, sceneModel, objects.size());
                List<SubjectRegion> rm = SubjectRegion.findAll(moa, sceneModel, objects.size());
                int px = moa.width() * moa.height();
                boolean[] allRegions = SubjectRegion.union(SubjectRegion.union(rp, px), SubjectRegion.union(rm, px));
                double bg = SubjectRegion.backgroundChange(prior, moa, allRegions);
                List<SubjectRegion> mine = new ArrayList<>();
                for (int j : at) {
                    mine.add(rm.get(j));
                }
                RouterShare share = routerMaps == null ? RouterShare.NONE
                        : RouterShare.of(routerMaps, SubjectRegion.union(mine, px), SubjectRegion.union(rm, px),
                                moa.width(), moa.height());
                String who = c.identity();
                JsonObject row = new JsonObject();
                row.addProperty("case", c.id());
                row.addProperty("identity", who);
                row.addProperty("seed", seed);
                row.addProperty("background_change", bg);
                row.addProperty("router_inside", share.inside());
                row.addProperty("router_outside", share.outside());
                if (!two) {
                    Look lp = look(prior, rp, at[0], SubjectRegion.union(rp, px), sceneModel, scene, truth);
                    Look lm = look(moa, rm, at[0], SubjectRegion.union(rm, px), sceneModel, scene, truth);
                    ToyProbe.Reading readMoa = lm.reading();
                    double cosMoa = cosine(refEmbedding, embed(moa));
                    double cosPrior = cosine(refEmbedding, embed(prior));
                    f.get("router inside subject, MoA").add(who, share.inside());
                    f.get("router outside subject, MoA").add(who, share.outside());
                    f.get("router inside / outside, MoA").add(who, share.inside() / share.outside());
                    f.get("router inside subject, first third of steps").add(who, share.insideEarly());
                    f.get("router outside subject, first third of steps").add(who, share.outsideEarly());
                    lm.addTo(f, "MoA", who);
                    lp.addTo(f, "prior", who);
                    f.get("pattern correct, MoA").add(who, readMoa == null ? 0
                            : readMoa.pattern().name().equalsIgnoreCase(truth.pattern()) ? 1 : 0);
                    f.get("background change").add(who, bg);
                    f.get("image cosine to reference, MoA").add(who, cosMoa);
                    f.get("image cosine to reference, prior").add(who, cosPrior);
                    row.addProperty("colour_error_moa", lm.colourError());
                    row.addProperty("colour_error_prior", lp.colourError());
                    row.addProperty("class_moa", lm.className());
                    row.addProperty("class_prior", lp.className());
                    row.addProperty("pattern_moa", readMoa == null ? null : readMoa.pattern().name().toLowerCase(Locale.ROOT));
                    row.addProperty("cosine_moa", cosMoa);
                    row.addProperty("cosine_prior", cosPrior);
                    row.addProperty("router_inside_first_third", share.insideEarly());
                    row.addProperty("router_outside_first_third", share.outsideEarly());
                    sameSeed.computeIfAbsent(c.prompt() + "\n" + seed, k -> new ArrayList<>())
                            .add(new Kept(who, moa, SubjectRegion.union(rm, px)));
                    if (world != null && objects.size() == 1) {
                        ceiling(c, scene, seed, sceneModel, truth, f);
                    }
                } else {
                    boolean allFound = true, allFoundPrior = true;
                    for (int j : at) {
                        allFound &= rm.get(j).found();
                        allFoundPrior &= rp.get(j).found();
                    }
                    boolean allBound = allFound;
                    for (int j = 0; j < at.length; j++) {
                        EvalCase.Subject t = c.subjects().get(j);
                        EvalCase.Subject other = c.subjects().get(j == 0 ? 1 : 0);
                        SubjectRegion r = rm.get(at[j]);
                        SubjectRegion q = rp.get(at[j]);
                        double own = colourError(r, t), leak = colourError(r, other);
                        double ownPrior = colourError(q, t), leakPrior = colourError(q, other);
                        f.get("two subjects: colour error, MoA").add(who, own);
                        f.get("two subjects: colour error, prior").add(who, ownPrior);
                        // binding among images where every subject was found (a missing one is "both found"'s)
                        f.get("two subjects: binding, MoA").add(who, allFound ? own < leak ? 1 : 0 : Double.NaN);
                        f.get("two subjects: binding, prior").add(who, allFoundPrior ? ownPrior < leakPrior ? 1 : 0 : Double.NaN);
                        allBound &= allFound && own < leak;
                        f.get("two subjects: leak, MoA").add(who, leak);
                        ToyProbe.Reading read = probe.read(r);
                        f.get("two subjects: class correct, MoA").add(who,
                                read != null && read.shape().name().equalsIgnoreCase(t.shape()) ? 1 : 0);
                        row.addProperty("colour_error_moa_" + j, own);
                        row.addProperty("leak_moa_" + j, leak);
                        row.addProperty("colour_error_prior_" + j, ownPrior);
                    }
                    f.get("two subjects: both found and bound, MoA").add(who, allBound ? 1 : 0);
                    f.get("two subjects: both found, MoA").add(who, allFound ? 1 : 0);
                    f.get("two subjects: background change").add(who, bg);
                    f.get("two subjects: router inside / outside, MoA").add(who, share.inside() / share.outside());
                }
                rows.add(row);
                if (sheets != null) {
                    sheet.row(Long.toString(seed), List.of(Pictures.forDisplay(reference, 128), Pictures.forDisplay(prior, 128),
                            Pictures.forDisplay(moa, 128), Pictures.sideBySide(List.of(regionPicture(prior, rp),
                                    regionPicture(moa, rm)), Pictures.forDisplay(moa, 128).height())));
                }
                progress.onProgress(++done, total, "evaluating");
            }
            subjects.forEach(Subject::close);
            if (sheets != null) {
                sheet.write(sheets.resolve(c.id() + ".png"), dev.moa.image.Provenance.generated(Map.of("Description",
                        "evaluation case " + c.id() + ": " + c.prompt())));
            }
        }
        swapFigure(sameSeed, f.get("swap: background change between references"));
        Map<String, Figure> figures = Figure.buildAll(f);
        figures.values().removeIf(x -> x.images() == 0);
        return new Report(figures, rows);
    }

    /** A case's images at all its seeds: priors, MoA images and router maps, in seed order. */
    private record Batched(List<RgbImage> priors, List<RgbImage> moa, List<RouterMaps> router) {}

    /**
     * Every seed of a case in as few generations as possible: consecutive seeds run as one batch (image i at seed
     * first + i, as single runs would; small models are bound by per-call overhead, so this is several times faster),
     * others one by one. Priors come from the shared cache when every seed is there.
     */
    private Batched batched(EvalCase c, Conditioning.Moa cond) {
        List<RgbImage> priors = new ArrayList<>(), moa = new ArrayList<>();
        List<RouterMaps> router = new ArrayList<>();
        for (List<Long> run : consecutiveRuns(c.seeds())) {
            GenerationOptions o = base.withPrompt(c.prompt()).withSeed(run.get(0)).withBatch(run.size());
            List<RgbImage> cached = new ArrayList<>();
            for (long seed : run) {
                RgbImage p = priorCache.get(priorKey(c.prompt(), seed, run.size()));
                if (p != null) {
                    cached.add(p);
                }
            }
            if (cached.size() < run.size()) {
                cached.clear();
                GenerationResult r = pipeline.generate(o, cond.withMode(MoaMode.PRIOR));
                for (int i = 0; i < run.size(); i++) {
                    cached.add(r.image(i));
                    priorCache.put(priorKey(c.prompt(), run.get(i), run.size()), r.image(i));
                }
            }
            priors.addAll(cached);
            RouterMapCapture capture = new RouterMapCapture();
            GenerationResult r = pipeline.generate(o, cond, capture);
            for (int i = 0; i < run.size(); i++) {
                moa.add(r.image(i));
                router.add(capture.maps().isEmpty() ? null : capture.maps().get(i));
            }
        }
        return new Batched(priors, moa, router);
    }

    /** Priors are keyed by prompt, seed and the batch they were made in (a batch blocks the arithmetic otherwise). */
    private static String priorKey(String prompt, long seed, int batch) {
        return prompt + "\n" + seed + "\n" + batch;
    }

    /** The seeds cut into runs of consecutive values, at most 8 long, in order. */
    static List<List<Long>> consecutiveRuns(List<Long> seeds) {
        List<List<Long>> out = new ArrayList<>();
        List<Long> cur = new ArrayList<>();
        for (long s : seeds) {
            if (!cur.isEmpty() && (s != cur.get(cur.size() - 1) + 1 || cur.size() == 8)) {
                out.add(cur);
                cur = new ArrayList<>();
            }
            cur.add(s);
        }
        if (!cur.isEmpty()) {
            out.add(cur);
        }
        return out;
    }

    private static double colourError(SubjectRegion r, EvalCase.Subject t) {
        boolean two = t.secondary() != null;
        return r.colourError(t.primaryRgb(), two ? t.secondaryRgb() : t.primaryRgb(), two);
    }

    /**
     * Subject swap at a fixed seed: MoA images of the same prompt and seed with different references (identities)
     * should differ only in the subject. Background change between every two of them, outside both subject regions.
     */
    private static void swapFigure(Map<String, List<Kept>> sameSeed, Figure.Builder f) {
        for (List<Kept> ks : sameSeed.values()) {
            for (int a = 0; a < ks.size(); a++) {
                for (int b = a + 1; b < ks.size(); b++) {
                    Kept x = ks.get(a), y = ks.get(b);
                    if (!x.identity().equals(y.identity())) {
                        f.add(x.identity(), SubjectRegion.backgroundChange(x.image(), y.image(),
                                SubjectRegion.union(x.subjects(), y.subjects())));
                    }
                }
            }
        }
    }

    /** The ceiling of a single-subject case at one seed: the true render of the identity, through the VAE. */
    private void ceiling(EvalCase c, Scene scene, long seed, SceneModel sceneModel, EvalCase.Subject truth,
            Map<String, Figure.Builder> f) {
        ToyIdentity id = identityOf(truth);
        if (id == null) {
            return;
        }
        RgbImage render = pipeline.roundTrip(world.scene(id, scene, 8_000_000 + seed).image());
        List<SubjectRegion> rs = SubjectRegion.findAll(render, sceneModel, 1);
        Look l = look(render, rs, 0, rs.get(0).mask(), sceneModel, scene, truth);
        f.get(CEILING_COLOUR).add(c.identity(), l.colourError());
        f.get("ceiling: class correct").add(c.identity(), l.classRight() ? 1 : 0);
        f.get("ceiling: pattern correct").add(c.identity(), l.reading() == null ? 0
                : l.reading().pattern().name().equalsIgnoreCase(truth.pattern()) ? 1 : 0);
    }

    /** The toy identity a case's ground truth describes, or null when it is not one (an unknown shape or pattern). */
    static ToyIdentity identityOf(EvalCase.Subject t) {
        try {
            Shape shape = Shape.valueOf(t.shape().toUpperCase(Locale.ROOT));
            ToyPattern pattern = ToyPattern.valueOf(t.pattern().toUpperCase(Locale.ROOT));
            ToyColour p = ToyColour.ofRgb(t.primaryRgb());
            ToyColour s = t.secondary() == null ? p : ToyColour.ofRgb(t.secondaryRgb());
            return new ToyIdentity(shape, pattern, p, s);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * A morph at one seed: the subject's embedding from the first photo to the second over the frames; the subject
     * region's colour distance to each photo's true colours should rise (to A) and fall (to B) with the frame index.
     */
    private void morph(EvalCase c, long seed, List<Subject> subjects, SceneModel sceneModel,
            Map<String, Figure.Builder> f, JsonArray rows, Path sheets) throws IOException {
        EvalCase.Subject a = c.subjects().get(0), b = c.subjects().get(1);
        GenerationOptions o = base.withPrompt(c.prompt()).withSeed(seed).withBatch(1);
        double[] t = new double[morphFrames], da = new double[morphFrames], db = new double[morphFrames];
        List<RgbImage> strip = new ArrayList<>();
        boolean ends = true;
        for (int k = 0; k < morphFrames; k++) {
            t[k] = k / (double) (morphFrames - 1);
            RgbImage img = pipeline.morphFrame(o, List.of(), subjects.get(0), subjects.get(1), t[k], mode, strength).image(0);
            SubjectRegion r = SubjectRegion.find(img, sceneModel);
            da[k] = colourError(r, a);
            db[k] = colourError(r, b);
            if ((k == 0 || k == morphFrames - 1) && !r.found()) {
                ends = false;
            }
            strip.add(Pictures.forDisplay(img, 128));
        }
        double rhoA = Ranks.spearman(t, da), rhoB = Ranks.spearman(t, db);
        f.get(MORPH_RHO_A).add(c.identity(), rhoA);
        f.get(MORPH_RHO_B).add(c.identity(), rhoB);
        f.get("morph: end frames found").add(c.identity(), ends ? 1 : 0);
        JsonObject row = new JsonObject();
        row.addProperty("case", c.id());
        row.addProperty("identity", c.identity());
        row.addProperty("seed", seed);
        row.addProperty("morph_rho_a", rhoA);
        row.addProperty("morph_rho_b", rhoB);
        rows.add(row);
        if (sheets != null) {
            new Sheet().row(c.id() + " seed " + seed, strip).write(sheets.resolve(c.id() + "-seed" + seed + ".png"),
                    dev.moa.image.Provenance.generated(Map.of("Description", "morph " + c.id() + ": " + c.prompt())));
        }
    }

    /** What the ground truth says about one generated image: its keyed subject region, colour error, probe reading, scene. */
    private record Look(SubjectRegion region, double colourError, ToyProbe.Reading reading, boolean sceneRight,
            boolean classRight) {
        /** The class the probe read, lower case (null when no subject was found). */
        String className() {
            return reading == null ? null : reading.shape().name().toLowerCase(Locale.ROOT);
        }

        /** Adds the image's colour error, class, scene and subject-found figures under "NAME, {@code which}". */
        void addTo(Map<String, Figure.Builder> f, String which, String who) {
            f.get("colour error, " + which).add(who, colourError);
            f.get("class correct, " + which).add(who, classRight ? 1 : 0);
            f.get("scene right, " + which).add(who, sceneRight ? 1 : 0);
            f.get("subject found, " + which).add(who, region.found() ? 1 : 0);
        }
    }

    /** The subject at {@code index} of the image's regions (left to right); the scene read outside {@code allRegions}. */
    private Look look(RgbImage img, List<SubjectRegion> regions, int index, boolean[] allRegions, SceneModel sceneModel,
            Scene scene, EvalCase.Subject truth) {
        SubjectRegion r = regions.get(index);
        ToyProbe.Reading read = probe.read(r);
        return new Look(r, colourError(r, truth), read, probe.sceneOf(img, allRegions) == scene,
                read != null && read.shape().name().equalsIgnoreCase(truth.shape()));
    }

    /**
     * The base model alone (no MoA checkpoint): the prior images at every seed and their figures (colour error, class,
     * scene, subject found), what gate 2 asks of the base model.
     */
    private void priorOnly(EvalCase c, Scene scene, SceneModel sceneModel, EvalCase.Subject truth, RgbImage reference,
            Map<String, Figure.Builder> f, JsonArray rows, Path sheets) throws IOException {
        Sheet sheet = new Sheet().columnTitles("reference", "prior", "subject region");
        Map<Long, RgbImage> images = new java.util.HashMap<>();
        for (List<Long> run : consecutiveRuns(c.seeds())) {   // batched as the MoA evaluation's priors are
            GenerationResult r = pipeline.generate(base.withPrompt(c.prompt()).withSeed(run.get(0)).withBatch(run.size()));
            for (int i = 0; i < run.size(); i++) {
                images.put(run.get(i), r.image(i));
            }
        }
        for (long seed : c.seeds()) {
            RgbImage prior = images.get(seed);
            List<SubjectRegion> rp = SubjectRegion.findAll(prior, sceneModel, c.objectWords().size());
            Look lp = look(prior, rp, c.objectWords().indexOf(truth.word()), SubjectRegion.union(rp, prior.width()
                    * prior.height()), sceneModel, scene, truth);
            String who = c.identity();
            lp.addTo(f, "prior", who);
            JsonObject row = new JsonObject();
            row.addProperty("case", c.id());
            row.addProperty("identity", who);
            row.addProperty("seed", seed);
            row.addProperty("colour_error_prior", lp.colourError());
            row.addProperty("class_prior", lp.className());
            rows.add(row);
            if (sheets != null) {
                sheet.row(Long.toString(seed), List.of(Pictures.forDisplay(reference, 128), Pictures.forDisplay(prior, 128),
                        Pictures.forDisplay(regionPicture(prior, rp), 128)));
            }
        }
        if (sheets != null) {
            sheet.write(sheets.resolve(c.id() + ".png"), dev.moa.image.Provenance.generated(Map.of("Description",
                    "evaluation case " + c.id() + " (base model): " + c.prompt())));
        }
    }

    /**
     * MoA's personalized-branch weight (the router's r1, mean over layers) inside the subject region (latent cells at
     * least half covered by the keyed region of the MoA image) and outside it (cells it does not touch), over all
     * steps and over the first third, where colour is settled. NaN where a side has no cell or nothing was routed.
     */
    record RouterShare(double inside, double outside, double insideEarly, double outsideEarly) {
        static final RouterShare NONE = new RouterShare(Double.NaN, Double.NaN, Double.NaN, Double.NaN);

        /**
         * @param inside the personalized subjects' pixels
         * @param anything every subject's pixels (a cell touching none is outside)
         */
        static RouterShare of(RouterMaps maps, boolean[] inside, boolean[] anything, int width, int height) {
            double[] cover = coverage(inside, width, height, maps.height(), maps.width());
            double[] touched = coverage(anything, width, height, maps.height(), maps.width());
            double[] all = insideOutside(maps.overall(), cover, touched);
            int third = Math.max(1, maps.calls() / 3);
            double[] early = maps.calls() == 0 ? new double[] {Double.NaN, Double.NaN}
                    : insideOutside(maps.overCalls(0, third), cover, touched);
            return new RouterShare(all[0], all[1], early[0], early[1]);
        }

        /** Share of each latent cell ({@code h x w}) covered by the mask ({@code width x height}), area average. */
        static double[] coverage(boolean[] mask, int width, int height, int h, int w) {
            double[] cover = new double[h * w];
            int[] count = new int[h * w];
            for (int y = 0; y < height; y++) {
                int cy = y * h / height;
                for (int x = 0; x < width; x++) {
                    int cell = cy * w + x * w / width;
                    count[cell]++;
                    if (mask[y * width + x]) {
                        cover[cell]++;
                    }
                }
            }
            for (int i = 0; i < cover.length; i++) {
                cover[i] = count[i] == 0 ? 0 : cover[i] / count[i];
            }
            return cover;
        }

        /** Mean of the map over cells at least half inside, and over cells no subject touches. */
        static double[] insideOutside(float[] map, double[] cover, double[] touched) {
            double in = 0, out = 0;
            int nIn = 0, nOut = 0;
            for (int i = 0; i < map.length; i++) {
                if (cover[i] >= 0.5) {
                    in += map[i];
                    nIn++;
                } else if (touched[i] == 0) {
                    out += map[i];
                    nOut++;
                }
            }
            return new double[] {nIn == 0 ? Double.NaN : in / nIn, nOut == 0 ? Double.NaN : out / nOut};
        }
    }

    private float[] embed(RgbImage img) {
        try (Subject s = pipeline.subject(null, img, null)) {
            return s.embedding().toFloatArray();
        }
    }

    static double cosine(float[] a, float[] b) {
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += a[i] * b[i];
            aa += a[i] * a[i];
            bb += b[i] * b[i];
        }
        return ab / Math.sqrt(aa * bb + 1e-30);
    }

    /** The image with its keyed subject regions tinted. */
    static RgbImage regionPicture(RgbImage img, List<SubjectRegion> rs) {
        boolean[] u = SubjectRegion.union(rs, img.width() * img.height());
        float[] m = new float[u.length];
        for (int i = 0; i < m.length; i++) {
            m[i] = u[i] ? 1 : 0;
        }
        return Heatmap.overlay(img, m, img.height(), img.width(), 0.45f, Heatmap.Upsample.NEAREST);
    }

    /** figures.json: the figures with intervals and sample sizes, and every row. */
    public static void writeJson(Path file, Report r, JsonObject about) throws IOException {
        JsonObject o = new JsonObject();
        o.add("about", about);
        JsonObject figs = new JsonObject();
        for (Figure fig : r.figures().values()) {
            JsonObject j = new JsonObject();
            j.addProperty("mean", fig.mean());
            j.addProperty("ci95_low", fig.low());
            j.addProperty("ci95_high", fig.high());
            j.addProperty("images", fig.images());
            j.addProperty("identities", fig.identities());
            figs.add(fig.name(), j);
        }
        o.add("figures", figs);
        o.add("rows", r.rows());
        AtomicFiles.writeString(file, new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create()
                .toJson(o) + "\n");
    }
}
