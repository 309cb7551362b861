package dev.moa.cli;

import dev.moa.models.SingleFileCheckpoint;
import dev.moa.models.VaeTiling;
import dev.moa.pipeline.StableDiffusion;
import dev.moa.tensor.Precision;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Which base model to load and how: folder or single file, precision, VAE tiling. */
final class ModelOptions {
    @Option(names = "--model", paramLabel = "DIR|FILE",
            description = "diffusers model folder (model_index.json) or single-file .safetensors checkpoint (default:"
                    + " the trained toy world, models/toy-world)")
    Path model;

    @Option(names = "--precision", defaultValue = "fp32", converter = Converters.PrecisionConverter.class,
            description = "weights and compute of the UNet and VAE: fp32, bf16 (about 2x faster on CPUs with bf16"
                    + " instructions) or fp16 (VAE stays fp32) (default ${DEFAULT-VALUE})")
    Precision precision;

    @Option(names = "--vae-tiling", defaultValue = "auto", converter = Converters.VaeTilingConverter.class,
            description = "decode the image in overlapping 512 px tiles: auto (when the image is larger than a tile), on"
                    + " or off (default ${DEFAULT-VALUE})")
    VaeTiling vaeTiling;

    @Option(names = "--norm-groups", description = "single-file checkpoints: group-norm groups (default 32)")
    Integer normGroups;

    @Option(names = "--text-heads", description = "single-file checkpoints: text encoder heads (default hidden/64)")
    Integer textHeads;

    /** The model path: --model, else the bundled toy world. */
    Path path() {
        return model != null ? model : Defaults.toyWorld();
    }

    /** True when no --model was given: the toy world, whose MoA and prompts are the defaults too. */
    boolean isDefault() {
        return model == null;
    }

    /** The MoA checkpoint to use: {@code moa} when given, else the toy world's on the default model, else null. */
    Path moaOrDefault(Path moa) {
        return moa != null ? moa : isDefault() ? Defaults.toyMoa() : null;
    }

    /**
     * Refuses, before loading, a generation that cannot fit in this machine's memory (a rough estimate scaled from
     * SD 1.5's measured peak; MOA_SKIP_MEMORY_CHECK=1 skips it).
     */
    void checkMemory(int width, int height, int batch, boolean guidance) throws IOException {
        if ("1".equals(System.getenv("MOA_SKIP_MEMORY_CHECK"))) {
            return;
        }
        dev.moa.pipeline.MemoryEstimate.check(dev.moa.pipeline.MemoryEstimate.of(path(), precision, width, height, batch,
                guidance, vaeTiling != VaeTiling.OFF), width, height, batch);
    }

    StableDiffusion load(PrintStream log) throws IOException {
        SingleFileCheckpoint.Overrides ov = SingleFileCheckpoint.Overrides.none();
        if (normGroups != null) {
            ov = ov.withNormGroups(normGroups);
        }
        if (textHeads != null) {
            ov = ov.withTextHeads(textHeads);
        }
        log.println("loading " + path());
        long t0 = System.nanoTime();
        StableDiffusion sd = StableDiffusion.load(path(), ov, precision, c -> log.println("  " + c));
        sd.setVaeTiling(vaeTiling);
        log.printf("loaded in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        return sd;
    }
}
