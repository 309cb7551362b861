package dev.moa.cli;

import ai.djl.pytorch.jni.JniUtils;
import com.google.gson.JsonObject;
import dev.moa.image.GifWriter;
import dev.moa.image.Images;
import dev.moa.image.RgbImage;
import dev.moa.image.Sheet;
import dev.moa.io.Json;
import dev.moa.io.SafetensorsFile;
import dev.moa.io.TensorInfo;
import dev.moa.models.SingleFileCheckpoint;
import dev.moa.models.VaeTiling;
import dev.moa.tensor.Precision;
import dev.moa.moa.MoaMode;
import dev.moa.moa.RouterMaps;
import dev.moa.moa.Subject;
import dev.moa.moa.SubjectPrompt;
import dev.moa.pipeline.Cancellation;
import dev.moa.pipeline.GenerationOptions;
import dev.moa.pipeline.GenerationResult;
import dev.moa.pipeline.MoaPipeline;
import dev.moa.pipeline.MoaResult;
import dev.moa.pipeline.StableDiffusion;
import dev.moa.pipeline.Text2Image;
import dev.moa.schedulers.Schedulers;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code moa generate}: text-to-image, and personalized generation with {@code --moa}. */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Generate images from a prompt; with --moa and --subject, personalized with the subjects' photos.",
                "Without --model the bundled tiny model is used (random weights: it exercises the whole pipeline"
                        + " in seconds, the pictures are noise)."})
