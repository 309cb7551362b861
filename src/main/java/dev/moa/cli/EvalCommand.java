package dev.moa.cli;

import com.google.gson.JsonObject;
import dev.moa.eval.ComparisonTable;
import dev.moa.eval.EmbeddingProbe;
import dev.moa.eval.EvalCase;
import dev.moa.eval.Evaluation;
import dev.moa.eval.Figure;
import dev.moa.eval.ToyCases;
import dev.moa.eval.ToyProbe;
import dev.moa.io.AtomicFiles;
import dev.moa.pipeline.DiffusionPipeline;
import dev.moa.pipeline.GenerationOptions;
import dev.moa.pipeline.ProgressListener;
import dev.moa.pipeline.StableDiffusion;
import dev.moa.toy.ToyWorld;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import dev.moa.image.RgbImage;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code moa eval}: MoA against the prior on evaluation cases, measured against the toy world's ground truth. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluate personalized generation on a case list (JSONL): prior and MoA images at every seed,",
                "measured against ground truth (colour keying, a probe for class and pattern, background change), with",
                "95 %% intervals over identities. Writes figures.json, summary.md and one sheet per case.",
                "--make-toy-cases DIR writes held-out toy-world cases (reference photos + cases.jsonl) and exits."})
final class EvalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    ModelOptions model;
    @Option(names = "--moa", paramLabel = "DIR", description = "MoA checkpoint folder (without it: the base model's prior images"
            + " alone, e.g. for gate 2)")
    Path moaDir;
    @Option(names = "--image-encoder", paramLabel = "DIR", description = "image encoder (default: the model's image_encoder/)")
    Path imageEncoder;
    @Option(names = "--cases", paramLabel = "FILE", description = "cases JSONL (see --make-toy-cases)")
    Path cases;
    @Option(names = "--output", paramLabel = "DIR", description = "where figures.json, summary.md and sheets/ go")
    Path output;
    @Option(names = "--steps", defaultValue = "25", description = "sampling steps (default ${DEFAULT-VALUE})")
    int steps;
    @Option(names = "--guidance", defaultValue = "5", description = "guidance scale (default ${DEFAULT-VALUE}; the swap pass of --swap: 2)")
    double guidance;
    @Option(names = "--scheduler", defaultValue = "ddim", description = "scheduler (default ${DEFAULT-VALUE})")
    String scheduler;
    @Option(names = "--limit", description = "evaluate only the first N cases")
    Integer limit;
    @Option(names = "--no-sheets", description = "skip the per-case sheets")
    boolean noSheets;
    @Option(names = "--gates", description = "also measure gate 1 (identity in the image embeddings) and report every gate")
    boolean gates;
    @Option(names = "--probe-pictures", defaultValue = "2400", description = "rendered pictures the probe trains on (default ${DEFAULT-VALUE})")
    int probePictures;
    @Option(names = "--world-seed", defaultValue = "0", description = "toy world seed (default ${DEFAULT-VALUE})")
    long worldSeed;
    @Option(names = "--strength", defaultValue = "1", description = "MoA's subject strength for the personalized images "
            + "(default ${DEFAULT-VALUE}); run at several values for the strength curve")
    double strength;
    @Option(names = "--mode", defaultValue = "moa", paramLabel = "moa|personal", converter = Converters.RouteConverter.class,
            description = "how the personalized images route: moa, or personal (a model trained with train --route"
                    + " personal, the personalized-only baseline) (default ${DEFAULT-VALUE})")
    dev.moa.moa.MoaMode mode;
    @Option(names = "--keep-background", description = "MoA images with the prior's background kept where the router "
            + "did not personalize (generate's --keep-background)")
    boolean keepBackground;
    @Option(names = "--swap", description = "evaluate the real-image swap instead: for each case a rendered scene picture "
            + "gets the case's subject swapped in (PSNR outside the rendered subject, colour error inside it)")
    boolean swap;
    @Option(names = "--swap-mask", paramLabel = "PIXELS", description = "with --swap: swap inside the photo's subject mask"
            + " grown by this many pixels, keeping the reconstruction outside it (swap's --mask); default: no mask")
    Integer swapMask;
    @Option(names = "--depth", defaultValue = "1", description = "inversion depth of --swap, (0, 1] (default ${DEFAULT-VALUE})")
    double depth;
    @Option(names = "--compare", paramLabel = "NAME=DIR[:personal]",
            description = "also evaluate this MoA checkpoint on the same cases, beside --moa in table.md (repeatable; "
                    + "priors are computed once); ':personal' routes it as the personalized-only baseline (trained with"
                    + " train --route personal). A checkpoint trained with --router-loss-weight 0 is the no-router-loss"
                    + " ablation of the gates")
    List<String> compare = new ArrayList<>();
    @Option(names = "--make-toy-cases", paramLabel = "DIR", description = "write toy-world cases into DIR and exit"
            + " (with --world-subjects 2 or 3: the full world's table cases, single and two-subject cases and morphs)")
    Path makeCases;
    @Mixin
    WorldOptions worldOptions;
    @Option(names = "--identities", defaultValue = "20", description = "held-out identities for --make-toy-cases (default ${DEFAULT-VALUE})")
    int identities;
    @Option(names = "--training-identities", description = "with --make-toy-cases: training identities instead of "
            + "held-out ones (to tell MoA's fit from its generalisation)")
    boolean trainingIdentities;
    @Option(names = "--seeds", defaultValue = "4", description = "seeds per case for --make-toy-cases (default ${DEFAULT-VALUE})")
    int seeds;
    @Mixin
    ThreadsOption threads;
    @Option(names = {"-q", "--quiet"}, description = "no progress output")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        PrintStream log = quiet ? new PrintStream(OutputStream.nullOutputStream()) : System.err;
        threads.apply();
        ToyWorld world = worldOptions.world(spec, worldSeed);
        if (makeCases != null) {
            if (identities < 1 || seeds < 1) {
                throw new ParameterException(spec.commandLine(), "--identities and --seeds must be >= 1");
            }
            if (world.maxSubjects() > 1 && trainingIdentities) {
                throw new ParameterException(spec.commandLine(), "--training-identities is for part 1's case list"
                        + " (--world-subjects 1)");
            }
            System.out.println(world.maxSubjects() > 1 ? ToyCases.writeFull(makeCases, world, identities, seeds, 100_000)
                    : ToyCases.write(makeCases, world, identities, seeds, 100_000, trainingIdentities));
            return 0;
        }
        if (cases == null || output == null) {
            throw new ParameterException(spec.commandLine(), "--cases and --output are needed (or --make-toy-cases DIR)");
        }
        if (moaDir == null) {   // the base model alone: only what concerns the prior applies
            var pr = spec.commandLine().getParseResult();
            for (String o : List.of("--mode", "--strength", "--keep-background", "--swap", "--swap-mask", "--image-encoder")) {
                if (pr.hasMatchedOption(o)) {
                    throw new ParameterException(spec.commandLine(), o + " needs --moa (without it, eval measures the base"
                            + " model's prior images only)");
                }
            }
        }
        if (!(strength >= 0 && strength <= 1)) {
            throw new ParameterException(spec.commandLine(), "--strength must be between 0 and 1, got " + strength);
        }
        if (!(depth > 0 && depth <= 1)) {
            throw new ParameterException(spec.commandLine(), "--depth must be in (0, 1], got " + depth);
        }
        if (keepBackground && mode != dev.moa.moa.MoaMode.MOA) {
            throw new ParameterException(spec.commandLine(), "--keep-background follows MoA's router: it needs --mode moa");
        }
        if (swap && keepBackground) {
            throw new ParameterException(spec.commandLine(), "--keep-background is for generation; the swap has --mask");
        }
        if (swapMask != null && (!swap || swapMask < 0)) {
            throw new ParameterException(spec.commandLine(), "--swap-mask needs --swap and a growth >= 0 pixels, got "
                    + swapMask + (swap ? "" : " without --swap"));
        }
        if (swap && gates) {
            throw new ParameterException(spec.commandLine(), "--gates measures generation; run it without --swap");
        }
        List<Compared> compared = parseCompare();
        if (!compared.isEmpty() && (moaDir == null || swap || keepBackground)) {
            throw new ParameterException(spec.commandLine(), "--compare needs --moa and plain generation (no --swap,"
                    + " --keep-background)");
        }
        List<EvalCase> all = EvalCase.read(cases);
        if (all.stream().anyMatch(c -> c.objectWords().size() > 1 || c.subjects().size() > 1) && world.maxSubjects() == 1) {
            world = new ToyWorld(worldSeed, ToyWorld.MAX_SUBJECTS);   // the full world's cases: the probe reads small subjects too
        }
        if (limit != null) {
            all = all.subList(0, Math.max(0, Math.min(limit, all.size())));
        }
        GenerationOptions base;
        try {
            base = GenerationOptions.of("").withSteps(steps).withGuidance(guidance).withScheduler(scheduler);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Files.createDirectories(output);
        if (swap) {
            return swap(all, base, world, log);
        }
        log.println("training the probe on " + probePictures + " rendered pictures");
        ToyProbe probe = ToyProbe.train(world, probePictures);
        log.printf(Locale.ROOT, "probe on held-out renders: class %.3f, pattern %.3f%n", probe.heldOutShapeAccuracy(),
                probe.heldOutPatternAccuracy());
        try (StableDiffusion sd = model.load(log)) {
            Evaluation.Report r;
            EmbeddingProbe ep;
            Map<String, RgbImage> priors = new HashMap<>();
            try (DiffusionPipeline p = moaDir == null ? DiffusionPipeline.of(sd) : DiffusionPipeline.loadMoa(sd, moaDir, imageEncoder)) {
                ProgressListener progress = quiet ? ProgressListener.NONE : new ProgressBar(log, "image");
                r = new Evaluation(p, probe, base, strength, keepBackground, mode).sharingPriors(priors).withCeiling(world)
                        .run(all, cases.toAbsolutePath().getParent(), noSheets ? null : output.resolve("sheets"), progress);
                ep = gates && moaDir != null ? EmbeddingProbe.measure(p, world, 2048, 512) : null;   // as train-clip's probe
            }
            JsonObject about = about(moaDir, mode, probe, ep);
            Evaluation.writeJson(output.resolve("figures.json"), r, about);
            String summary = summary(r, ep, probe, gates);
            List<ComparisonTable.Column> columns = new ArrayList<>();
            columns.add(new ComparisonTable.Column("MoA", mode == dev.moa.moa.MoaMode.PERSONAL
                    ? ComparisonTable.Role.PERSONAL_ONLY : ComparisonTable.Role.MOA, r));
            for (Compared c : compared) {
                log.println("comparing with " + c.name() + ": " + c.dir());
                try (DiffusionPipeline p = DiffusionPipeline.loadMoa(sd, c.dir(), imageEncoder)) {
                    ProgressListener progress = quiet ? ProgressListener.NONE : new ProgressBar(log, c.name());
                    Evaluation.Report cr = new Evaluation(p, probe, base, strength, false, c.mode()).sharingPriors(priors)
                            .run(all, cases.toAbsolutePath().getParent(), null, progress);
                    Evaluation.writeJson(output.resolve("figures-" + c.name() + ".json"), cr, about(c.dir(), c.mode(), probe, null));
                    ComparisonTable.Role role = c.mode() == dev.moa.moa.MoaMode.PERSONAL ? ComparisonTable.Role.PERSONAL_ONLY
                            : p.moa().config().lambdaRouter() == 0 ? ComparisonTable.Role.NO_ROUTER_LOSS
                            : ComparisonTable.Role.OTHER;
                    columns.add(new ComparisonTable.Column(c.name(), role, cr));
                }
            }
            if (!compared.isEmpty() || all.stream().anyMatch(c -> c.subjects().size() > 1)) {
                String table = ComparisonTable.render(columns) + "\n" + ComparisonTable.gates(columns);
                AtomicFiles.writeString(output.resolve("table.md"), table);
                summary += "\n" + table;
            }
            AtomicFiles.writeString(output.resolve("summary.md"), summary);
            System.out.print(summary);
        }
        return 0;
    }

    /** A checkpoint of --compare. */
    private record Compared(String name, Path dir, dev.moa.moa.MoaMode mode) {}

    /** --compare values, checked before any work: NAME=DIR[:personal], names unique, folders with a MoA config. */
    private List<Compared> parseCompare() {
        List<Compared> out = new ArrayList<>();
        for (String v : compare) {
            int eq = v.indexOf('=');
            if (eq <= 0 || eq == v.length() - 1) {
                throw new ParameterException(spec.commandLine(), "--compare " + v + ": expected NAME=DIR or NAME=DIR:personal");
            }
            String name = v.substring(0, eq);
            String dir = v.substring(eq + 1);
            dev.moa.moa.MoaMode m = dev.moa.moa.MoaMode.MOA;
            if (dir.endsWith(":personal")) {
                dir = dir.substring(0, dir.length() - ":personal".length());
                m = dev.moa.moa.MoaMode.PERSONAL;
            }
            if (!name.matches("[A-Za-z0-9._-]+") || name.equals("MoA")) {
                throw new ParameterException(spec.commandLine(), "--compare " + v + ": the name must be letters, digits, '.',"
                        + " '_' or '-' (and not MoA)");
            }
            if (out.stream().anyMatch(c -> c.name().equals(name))) {
                throw new ParameterException(spec.commandLine(), "--compare: the name " + name + " is given twice");
            }
            Path d = Path.of(dir);
            if (!Files.isRegularFile(d.resolve(dev.moa.moa.MoaAdapter.CONFIG_FILE))) {
                throw new ParameterException(spec.commandLine(), "--compare " + v + ": " + d + " is not a MoA checkpoint (no "
                        + dev.moa.moa.MoaAdapter.CONFIG_FILE + ")");
            }
            out.add(new Compared(name, d, m));
        }
        return out;
    }

    private JsonObject about(Path moa, dev.moa.moa.MoaMode m, ToyProbe probe, EmbeddingProbe ep) {
        JsonObject about = new JsonObject();
        about.addProperty("model", model.path().toString());
        about.addProperty("moa", moa == null ? null : moa.toString());
        about.addProperty("cases", cases.toString());
        about.addProperty("steps", steps);
        about.addProperty("guidance", guidance);
        about.addProperty("scheduler", scheduler);
        about.addProperty("strength", strength);
        about.addProperty("keep_background", keepBackground);
        about.addProperty("mode", m.cliName());
        about.addProperty("probe_class_accuracy", probe.heldOutShapeAccuracy());
        about.addProperty("probe_pattern_accuracy", probe.heldOutPatternAccuracy());
        if (ep != null) {
            about.addProperty("gate1_r2_primary", ep.r2Primary());
            about.addProperty("gate1_r2_secondary", ep.r2Secondary());
            about.addProperty("gate1_pattern_accuracy", ep.patternAccuracy());
        }
        return about;
    }

    private int swap(List<EvalCase> all, GenerationOptions base, ToyWorld world, PrintStream log) throws Exception {
        try (StableDiffusion sd = model.load(log);
                DiffusionPipeline p = DiffusionPipeline.loadMoa(sd, moaDir, imageEncoder)) {
            ProgressListener progress = quiet ? ProgressListener.NONE : new ProgressBar(log, "swap");
            // the swap pass samples at guidance 2 unless asked (the swap command's default)
            GenerationOptions o = spec.commandLine().getParseResult().hasMatchedOption("--guidance") ? base
                    : base.withGuidance(2);
            Evaluation.Report r = new dev.moa.eval.SwapEvaluation(p, world, o, depth, swapMask == null ? -1 : swapMask).run(all,
                    cases.toAbsolutePath().getParent(), noSheets ? null : output.resolve("sheets"), progress);
            JsonObject about = new JsonObject();
            about.addProperty("model", model.path().toString());
            about.addProperty("moa", moaDir.toString());
            about.addProperty("cases", cases.toString());
            about.addProperty("steps", steps);
            about.addProperty("guidance", o.guidance());
            about.addProperty("depth", depth);
            about.addProperty("mask_grow_pixels", swapMask == null ? -1 : swapMask);
            Evaluation.writeJson(output.resolve("swap_figures.json"), r, about);
            String summary = table(r);
            AtomicFiles.writeString(output.resolve("swap_summary.md"), summary);
            System.out.print(summary);
        }
        return 0;
    }

    private static String table(Evaluation.Report r) {
        StringBuilder sb = new StringBuilder();
        sb.append("| figure | mean | 95 % interval | images | identities |\n| --- | --- | --- | --- | --- |\n");
        for (Figure f : r.figures().values()) {
            sb.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f - %.3f | %d | %d |%n", f.name(), f.mean(), f.low(),
                    f.high(), f.images(), f.identities()));
        }
        return sb.toString();
    }

    private String summary(Evaluation.Report r, EmbeddingProbe ep, ToyProbe probe, boolean gates) {
        StringBuilder sb = new StringBuilder(table(r));
        sb.append(String.format(Locale.ROOT, "%nprobe (class / pattern reader) on held-out renders: class %.3f, pattern %.3f%n",
                probe.heldOutShapeAccuracy(), probe.heldOutPatternAccuracy()));
        if (gates && ep == null) {   // the base model alone: gate 2 (gate 1 is train-clip's; gate 3 needs MoA)
            double cls = r.get("class correct, prior").mean();
            double scene = r.get("scene right, prior").mean();
            sb.append("\n| gate | value | goal | |\n| --- | --- | --- | --- |\n");
            sb.append(gate("2. prior draws the class", cls, ">= 0.8", cls >= 0.8));
            sb.append(gate("2. prior draws the scene", scene, ">= 0.9", scene >= 0.9));
        }
        if (ep != null) {
            List<String> lines = new ArrayList<>();
            lines.add(gate("1. identity in the image embeddings: R^2 primary", ep.r2Primary(), ">= 0.9", ep.r2Primary() >= 0.9));
            lines.add(gate("1. identity in the image embeddings: R^2 second colour", ep.r2Secondary(), ">= 0.9",
                    ep.r2Secondary() >= 0.9));
            lines.add(gate("1. identity in the image embeddings: pattern accuracy", ep.patternAccuracy(), ">= 0.9",
                    ep.patternAccuracy() >= 0.9));
            double cls = r.get("class correct, prior").mean();
            double scene = r.get("scene right, prior").mean();
            lines.add(gate("2. prior draws the class", cls, ">= 0.8", cls >= 0.8));
            lines.add(gate("2. prior draws the scene", scene, ">= 0.9", scene >= 0.9));
            double cm = r.get("colour error, MoA").mean();
            double cp = r.get("colour error, prior").mean();
            lines.add(gate("3. MoA colour error / prior's", cm / cp, "<= 0.5", cm <= 0.5 * cp));
            double bg = r.get("background change").mean();
            lines.add(gate("3. background change outside the subjects", bg, "<= 0.05", bg <= 0.05));
            sb.append("\n| gate | value | goal | |\n| --- | --- | --- | --- |\n");
            lines.forEach(sb::append);
        }
        return sb.toString();
    }

    private static String gate(String name, double v, String goal, boolean pass) {
        return String.format(Locale.ROOT, "| %s | %.3f | %s | %s |%n", name, v, goal, pass ? "pass" : "FAIL");
    }
}
