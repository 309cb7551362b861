package dev.moa.cli;

import dev.moa.image.GifWriter;
import dev.moa.image.Images;
import dev.moa.image.Pictures;
import dev.moa.image.Provenance;
import dev.moa.image.RgbImage;
import dev.moa.image.Sheet;
import dev.moa.moa.MoaMode;
import dev.moa.moa.MorphSpec;
import dev.moa.moa.RouterMaps;
import dev.moa.moa.Subject;
import dev.moa.moa.SubjectSpec;
import dev.moa.pipeline.Conditioning;
import dev.moa.pipeline.DiffusionPipeline;
import dev.moa.pipeline.GenerationObserver;
import dev.moa.pipeline.GenerationOptions;
import dev.moa.pipeline.GenerationResult;
import dev.moa.pipeline.Infotext;
import dev.moa.pipeline.ProgressListener;
import dev.moa.pipeline.RouterMapCapture;
import dev.moa.pipeline.StableDiffusion;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code moa generate}: text-to-image, and personalized generation with {@code --moa}; writes what the pipeline makes. */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Generate images from a prompt; with --moa and --subject, personalized with the subjects' photos.",
                "Without --model the bundled toy world is used (64 px pictures of shapes in scenes, trained by this"
                        + " project), and with --subject but without --moa its MoA."})
final class GenerateCommand implements Callable<Integer> {
    static final String SAMPLE_PROMPT = "a photo of an astronaut riding a horse on the moon";
    static final String SAMPLE_MOA_PROMPT = "a man and a woman talking in a cafe";
    static final String TOY_PROMPT = "a photo of a star at night";

    @Spec
    CommandSpec spec;
    @Mixin
    ModelOptions model;
    @Mixin
    SamplingOptions sampling;
    @Mixin
    MoaOptions moa;
    @Option(names = {"-o", "--output"}, paramLabel = "PATH", description = "output .png file or folder (default: outputs/)")
    Path output;
    @Mixin
    ThreadsOption threads;
    @Option(names = {"-q", "--quiet"}, description = "no progress output")
    boolean quiet;

    private PrintStream log;
    private StableDiffusion sd;
    private DiffusionPipeline pipeline;
    private Outputs out;
    private long[] grid;