final class GenerateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "DIR|FILE",
            description = "diffusers model folder (model_index.json) or single-file .safetensors checkpoint")
    Path model;

    @Option(names = {"-p", "--prompt"}, description = "the prompt (default: a sample prompt)")
    String prompt;

    @Option(names = {"-n", "--negative-prompt"}, defaultValue = "", description = "negative prompt")
    String negativePrompt;

    @Option(names = "--steps", defaultValue = "25", description = "sampling steps (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = {"--guidance", "--cfg"}, defaultValue = "7.5",
            description = "classifier-free guidance scale; <= 1 turns guidance off (default ${DEFAULT-VALUE})")
    double guidance;

    @Option(names = "--scheduler", description = "ddim, pndm, euler, euler-a, dpm++2m, dpm++2m-karras, lms, unipc, heun"
            + " (or A1111 names such as \"Euler a\"); default: the model's own")
    String scheduler;

    @Option(names = "--scheduler-config", paramLabel = "FILE", description = "a scheduler_config.json to use instead of the model's")
    Path schedulerConfig;

    @Option(names = "--seed", defaultValue = "-1", description = "seed; -1 picks one and prints it (image i of a batch uses seed+i)")
    long seed;

    @Option(names = "--width", description = "width in pixels, a multiple of 8 (default: the model's size)")
    int width;

    @Option(names = "--height", description = "height in pixels, a multiple of 8 (default: the model's size)")
    int height;

    @Option(names = "--batch", defaultValue = "1", description = "images per prompt (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--clip-skip", defaultValue = "1",
            description = "CLIP layers to skip, A1111 numbering: 1 = none, 2 = penultimate layer (default ${DEFAULT-VALUE})")
    int clipSkip;

    @Option(names = "--eta", defaultValue = "0", description = "DDIM eta (DDIM only)")
    double eta;

    @Option(names = "--latents", paramLabel = "FILE",
            description = "initial latents: a .safetensors with a tensor 'latents' (or one tensor) of shape (batch, 4, h/8, w/8)")
    Path latentsFile;

    @Option(names = {"-o", "--output"}, paramLabel = "PATH", description = "output .png file or folder (default: outputs/)")
    Path output;

    @Option(names = "--norm-groups", description = "single-file checkpoints: group-norm groups (default 32)")
    Integer normGroups;

    @Option(names = "--text-heads", description = "single-file checkpoints: text encoder heads (default hidden/64)")
    Integer textHeads;

    @Option(names = "--moa", paramLabel = "DIR", description = "MoA checkpoint folder (moa_config.json + moa.safetensors)")
    Path moaDir;

    @Option(names = "--image-encoder", paramLabel = "DIR",
            description = "CLIP image encoder folder (default: the model folder's image_encoder/)")
    Path imageEncoder;

    @Option(names = "--subject", paramLabel = "WORD=IMAGE",
            description = "a subject: the word in the prompt and its reference photo (repeat for up to 4; with <|image|>"
                    + " markers in the prompt, WORD may be left out: =IMAGE or just IMAGE)")
    List<String> subjectArgs = new ArrayList<>();

    @Option(names = "--subjects", paramLabel = "WORD=IMAGE[,WORD=IMAGE...]",
            description = "one subject set; repeat to swap subjects at the same seed (one image per set)")
    List<String> subjectSets = new ArrayList<>();

    @Option(names = "--mode", defaultValue = "moa", description = "moa, prior (the base model) or personal (default ${DEFAULT-VALUE})")
    String mode;

    @Option(names = "--with-prior", description = "also write the prior image of the same seed and a side-by-side sheet")
    boolean withPrior;

    @Option(names = "--router-maps", paramLabel = "FILE", description = "write a picture of where the model personalized")
    Path routerMaps;

    @Option(names = "--morph", paramLabel = "WORD=A,B", description = "interpolate one subject between two photos")
    String morph;

    @Option(names = "--frames", defaultValue = "8", description = "morph frames (default ${DEFAULT-VALUE})")
    int frames;

    @Option(names = "--threads", description = "CPU threads for libtorch (default: all cores)")
    Integer threads;

    @Option(names = "--precision", defaultValue = "fp32",
            description = "weights and compute of the UNet and VAE: fp32, bf16 (about 2x faster on CPUs with bf16"
                    + " instructions) or fp16 (VAE stays fp32) (default ${DEFAULT-VALUE})")
    String precision;

    @Option(names = "--vae-tiling", defaultValue = "auto",
            description = "decode the image in overlapping 512 px tiles: auto (when the image is larger than a tile), on"
                    + " or off (default ${DEFAULT-VALUE})")
    String vaeTiling;

    @Option(names = {"-q", "--quiet"}, description = "no progress output")
    boolean quiet;

    private PrintStream log;

    static final String SAMPLE_PROMPT = "a photo of an astronaut riding a horse on the moon";
    static final String SAMPLE_MOA_PROMPT = "a man and a woman talking in a cafe";

    @Override
    public Integer call() throws Exception {
        log = quiet ? new PrintStream(java.io.OutputStream.nullOutputStream()) : System.err;
        if (threads != null) {
            if (threads < 1) {
                throw new ParameterException(spec.commandLine(), "--threads must be >= 1");
            }
            JniUtils.setNumThreads(threads);
        }
        Precision prec;
        VaeTiling tiling;
        try {
            prec = Precision.parse(precision);
            tiling = VaeTiling.parse(vaeTiling);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        MoaMode moaMode = MoaMode.parse(mode);
        List<List<String[]>> sets = subjectSetsFromFlags();
        String[] morphPair = parseMorph();
        checkFlags(sets, morphPair);
        if (scheduler != null) {
            Schedulers.cliName(scheduler);   // unknown names fail before loading anything
        }
        if (clipSkip < 1) {
            throw new ParameterException(spec.commandLine(), "--clip-skip counts from 1 (1 = no skip), got " + clipSkip);
        }
        Path modelPath = model != null ? model : Defaults.tinyModel();
        String text = prompt != null ? prompt : (moaDir != null ? SAMPLE_MOA_PROMPT : SAMPLE_PROMPT);

        // read everything the user pointed at before the (slow) model load, so mistakes fail fast
        JsonObject schedCfg = schedulerConfig != null ? Json.read(schedulerConfig) : null;
        float[] latents = null;
        long[] latentShape = null;
        if (latentsFile != null) {
            try (SafetensorsFile f = SafetensorsFile.open(latentsFile)) {
                String key = f.info("latents") != null ? "latents" : f.keys().size() == 1 ? f.keys().iterator().next() : null;
                if (key == null) {
                    throw new IOException(latentsFile + ": no tensor named 'latents' and " + f.keys().size()
                            + " tensors to choose from " + f.keys());
                }
                TensorInfo info = f.info(key);
                latentShape = info.shape();
                if (latentShape.length != 4) {
                    throw new IOException(latentsFile + ": tensor '" + key + "' has shape " + Arrays.toString(latentShape)
                            + ", expected (batch, channels, height/8, width/8)");
                }
                latents = f.floats(key);
            }
        }
        for (List<String[]> set : sets) {
            for (String[] s : set) {
                Images.read(Path.of(s[1]));   // readable image? (errors name the file)
            }
        }
        if (morphPair != null) {
            Images.read(Path.of(morphPair[1]));
            Images.read(Path.of(morphPair[2]));
        }

        log.println("loading " + modelPath);
        long t0 = System.nanoTime();
        SingleFileCheckpoint.Overrides ov = SingleFileCheckpoint.Overrides.none();
        if (normGroups != null) {
            ov = ov.withNormGroups(normGroups);
        }
        if (textHeads != null) {
            ov = ov.withTextHeads(textHeads);
        }
        try (StableDiffusion sd = StableDiffusion.load(modelPath, ov, prec, c -> log.println("  " + c))) {
            sd.setVaeTiling(tiling);
            int f = sd.vaeScaleFactor();
            int w = width;
            int h = height;
            int b = batch;
            if (latentShape != null) {
                int lc = sd.unet().config().inChannels();
                if (latentShape[1] != lc) {
                    throw new IOException(latentsFile + ": latents have " + latentShape[1] + " channels, the model needs " + lc);
                }
                if (w == 0 && h == 0) {
                    h = (int) latentShape[2] * f;
                    w = (int) latentShape[3] * f;
                }
                if (b == 1) {
                    b = (int) latentShape[0];
                }
                int ww = w > 0 ? w : sd.defaultSize();
                int hh = h > 0 ? h : sd.defaultSize();
                long[] need = {b, lc, hh / f, ww / f};
                if (!Arrays.equals(need, latentShape)) {
                    throw new IOException(latentsFile + ": latents of shape " + Arrays.toString(latentShape) + " do not fit "
                            + ww + "x" + hh + ", batch " + b + " (that needs " + Arrays.toString(need) + ")");
                }
            }
            log.printf("loaded in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            GenerationOptions.Builder ob = GenerationOptions.builder().setPrompt(text).optNegativePrompt(negativePrompt)
                    .optSteps(steps).optGuidance(guidance).optScheduler(scheduler).optSeed(seed).optSize(w, h)
                    .optBatch(b).optClipSkip(clipSkip - 1).optEta(eta).optLatents(latents)
                    .optSchedulerConfig(schedCfg);
            if (seed < 0) {
                long s = dev.moa.pipeline.Text2Image.Plan.randomSeed();
                ob.optSeed(s);
                log.println("seed " + s);
            }
            GenerationOptions o = ob.build();
            if (moaDir == null) {
                runPlain(sd, o);
            } else {
                runMoa(sd, o, moaMode, sets, morphPair);
            }
        }
        return 0;
    }

    private void runPlain(StableDiffusion sd, GenerationOptions o) throws IOException {
        ProgressBar bar = new ProgressBar(log, "it");
        GenerationResult r = new Text2Image(sd).generate(o, quiet ? dev.moa.pipeline.ProgressListener.NONE : bar,
                Cancellation.NEVER);
        r.warnings().forEach(wn -> log.println("warning: " + wn));
        Outputs out = Outputs.of(output, r.seeds()[0]);
        for (int i = 0; i < r.images().size(); i++) {
            RgbImage img = RgbImage.fromFloatHwc(r.images().get(i), r.height(), r.width());
            Map<String, String> meta = metadata(o, r, i, sd, Map.of());
            System.out.println(Outputs.write(out.path(i, null), img, meta));
        }
    }

    private Map<String, String> metadata(GenerationOptions o, GenerationResult r, int i, StableDiffusion sd,
            Map<String, String> extra) {
        Map<String, String> meta = new LinkedHashMap<>();
        if (sd.precision() != Precision.FP32) {
            Map<String, String> e = new LinkedHashMap<>(extra);
            e.put("Precision", sd.precision().name().toLowerCase(java.util.Locale.ROOT));
            extra = e;
        }
        meta.put("parameters", Infotext.parameters(o, r.schedulerName(), r.seeds()[i], r.width(), r.height(), sd.name(), extra));
        meta.put("Software", "moa-java");
        return meta;
    }

    // ------------------------------------------------------------------------------------------ MoA

    private void runMoa(StableDiffusion sd, GenerationOptions o, MoaMode moaMode, List<List<String[]>> sets,
            String[] morphPair) throws IOException {
        Path enc = imageEncoder;
        if (enc == null) {
            Path own = sd.source().resolve("image_encoder");
            String recorded = dev.moa.moa.MoaConfig.read(moaDir.resolve(dev.moa.moa.MoaAdapter.CONFIG_FILE)).imageEncoder;
            if (Files.isDirectory(sd.source()) && Files.isDirectory(own)) {
                enc = own;
            } else if (recorded != null && Files.isDirectory(Path.of(recorded))) {
                enc = Path.of(recorded);   // the encoder the checkpoint was trained with
            } else {
                throw new ParameterException(spec.commandLine(), "--image-encoder DIR is needed (the model has no"
                        + " image_encoder/ folder and the MoA checkpoint names none that exists here)");
            }
        }
        log.println("loading MoA " + moaDir + " and image encoder " + enc);
        try (MoaPipeline moa = MoaPipeline.load(sd, moaDir, enc)) {
            ProgressBar bar = new ProgressBar(log, "it");
            dev.moa.pipeline.ProgressListener progress = quiet ? dev.moa.pipeline.ProgressListener.NONE : bar;
            Outputs out = Outputs.of(output, o.seed());
            boolean wantMaps = routerMaps != null;
            List<RgbImage> firstImages = new ArrayList<>();
            // prior image of the same seed (independent of the subjects)
            RgbImage prior = null;
            if (withPrior) {
                List<Subject> any = sets.isEmpty() ? List.of() : subjects(moa, sets.get(0));
                MoaResult pr = moa.generate(o, any, MoaMode.PRIOR, false, progress, Cancellation.NEVER);
                GenerationResult g = pr.generation();
                prior = RgbImage.fromFloatHwc(g.images().get(0), g.height(), g.width());
                System.out.println(Outputs.write(out.path(0, "prior"), prior,
                        metadata(o, g, 0, sd, moaExtra(MoaMode.PRIOR, List.of()))));
            }
            if (morphPair != null) {
                runMorph(moa, sd, o, moaMode, sets.isEmpty() ? List.of() : sets.get(0), morphPair, out, progress);
                return;
            }
            Sheet sheet = new Sheet();
            int index = 0;
            for (int si = 0; si < Math.max(1, sets.size()); si++) {
                List<String[]> set = sets.isEmpty() ? List.of() : sets.get(si);
                List<Subject> subj = subjects(moa, set);
                MoaResult res = moa.generate(o, subj, moaMode, wantMaps && moaMode == MoaMode.MOA, progress,
                        Cancellation.NEVER);
                GenerationResult g = res.generation();
                g.warnings().forEach(wn -> log.println("warning: " + wn));
                for (int i = 0; i < g.images().size(); i++) {
                    RgbImage img = RgbImage.fromFloatHwc(g.images().get(i), g.height(), g.width());
                    Path p = Outputs.write(out.path(index, null), img, metadata(o, g, i, sd, moaExtra(moaMode, subj)));
                    System.out.println(p);
                    if (i == 0) {
                        firstImages.add(img);
                    }
                    if (wantMaps && !res.routerMaps().isEmpty()) {
                        Path mp = index == 0 ? routerMaps : sibling(routerMaps, index + 1);
                        Outputs.write(mp, Pictures.routerPicture(img, res.routerMaps().get(i)),
                                Map.of("Description", "MoA router map: personalized-branch weight averaged over layers and steps"));
                        System.out.println(mp);
                    }
                    index++;
                }
                if (withPrior) {
                    if (si == 0) {
                        List<String> titles = new ArrayList<>();
                        for (Subject s : subj) {
                            titles.add("reference: " + (s.word() != null ? s.word() : s.image().getFileName()));
                        }
                        titles.add("prior (base model)");
                        titles.add("personalized (MoA)");
                        sheet.columnTitles(titles.toArray(new String[0]));
                    }
                    List<RgbImage> row = new ArrayList<>();
                    for (Subject s : subj) {
                        row.add(Pictures.forDisplay(Pictures.toHeight(Images.read(s.image()), g.height()), 192));
                    }
                    row.add(Pictures.forDisplay(prior, 192));
                    row.add(Pictures.forDisplay(firstImages.get(si), 192));
                    sheet.row(String.join(", ", res.binding().words()), row);
                }
            }
            if (withPrior) {
                Path sp = out.path(0, "sheet");
                sheet.write(sp, Map.of("Description", "reference photos | prior | personalized"));
                System.out.println(sp);
            }
            if (wantMaps && moaMode != MoaMode.MOA) {
                log.println("note: --router-maps needs --mode moa (the router is not used in mode " + moaMode.cliName() + ")");
            }
        }
    }

    private void runMorph(MoaPipeline moa, StableDiffusion sd, GenerationOptions o, MoaMode moaMode, List<String[]> fixed,
            String[] pair, Outputs out, dev.moa.pipeline.ProgressListener progress) throws IOException {
        if (frames < 2 || frames > 120) {
            throw new ParameterException(spec.commandLine(), "--frames must be between 2 and 120, got " + frames);
        }
        List<Subject> base = subjects(moa, fixed);
        List<float[]> ab = moa.embed(List.of(Path.of(pair[1]), Path.of(pair[2])));
        List<RgbImage> gif = new ArrayList<>();
        GenerationOptions one = o.toBuilder().optBatch(1).build();
        for (int k = 0; k < frames; k++) {
            float a = k / (float) (frames - 1);
            float[] e = new float[ab.get(0).length];
            for (int i = 0; i < e.length; i++) {
                e[i] = (1 - a) * ab.get(0)[i] + a * ab.get(1)[i];
            }
            List<Subject> subj = new ArrayList<>(base);
            subj.add(new Subject(pair[0], null, e));
            MoaResult res = moa.generate(one, subj, moaMode, false, progress, Cancellation.NEVER);
            GenerationResult g = res.generation();
            RgbImage img = RgbImage.fromFloatHwc(g.images().get(0), g.height(), g.width());
            Map<String, String> extra = new LinkedHashMap<>(moaExtra(moaMode, base));
            extra.put("Morph", pair[0] + "=" + Path.of(pair[1]).getFileName() + "->" + Path.of(pair[2]).getFileName()
                    + " at " + String.format("%.3f", a));
            System.out.println(Outputs.write(out.path(0, String.format("frame-%02d", k)), img, metadata(one, g, 0, sd, extra)));
            gif.add(Pictures.forDisplay(img, 128));
        }
        Path gp = out.withExtension("morph", "gif");
        GifWriter.write(gp, gif, Math.max(60, 2000 / frames));
        System.out.println(gp);
    }

    private static Path sibling(Path p, int n) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        return p.resolveSibling(stem + "-" + n + ".png");
    }

    private List<Subject> subjects(MoaPipeline moa, List<String[]> set) throws IOException {
        List<String> words = new ArrayList<>();
        List<Path> images = new ArrayList<>();
        for (String[] s : set) {
            words.add(s[0]);
            images.add(Path.of(s[1]));
        }
        boolean anonymous = words.stream().allMatch(x -> x == null);
        List<Subject> out = moa.subjects(anonymous ? List.of() : words, images);
        return out;
    }

    private Map<String, String> moaExtra(MoaMode m, List<Subject> subj) throws IOException {
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("MoA", moaDir.getFileName().toString());
        extra.put("MoA mode", m.cliName());
        List<String> parts = new ArrayList<>();
        for (Subject s : subj) {
            if (s.image() != null) {
                parts.add((s.word() != null ? s.word() + "=" : "") + s.image().getFileName() + " ("
                        + Infotext.shortHash(s.image()) + ")");
            }
        }
        if (!parts.isEmpty()) {
            extra.put("Subjects", String.join("; ", parts));
        }
        return extra;
    }

    // ------------------------------------------------------------------------------------------ flags

    /** [word or null, image path] per subject, one list per set. */
    private List<List<String[]>> subjectSetsFromFlags() {
        List<List<String[]>> sets = new ArrayList<>();
        if (!subjectArgs.isEmpty() && !subjectSets.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "use either --subject (one set) or --subjects (several sets), not both");
        }
        if (!subjectArgs.isEmpty()) {
            List<String[]> set = new ArrayList<>();
            for (String a : subjectArgs) {
                set.add(parseSubject(a, "--subject"));
            }
            sets.add(set);
        }
        for (String s : subjectSets) {
            List<String[]> set = new ArrayList<>();
            for (String a : s.split(",")) {
                set.add(parseSubject(a.trim(), "--subjects"));
            }
            sets.add(set);
        }
        for (List<String[]> set : sets) {
            if (set.size() > SubjectPrompt.MAX_SUBJECTS) {
                throw new ParameterException(spec.commandLine(), set.size() + " subjects in one set; at most "
                        + SubjectPrompt.MAX_SUBJECTS + " are supported");
            }
        }
        return sets;
    }

    private String[] parseSubject(String a, String flag) {
        int eq = a.indexOf('=');
        String word = eq > 0 ? a.substring(0, eq).trim() : null;
        String file = eq >= 0 ? a.substring(eq + 1).trim() : a.trim();
        if (file.isEmpty()) {
            throw new ParameterException(spec.commandLine(), flag + " '" + a + "': expected WORD=IMAGE");
        }
        if (!Files.exists(Path.of(file))) {
            throw new ParameterException(spec.commandLine(), flag + " '" + a + "': image file not found: " + file);
        }
        return new String[] {word, file};
    }

    private String[] parseMorph() {
        if (morph == null) {
            return null;
        }
        int eq = morph.indexOf('=');
        String[] ab = eq > 0 ? morph.substring(eq + 1).split(",") : new String[0];
        if (eq <= 0 || ab.length != 2) {
            throw new ParameterException(spec.commandLine(), "--morph '" + morph + "': expected WORD=A.jpg,B.jpg");
        }
        for (String f : ab) {
            if (!Files.exists(Path.of(f.trim()))) {
                throw new ParameterException(spec.commandLine(), "--morph: image file not found: " + f.trim());
            }
        }
        return new String[] {morph.substring(0, eq).trim(), ab[0].trim(), ab[1].trim()};
    }

    private void checkFlags(List<List<String[]>> sets, String[] morphPair) throws NoSuchFileException {
        boolean moaFeature = !sets.isEmpty() || withPrior || routerMaps != null || morphPair != null
                || !mode.equalsIgnoreCase("moa") || imageEncoder != null;
        if (moaDir == null && moaFeature) {
            throw new ParameterException(spec.commandLine(),
                    "--subject, --subjects, --mode, --with-prior, --router-maps, --morph and --image-encoder need --moa DIR");
        }
        if (moaDir != null && !Files.isDirectory(moaDir)) {
            throw new NoSuchFileException(moaDir.toString(), null, "MoA checkpoint folder not found");
        }
        if (morphPair != null && sets.size() > 1) {
            throw new ParameterException(spec.commandLine(), "--morph takes at most one --subject set for the other subjects");
        }
        if (sets.size() > 1 && (latentsFile != null && batch > 1)) {
            throw new ParameterException(spec.commandLine(), "--subjects sets with a batched --latents file are not supported");
        }
    }
}
