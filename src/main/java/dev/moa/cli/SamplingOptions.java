package dev.moa.cli;

import dev.moa.io.Json;
import dev.moa.pipeline.GenerationOptions;
import dev.moa.pipeline.Latents;
import dev.moa.schedulers.Schedulers;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Prompt, sampling and size options; {@link #build} turns them into {@link GenerationOptions}. */
final class SamplingOptions {
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

    @Option(names = "--init-image", paramLabel = "FILE", description = "image-to-image: start from this picture")
    Path initImage;

    @Option(names = "--seeds", paramLabel = "A-B|A,B,..",
            description = "one image per seed (e.g. 0-7) and a grid sheet of them all, uncurated; with --with-prior a"
                    + " prior row above the MoA row(s)")
    String seeds;

    /** The seeds of --seeds (null without it), checked: at most 64, not with --seed, --batch, --latents. */
    long[] seedList() {
        if (seeds == null) {
            return null;
        }
        List<Long> out = new ArrayList<>();
        try {
            for (String part : seeds.split(",")) {
                String t = part.trim();
                int dash = t.indexOf('-', 1);
                if (dash > 0) {
                    long a = Long.parseLong(t.substring(0, dash).trim()), b = Long.parseLong(t.substring(dash + 1).trim());
                    if (b < a || b - a >= MAX_SEEDS) {
                        throw new IllegalArgumentException("--seeds " + seeds + ": range " + t + " must go upwards and hold"
                                + " at most " + MAX_SEEDS + " seeds");
                    }
                    for (long v = a; v <= b; v++) {
                        out.add(v);
                    }
                } else {
                    out.add(Long.parseLong(t));
                }
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--seeds " + seeds + ": expected seeds like 0-7 or 1,5,9");
        }
        if (out.size() > MAX_SEEDS || out.stream().anyMatch(v -> v < 0)) {
            throw new IllegalArgumentException("--seeds " + seeds + ": at most " + MAX_SEEDS + " seeds, none negative");
        }
        if (seed >= 0 || batch != 1 || latentsFile != null) {
            throw new IllegalArgumentException("--seeds does not go with --seed, --batch or --latents");
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    static final int MAX_SEEDS = 64;

    @Option(names = "--denoise",
            description = "image-to-image denoising strength: 0 keeps the picture, 1 redraws it (default 0.75)")
    Double denoise;

    /**
     * Checks the flags and reads the files they name (before any model loads, so mistakes fail fast) and
     * picks a seed when none is given, printing it.
     *
     * @throws IllegalArgumentException for a bad value (naming the flag)
     * @throws IOException for an unreadable file (naming it)
     */
    GenerationOptions build(String defaultPrompt, PrintStream log) throws IOException {
        if (scheduler != null) {
            Schedulers.cliName(scheduler);   // unknown names fail here
        }
        if (clipSkip < 1) {
            throw new IllegalArgumentException("--clip-skip counts from 1 (1 = no skip), got " + clipSkip);
        }
        long[] list = seedList();
        long s = list != null ? list[0] : seed;
        if (s < 0) {
            s = GenerationOptions.randomSeed();
            log.println("seed " + s);
        }
        GenerationOptions.InitImage init = null;
        if (initImage != null) {
            init = new GenerationOptions.InitImage(dev.moa.image.Images.read(initImage), denoise != null ? denoise : 0.75);
        } else if (denoise != null) {
            throw new IllegalArgumentException("--denoise needs --init-image");
        }
        return GenerationOptions.of(prompt != null ? prompt : defaultPrompt)
                .withNegativePrompt(negativePrompt).withSteps(steps).withGuidance(guidance).withScheduler(scheduler)
                .withSeed(s).withSize(width, height).withBatch(batch).withClipSkip(clipSkip - 1).withEta(eta)
                .withLatents(latentsFile != null ? Latents.read(latentsFile) : null)
                .withSchedulerConfig(schedulerConfig != null ? Json.read(schedulerConfig).toString() : null)
                .withInit(init);
    }
}
