package dev.moa.cli;

import dev.moa.io.Json;
import dev.moa.models.ClipConfig;
import dev.moa.models.SingleFileCheckpoint;
import dev.moa.moa.MoaAdapter;
import dev.moa.moa.MoaConfig;
import dev.moa.pipeline.StableDiffusion;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code moa moa-init}: a fresh MoA checkpoint for a base model, ready for training. */
@Command(name = "moa-init", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Create a fresh MoA checkpoint for training: personalized experts copied from the base model's",
                "attention layers, routers neutral (50/50), fuser initialised like PyTorch's defaults."})
final class MoaInitCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Mixin
    BaseModelOptions model;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "new checkpoint folder (must not hold a checkpoint yet)")
    Path output;

    @Option(names = "--router-hidden", defaultValue = "128", description = "router hidden width (default ${DEFAULT-VALUE})")
    int routerHidden;

    @Option(names = "--time-embed", defaultValue = "128", description = "fuser timestep embedding width (default ${DEFAULT-VALUE})")
    int timeEmbed;

    @Option(names = "--layer-embed", defaultValue = "64", description = "fuser layer embedding width (default ${DEFAULT-VALUE})")
    int layerEmbed;

    @Option(names = "--seed", defaultValue = "0", description = "initialisation seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--force", description = "overwrite an existing checkpoint in --output")
    boolean force;

    @Override
    public Integer call() throws Exception {
        if (routerHidden < 1 || timeEmbed < 2 || timeEmbed % 2 != 0 || layerEmbed < 1) {
            throw new ParameterException(spec.commandLine(),
                    "--router-hidden and --layer-embed must be positive and --time-embed a positive even number");
        }
        Path cfgFile = model.imageEncoder.resolve("config.json");
        if (!Files.exists(cfgFile)) {
            throw new NoSuchFileException(cfgFile.toString(), null, "image encoder config not found");
        }
        int imageDim = ClipConfig.from(Json.read(cfgFile), "vision_config").projectionDim();
        if (!force && Files.exists(output.resolve(MoaAdapter.CONFIG_FILE))) {
            throw new ParameterException(spec.commandLine(), output + " already holds a MoA checkpoint (use --force to replace it)");
        }
        try (StableDiffusion sd = StableDiffusion.load(model.base, SingleFileCheckpoint.Overrides.none(), c -> { })) {
            MoaConfig c = MoaAdapter.configFor(sd.unet(), imageDim, routerHidden, timeEmbed, layerEmbed);
            c = c.withSources(model.base.toAbsolutePath().toString(), model.imageEncoder.toAbsolutePath().toString());
            MoaAdapter moa = MoaAdapter.create(c, sd.unet(), sd.manager(), seed);
            moa.save(output);
            long params = moa.parameters().values().stream().mapToLong(a -> a.getShape().size()).sum();
            System.out.printf("wrote %s: %d MoA layers (%d cross), %,d parameters, object-loss stages %s%n", output,
                    c.moaLayers().size(), c.crossLayers().size(), params, c.objectLossStages());
        }
        return 0;
    }
}
