package dev.moa.cli;

import dev.moa.image.Images;
import dev.moa.image.Pictures;
import dev.moa.image.RgbImage;
import dev.moa.image.Sheet;
import dev.moa.moa.Subject;
import dev.moa.moa.SubjectSpec;
import dev.moa.pipeline.DiffusionPipeline;
import dev.moa.pipeline.GenerationOptions;
import dev.moa.pipeline.Infotext;
import dev.moa.pipeline.ProgressListener;
import dev.moa.pipeline.StableDiffusion;
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

/** {@code moa swap}: puts new subjects into a real photo (DDIM inversion with the prior, then MoA). */
@Command(name = "swap", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Real-image subject swap: DDIM-invert --image with the prior (no guidance), then sample it back",
                "with MoA and the new --subject photos. Writes the result and a sheet: input | reconstruction | swapped."})
final class SwapCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    ModelOptions model;
    @Option(names = "--moa", paramLabel = "DIR", description = "MoA checkpoint folder (default with the default model:"
            + " the toy world's, models/toy-world-moa)")
    Path moaDir;
    @Option(names = "--image-encoder", paramLabel = "DIR", description = "image encoder (default: the model's image_encoder/)")
    Path imageEncoder;
    @Option(names = "--image", required = true, paramLabel = "FILE", description = "the photo to swap subjects in")
    Path image;
    @Option(names = {"-p", "--prompt"}, required = true, description = "a prompt describing the photo, naming the subjects")
    String prompt;
    @Option(names = "--subject", required = true, paramLabel = "WORD=IMAGE", description = "the new subject for a word (repeatable)")
    List<String> subjects = new ArrayList<>();
    @Option(names = "--steps", defaultValue = "50", description = "DDIM steps of inversion and sampling (default ${DEFAULT-VALUE})")
    int steps;
    @Option(names = {"--guidance", "--cfg"}, defaultValue = "2", description = "guidance of the swap pass; the"
            + " reconstruction samples back without guidance, as the inversion ran (default ${DEFAULT-VALUE}: on the toy"
            + " world 2 takes the new subject's colours better than 1 at the same fidelity outside a mask)")
    double guidance;
    @Option(names = "--depth", defaultValue = "1", description = "share of the schedule inverted, (0, 1] (default ${DEFAULT-VALUE})")
    double depth;
    @Option(names = "--mask", paramLabel = "FILE", description = "where to swap: white = swap, black = keep the "
            + "prior's reconstruction of the photo (any size; scaled to the photo)")
    Path mask;
    @Option(names = {"-o", "--output"}, paramLabel = "PATH", description = "output .png file or folder (default: outputs/)")
    Path output;
    @Mixin
    ThreadsOption threads;
    @Option(names = {"-q", "--quiet"}, description = "no progress output")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        PrintStream log = quiet ? new PrintStream(OutputStream.nullOutputStream()) : System.err;
        threads.apply();
        RgbImage photo = Images.read(image);
        RgbImage maskImage = mask == null ? null : Images.read(mask);
        List<SubjectSpec> specs = new ArrayList<>();
        GenerationOptions o;
        Outputs out;
        try {
            moaDir = model.moaOrDefault(moaDir);
            if (moaDir == null) {
                throw new IllegalArgumentException("--moa is needed with --model (the toy world's MoA only fits the"
                        + " toy world)");
            }
            for (String s : subjects) {
                SubjectSpec spec = SubjectSpec.parse(s, "--subject");
                Images.read(spec.image());
                specs.add(spec);
            }
            if (!(depth > 0 && depth <= 1)) {
                throw new IllegalArgumentException("--depth must be in (0, 1], got " + depth);
            }
            o = GenerationOptions.of(prompt).withSteps(steps).withGuidance(guidance).withSeed(0);
            out = Outputs.of(output, 0);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        try (StableDiffusion sd = model.load(log);
                DiffusionPipeline p = DiffusionPipeline.loadMoa(sd, moaDir, imageEncoder)) {
            List<Subject> subj = p.subjects(specs);
            ProgressListener progress = quiet ? ProgressListener.NONE : new ProgressBar(log, "it");
            DiffusionPipeline.SwapResult r = p.swap(photo, o, subj, depth, maskImage, progress);
            Map<String, String> extra = new java.util.LinkedHashMap<>();
            extra.put("Swap input", image.getFileName().toString());
            extra.put("Swap depth", depth == Math.rint(depth) ? Long.toString((long) depth) : Double.toString(depth));
            if (mask != null) {
                extra.put("Swap mask", mask.getFileName().toString());
            }
            System.out.println(Outputs.write(out.path(0, null), r.swapped().image(0),
                    Infotext.forImage(r.swapped(), 0, sd, p.moaName(), extra)));
            List<RgbImage> refs = new ArrayList<>();
            for (SubjectSpec s : specs) {
                refs.add(Pictures.forDisplay(Pictures.toHeight(Images.read(s.image()), r.input().height()), 192));
            }
            List<String> titles = new ArrayList<>(List.of("input", "reconstruction (prior)", "swapped (MoA)", "new subject(s)"));
            List<RgbImage> cells = new ArrayList<>(List.of(Pictures.forDisplay(r.input(), 192),
                    Pictures.forDisplay(r.reconstruction().image(0), 192), Pictures.forDisplay(r.swapped().image(0), 192),
                    Pictures.sideBySide(refs, 192)));
            if (maskImage != null) {
                titles.add(1, "mask (white = swap)");
                cells.add(1, Pictures.forDisplay(Pictures.toHeight(maskImage, r.input().height()), 192));
            }
            Sheet sheet = new Sheet().columnTitles(titles.toArray(new String[0]));
            sheet.row(prompt, cells);
            Path sp = out.path(0, "sheet");
            sheet.write(sp, dev.moa.image.Provenance.generated(Map.of("Description", "input | reconstruction | swapped")));
            System.out.println(sp);
        }
        return 0;
    }
}