    @Override
    public Integer call() throws Exception {
        log = quiet ? new PrintStream(OutputStream.nullOutputStream()) : System.err;
        threads.apply();
        GenerationOptions o;
        List<List<SubjectSpec>> sets;
        MorphSpec morph;
        try {   // every flag and file is checked before the (slow) model load
            moa.defaultMoa(model);
            sets = moa.sets();
            morph = moa.morphSpec();
            o = sampling.build(defaultPrompt(sets, morph), log);
            moa.check(sets, morph, o.latents() != null && o.latents().shape() != null && o.latents().shape()[0] > 1);
            grid = sampling.seedList();
            if (grid != null && morph != null) {
                throw new IllegalArgumentException("--seeds does not go with --morph");
            }
            out = Outputs.of(output, o.seed());   // the output locations are checked before the models load
            if (moa.routerMaps != null) {
                Outputs.checkFile(moa.routerMaps, "--router-maps");
            }
            model.checkMemory(o.width(), o.height(), o.batch(), o.guidance() > 1);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        try (StableDiffusion loaded = model.load(log)) {
            sd = loaded;
            if (moa.moaDir == null) {
                try (DiffusionPipeline p = DiffusionPipeline.of(sd)) {
                    pipeline = p;
                    if (grid != null) {
                        seedGrid(o, List.of(new Row("prompt", new Conditioning.Prompt(), null)));
                    } else {
                        writeAll(p.generate(o, progress()), 0);
                    }
                }
                return 0;
            }
            Path enc = DiffusionPipeline.imageEncoderFor(sd, moa.moaDir, moa.imageEncoder);
            log.println("loading MoA " + moa.moaDir + " and image encoder " + enc);
            try (DiffusionPipeline p = DiffusionPipeline.loadMoa(sd, moa.moaDir, enc)) {
                pipeline = p;
                runMoa(o, sets, morph);
            }
        }
        return 0;
    }

    /**
     * The prompt when none is given: on the toy world one naming the subjects' words left to right as its captions
     * do ("a photo of a heart and a star on a beach"), else a sample prompt.
     */
    private String defaultPrompt(List<List<SubjectSpec>> sets, MorphSpec morph) {
        if (!model.isDefault()) {
            return moa.moaDir != null ? SAMPLE_MOA_PROMPT : SAMPLE_PROMPT;
        }
        java.util.LinkedHashSet<String> words = new java.util.LinkedHashSet<>();
        if (morph != null && morph.word() != null && !morph.word().isBlank()) {
            words.add(morph.word());
        }
        if (!sets.isEmpty()) {
            for (SubjectSpec s : sets.get(0)) {
                if (s.word() != null && !s.word().isBlank()) {
                    words.add(s.word());
                }
            }
        }
        if (words.isEmpty()) {
            return TOY_PROMPT;
        }
        return "a photo of " + dev.moa.toy.ToyWorld.enumerate(words.stream().map(w -> "a " + w).toList()) + " on a beach";
    }

    private GenerationObserver progress() {
        return quiet ? ProgressListener.NONE : new ProgressBar(log, "it");
    }

    private void runMoa(GenerationOptions o, List<List<SubjectSpec>> sets, MorphSpec morph) throws IOException {
        List<List<Subject>> subjectSets = new ArrayList<>();
        for (List<SubjectSpec> set : sets.isEmpty() ? List.of(List.<SubjectSpec>of()) : sets) {
            subjectSets.add(pipeline.subjects(set));
        }
        if (grid != null) {
            List<Row> rows = new ArrayList<>();
            if (moa.withPrior) {
                rows.add(new Row("prior", conditioning(subjectSets.get(0)).withMode(MoaMode.PRIOR), "prior"));
            }
            for (int k = 0; k < subjectSets.size(); k++) {
                List<Subject> set = subjectSets.get(k);
                List<String> words = new ArrayList<>();
                set.forEach(x -> words.add(x.word() + "=" + x.image().getFileName()));
                rows.add(new Row(set.isEmpty() ? moa.mode.cliName() : String.join(", ", words), conditioning(set),
                        subjectSets.size() > 1 ? "set" + (k + 1) : null));
            }
            seedGrid(o, rows);
            return;
        }
        GenerationResult prior = null;
        DiffusionPipeline.PriorRun priorRun = null;
        if (moa.withPrior) {
            if (moa.keepBackground) {   // computed once: shown, and anchored to by every subject set
                priorRun = pipeline.prior(o, conditioning(subjectSets.get(0)), progress());
                prior = priorRun.result();
            } else {
                prior = pipeline.generate(o, conditioning(subjectSets.get(0)).withMode(MoaMode.PRIOR), progress());
            }
            write(out.path(0, "prior"), prior, 0);
        }
        if (morph != null) {
            List<Subject> others = subjectSets.get(0);
            Subject from = pipeline.subject(new SubjectSpec(morph.word(), morph.from()));
            Subject to = pipeline.subject(new SubjectSpec(morph.word(), morph.to()));
            List<RgbImage> frames = new ArrayList<>();
            int k = 0;
            for (DiffusionPipeline.MorphFrame f : pipeline.morph(o, others, from, to, moa.frames, moa.mode, progress())) {
                String at = morph.word() + "=" + morph.from().getFileName() + "->" + morph.to().getFileName()
                        + String.format(" at %.3f", f.t());
                write(out.path(0, String.format("frame-%02d", k++)), f.result(), 0, Map.of("Morph", at));
                frames.add(Pictures.forDisplay(f.result().image(0), 128));
            }
            // --output m.png names the animation m.gif; a folder gets <stem>-morph.gif beside the frames
            Path gif = out.withExtension(out.explicitFile() ? null : "morph", "gif");
            GifWriter.write(gif, frames, Math.max(60, 2000 / moa.frames));
            System.out.println(gif);
            if (prior != null) {   // reference A | reference B | prior | every frame
                List<RgbImage> row = new ArrayList<>(List.of(Pictures.forDisplay(Images.read(morph.from()), 128),
                        Pictures.forDisplay(Images.read(morph.to()), 128), Pictures.forDisplay(prior.image(0), 128)));
                row.addAll(frames);
                String[] titles = new String[row.size()];
                titles[0] = "reference A";
                titles[1] = "reference B";
                titles[2] = "prior";
                for (int f = 3; f < titles.length; f++) {
                    titles[f] = "frame " + (f - 3);
                }
                Path sp = out.path(0, "sheet");
                new Sheet().columnTitles(titles).row(morph.word(), row).write(sp, Provenance.generated(
                        Map.of("Description", "morph of " + morph.word() + ": references | prior | frames")));
                System.out.println(sp);
            }
            return;
        }
        Sheet sheet = new Sheet();
        int index = 0;
        for (List<Subject> subjects : subjectSets) {
            RouterMapCapture maps = new RouterMapCapture();
            GenerationResult r = priorRun != null ? pipeline.generate(o, conditioning(subjects), priorRun, progress(), maps)
                    : pipeline.generate(o, conditioning(subjects), progress(), maps);
            List<RouterMaps> m = moa.routerMaps != null ? maps.maps() : List.of();
            for (int i = 0; i < r.images().size(); i++) {
                if (!m.isEmpty()) {
                    Path mp = index + i == 0 ? moa.routerMaps : Outputs.sibling(moa.routerMaps, index + i + 1);
                    System.out.println(Outputs.write(mp, Pictures.routerPicture(r.image(i), m.get(i)), Provenance.generated(Map.of("Description",
                            "MoA router map: personalized-branch weight averaged over layers and steps"))));
                }
            }
            writeAll(r, index);
            index += r.images().size();
            if (prior != null) {
                if (sheet.rows() == 0) {
                    List<String> titles = new ArrayList<>();
                    subjects.forEach(s -> titles.add("reference: " + (s.word() != null ? s.word() : s.image().getFileName())));
                    titles.add("prior (base model)");
                    titles.add("personalized (MoA)");
                    sheet.columnTitles(titles.toArray(new String[0]));
                }
                List<RgbImage> refs = new ArrayList<>();
                for (Subject s : subjects) {
                    refs.add(Images.read(s.image()));
                }
                sheet.row(String.join(", ", r.binding().words()),
                        Pictures.comparisonRow(refs, false, prior.image(0), r.image(0), null, 192));
            }
        }
        if (prior != null) {
            Path sp = out.path(0, "sheet");
            sheet.write(sp, Provenance.generated(Map.of("Description", "reference photos | prior | personalized")));
            System.out.println(sp);
        }
        if (moa.routerMaps != null && moa.mode != MoaMode.MOA) {
            log.println("note: --router-maps needs --mode moa (the router is not used in mode " + moa.mode.cliName() + ")");
        }
    }

    /** One row of a --seeds grid: a label and what conditions it. */
    private record Row(String label, Conditioning conditioning, String fileSuffix) {}

    /** --seeds: every row at every seed (one image each, written with its parameters) and one grid sheet. */
    private void seedGrid(GenerationOptions o, List<Row> rows) throws IOException {
        Sheet sheet = new Sheet();
        String[] titles = new String[grid.length];
        for (int j = 0; j < grid.length; j++) {
            titles[j] = "seed " + grid[j];
        }
        sheet.columnTitles(titles);
        for (Row row : rows) {
            List<RgbImage> cells = new ArrayList<>();
            int j = 0;
            for (GenerationResult r : pipeline.generateSeeds(o, row.conditioning(), grid, progress())) {
                r.warnings().forEach(w -> log.println("warning: " + w));
                write(out.forSeed(grid[j++], row.fileSuffix()), r, 0);
                cells.add(Pictures.forDisplay(r.image(0), 128));
            }
            sheet.row(row.label(), cells);
        }
        Path sp = out.path(0, "grid");
        sheet.write(sp, Provenance.generated(Map.of("Description", "uncurated: every seed of " + grid.length
                + ", prompt: " + o.prompt())));
        System.out.println(sp);
    }

    private Conditioning.Moa conditioning(List<Subject> subjects) {
        Conditioning.Moa c = new Conditioning.Moa(subjects, moa.mode, moa.strength).withKeepBackground(moa.keepBackground);
        Map<String, Double> per = moa.subjectStrengths();
        if (per.isEmpty()) {
            return c;
        }
        List<Double> each = new ArrayList<>();
        for (Subject s : subjects) {
            each.add(per.getOrDefault(s.word(), 1.0));
        }
        return c.withSubjectStrengths(each);
    }

    private void writeAll(GenerationResult r, int firstIndex) throws IOException {
        r.warnings().forEach(w -> log.println("warning: " + w));
        for (int i = 0; i < r.images().size(); i++) {
            write(out.path(firstIndex + i, null), r, i);
        }
    }

    private void write(Path path, GenerationResult r, int i) throws IOException {
        write(path, r, i, Map.of());
    }

    private void write(Path path, GenerationResult r, int i, Map<String, String> extra) throws IOException {
        System.out.println(Outputs.write(path, r.image(i), Infotext.forImage(r, i, sd, pipeline.moaName(), extra)));
    }
}
