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
import dev.moa.train.data.SyntheticDataset.Scene;
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

    /** Names of the figures, in report order. */
    public static final List<String> FIGURES = List.of("colour error, MoA", "colour error, prior", "class correct, MoA",
            "class correct, prior", "pattern correct, MoA", "scene right, MoA", "scene right, prior",
            "background change", "subject found, MoA", "subject found, prior", "image cosine to reference, MoA",
            "image cosine to reference, prior", "router inside subject, MoA", "router outside subject, MoA",
            "router inside / outside, MoA", "router inside subject, first third of steps",
            "router outside subject, first third of steps");

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
                priorOnly(c, scene, sceneModel, truth, reference, f, rows, sheets);
                done += c.seeds().size();
                progress.onProgress(done, total, "evaluating");
                continue;
            }
            List<Subject> subjects = pipeline.subjects(specs);
            float[] refEmbedding = subjects.get(0).embedding().toFloatArray();
            Sheet sheet = new Sheet().columnTitles("reference", "prior", "MoA", "subject regions: prior | MoA");
            for (long seed : c.seeds()) {
                GenerationOptions o = base.withPrompt(c.prompt()).withSeed(seed).withBatch(1);
                RouterMapCapture router = new RouterMapCapture();
                DiffusionPipeline.PriorComparison pc = pipeline.generateWithPrior(o,
                        new Conditioning.Moa(subjects, mode, strength).withKeepBackground(keepBackground),
                        router);
                RgbImage prior = pc.prior().image(0);
                RgbImage moa = pc.personalized().image(0);
                Look lp = look(prior, sceneModel, scene, truth);
                Look lm = look(moa, sceneModel, scene, truth);
                SubjectRegion rp = lp.region();
                SubjectRegion rm = lm.region();
                ToyProbe.Reading readMoa = lm.reading();
                double bg = SubjectRegion.backgroundChange(prior, moa, SubjectRegion.union(rp.mask(), rm.mask()));
                double cosMoa = cosine(refEmbedding, embed(moa));
                double cosPrior = cosine(refEmbedding, embed(prior));
                String who = c.identity();
                RouterShare share = router.maps().isEmpty() ? RouterShare.NONE : RouterShare.of(router.maps().get(0), rm);
                f.get("router inside subject, MoA").add(who, share.inside());
                f.get("router outside subject, MoA").add(who, share.outside());
                f.get("router inside / outside, MoA").add(who, share.inside() / share.outside());
                f.get("router inside subject, first third of steps").add(who, share.insideEarly());
                f.get("router outside subject, first third of steps").add(who, share.outsideEarly());
                lm.addTo(f, "MoA", who);
                lp.addTo(f, "prior", who);
                f.get("pattern correct, MoA").add(who, readMoa == null ? 0 : readMoa.pattern().name().equalsIgnoreCase(truth.pattern()) ? 1 : 0);
                f.get("background change").add(who, bg);
                f.get("image cosine to reference, MoA").add(who, cosMoa);
                f.get("image cosine to reference, prior").add(who, cosPrior);
                JsonObject row = new JsonObject();
                row.addProperty("case", c.id());
                row.addProperty("identity", who);
                row.addProperty("seed", seed);
                row.addProperty("colour_error_moa", lm.colourError());
                row.addProperty("colour_error_prior", lp.colourError());
                row.addProperty("class_moa", lm.className());
                row.addProperty("class_prior", lp.className());
                row.addProperty("pattern_moa", readMoa == null ? null : readMoa.pattern().name().toLowerCase(Locale.ROOT));
                row.addProperty("background_change", bg);
                row.addProperty("cosine_moa", cosMoa);
                row.addProperty("cosine_prior", cosPrior);
                row.addProperty("router_inside", share.inside());
                row.addProperty("router_outside", share.outside());
                row.addProperty("router_inside_first_third", share.insideEarly());
                row.addProperty("router_outside_first_third", share.outsideEarly());
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
        Map<String, Figure> figures = Figure.buildAll(f);
        if (!pipeline.personalized()) {
            figures.values().removeIf(x -> x.images() == 0);
        }
        return new Report(figures, rows);
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

    private Look look(RgbImage img, SceneModel sceneModel, Scene scene, EvalCase.Subject truth) {
        SubjectRegion r = SubjectRegion.find(img, sceneModel);
        boolean two = truth.secondary() != null;
        double ce = r.colourError(truth.primaryRgb(), two ? truth.secondaryRgb() : truth.primaryRgb(), two);
        ToyProbe.Reading read = probe.read(r);
        return new Look(r, ce, read, probe.sceneOf(img, r.mask()) == scene,
                read != null && read.shape().name().equalsIgnoreCase(truth.shape()));
    }

    /**
     * The base model alone (no MoA checkpoint): the prior images at every seed and their figures (colour error, class,
     * scene, subject found), what gate 2 asks of the base model.
     */
    private void priorOnly(EvalCase c, Scene scene, SceneModel sceneModel, EvalCase.Subject truth, RgbImage reference,
            Map<String, Figure.Builder> f, JsonArray rows, Path sheets) throws IOException {
        Sheet sheet = new Sheet().columnTitles("reference", "prior", "subject region");
        for (long seed : c.seeds()) {
            RgbImage prior = pipeline.generate(base.withPrompt(c.prompt()).withSeed(seed).withBatch(1)).image(0);
            Look lp = look(prior, sceneModel, scene, truth);
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
                        Pictures.forDisplay(regionPicture(prior, lp.region()), 128)));
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

        static RouterShare of(RouterMaps maps, SubjectRegion region) {
            double[] cover = coverage(region, maps.height(), maps.width());
            double[] all = insideOutside(maps.overall(), cover);
            int third = Math.max(1, maps.calls() / 3);
            double[] early = maps.calls() == 0 ? new double[] {Double.NaN, Double.NaN}
                    : insideOutside(maps.overCalls(0, third), cover);
            return new RouterShare(all[0], all[1], early[0], early[1]);
        }

        /** Share of each latent cell covered by the region's mask (area average). */
        static double[] coverage(SubjectRegion region, int h, int w) {
            double[] cover = new double[h * w];
            int[] count = new int[h * w];
            for (int y = 0; y < region.height(); y++) {
                int cy = y * h / region.height();
                for (int x = 0; x < region.width(); x++) {
                    int cell = cy * w + x * w / region.width();
                    count[cell]++;
                    if (region.mask()[y * region.width() + x]) {
                        cover[cell]++;
                    }
                }
            }
            for (int i = 0; i < cover.length; i++) {
                cover[i] = count[i] == 0 ? 0 : cover[i] / count[i];
            }
            return cover;
        }

        static double[] insideOutside(float[] map, double[] cover) {
            double in = 0, out = 0;
            int nIn = 0, nOut = 0;
            for (int i = 0; i < map.length; i++) {
                if (cover[i] >= 0.5) {
                    in += map[i];
                    nIn++;
                } else if (cover[i] == 0) {
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

    /** The image with its keyed subject region tinted. */
    static RgbImage regionPicture(RgbImage img, SubjectRegion r) {
        float[] m = new float[r.mask().length];
        for (int i = 0; i < m.length; i++) {
            m[i] = r.mask()[i] ? 1 : 0;
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
