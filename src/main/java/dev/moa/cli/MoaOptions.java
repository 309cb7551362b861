package dev.moa.cli;

import dev.moa.image.Images;
import dev.moa.moa.MoaMode;
import dev.moa.moa.MorphSpec;
import dev.moa.moa.SubjectPrompt;
import dev.moa.moa.SubjectSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** Personalized generation: the MoA checkpoint, the subjects and what to make with them. */
final class MoaOptions {
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

    @Option(names = "--mode", defaultValue = "moa", converter = Converters.MoaModeConverter.class,
            description = "moa, prior (the base model) or personal (default ${DEFAULT-VALUE})")
    MoaMode mode;

    @Option(names = "--strength", defaultValue = "1",
            description = "subject strength: scale of the personalized branch, 0 = the prior, 1 = MoA (default ${DEFAULT-VALUE})")
    double strength;

    @Option(names = "--subject-strength", paramLabel = "WORD=S",
            description = "one subject's strength in [0, 1]: how much of its photo enters its word (0 = the plain word in "
                    + "the personalized branch, 1 = MoA); repeatable, default 1 each")
    List<String> subjectStrengthArgs = new ArrayList<>();

    @Option(names = "--with-prior", description = "also write the prior image of the same seed and a side-by-side sheet")
    boolean withPrior;

    @Option(names = "--keep-background", description = "keep the prior's background exactly: after every step, where the "
            + "router did not personalize, the latents are set to the prior's of the same seed (runs the prior too)")
    boolean keepBackground;

    @Option(names = "--router-maps", paramLabel = "FILE", description = "write a picture of where the model personalized")
    Path routerMaps;

    @Option(names = "--morph", paramLabel = "WORD=A,B", description = "interpolate one subject between two photos")
    String morph;

    @Option(names = "--frames", defaultValue = "8", description = "morph frames (default ${DEFAULT-VALUE})")
    int frames;

    /** Without --moa, subjects on the default model (the toy world) use the toy world's MoA. */
    void defaultMoa(ModelOptions model) {
        if (!subjectArgs.isEmpty() || !subjectSets.isEmpty() || morph != null) {
            moaDir = model.moaOrDefault(moaDir);
        }
    }

    /** --subject-strength as word -> strength, each checked. */
    Map<String, Double> subjectStrengths() {
        Map<String, Double> out = new java.util.LinkedHashMap<>();
        for (String a : subjectStrengthArgs) {
            int eq = a.lastIndexOf('=');
            if (eq <= 0 || eq == a.length() - 1) {
                throw new IllegalArgumentException("--subject-strength expects WORD=S, got '" + a + "'");
            }
            String w = a.substring(0, eq);
            double v;
            try {
                v = Double.parseDouble(a.substring(eq + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--subject-strength " + a + ": '" + a.substring(eq + 1)
                        + "' is not a number");
            }
            if (!(v >= 0 && v <= 1)) {
                throw new IllegalArgumentException("--subject-strength " + a + ": must be between 0 and 1");
            }
            if (out.put(w, v) != null) {
                throw new IllegalArgumentException("--subject-strength given twice for '" + w + "'");
            }
        }
        return out;
    }

    /** Whether any MoA flag was given. */
    boolean anyGiven() {
        return moaDir != null || !subjectArgs.isEmpty() || !subjectSets.isEmpty() || withPrior || routerMaps != null
                || morph != null || mode != MoaMode.MOA || imageEncoder != null || strength != 1
                || !subjectStrengthArgs.isEmpty() || keepBackground;
    }

    /**
     * The subject sets (one for --subject, one per --subjects), checked against each other and readable as images.
     *
     * @throws IllegalArgumentException for a usage error, naming the flag
     */
    List<List<SubjectSpec>> sets() throws IOException {
        if (!subjectArgs.isEmpty() && !subjectSets.isEmpty()) {
            throw new IllegalArgumentException("use either --subject (one set) or --subjects (several sets), not both");
        }
        List<List<SubjectSpec>> sets = new ArrayList<>();
        if (!subjectArgs.isEmpty()) {
            List<SubjectSpec> set = new ArrayList<>();
            for (String a : subjectArgs) {
                set.add(SubjectSpec.parse(a, "--subject"));
            }
            sets.add(set);
        }
        for (String s : subjectSets) {
            List<SubjectSpec> set = new ArrayList<>();
            for (String a : s.split(",")) {
                set.add(SubjectSpec.parse(a.trim(), "--subjects"));
            }
            sets.add(set);
        }
        for (List<SubjectSpec> set : sets) {
            if (set.size() > SubjectPrompt.MAX_SUBJECTS) {
                throw new IllegalArgumentException(set.size() + " subjects in one set; at most "
                        + SubjectPrompt.MAX_SUBJECTS + " are supported");
            }
            for (SubjectSpec s : set) {
                Images.read(s.image());   // readable image? (errors name the file)
            }
        }
        return sets;
    }

    /** The morph, or null. */
    MorphSpec morphSpec() throws IOException {
        if (morph == null) {
            return null;
        }
        MorphSpec m = MorphSpec.parse(morph, "--morph");
        Images.read(m.from());
        Images.read(m.to());
        if (frames < 2 || frames > 120) {
            throw new IllegalArgumentException("--frames must be between 2 and 120, got " + frames);
        }
        return m;
    }

    /** Flags that need --moa, and combinations that do not go together. */
    void check(List<List<SubjectSpec>> sets, MorphSpec morphSpec, boolean batchedLatents) throws IOException {
        if (moaDir == null && anyGiven()) {
            throw new IllegalArgumentException("--subject, --subjects, --mode, --strength, --subject-strength,"
                    + " --with-prior, --keep-background, --router-maps, --morph and --image-encoder need --moa DIR");
        }
        if (moaDir != null && !Files.isDirectory(moaDir)) {
            throw new NoSuchFileException(moaDir.toString(), null, "MoA checkpoint folder not found");
        }
        if (!(strength >= 0 && strength <= 1)) {
            throw new IllegalArgumentException("--strength must be between 0 and 1, got " + strength);
        }
        Map<String, Double> per = subjectStrengths();
        if (!per.isEmpty() && morphSpec != null) {
            throw new IllegalArgumentException("--subject-strength does not apply to --morph (the morph blends the photos)");
        }
        for (List<SubjectSpec> set : sets) {
            java.util.Set<String> words = new java.util.HashSet<>();
            set.forEach(spec -> words.add(spec.word()));
            for (String w : per.keySet()) {
                if (!words.contains(w)) {
                    throw new IllegalArgumentException("--subject-strength " + w + "=...: no --subject for the word '" + w
                            + "'");
                }
            }
        }
        if (keepBackground && mode != MoaMode.MOA) {
            throw new IllegalArgumentException("--keep-background needs --mode moa (it follows the router), not --mode "
                    + mode.cliName());
        }
        if (keepBackground && morphSpec != null) {
            throw new IllegalArgumentException("--keep-background does not apply to --morph");
        }
        if (morphSpec != null && sets.size() > 1) {
            throw new IllegalArgumentException("--morph takes at most one --subject set for the other subjects");
        }
        if (sets.size() > 1 && batchedLatents) {
            throw new IllegalArgumentException("--subjects sets with a batched --latents file are not supported");
        }
    }
}
