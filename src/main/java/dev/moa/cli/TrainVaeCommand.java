package dev.moa.cli;

import com.google.gson.JsonObject;
import dev.moa.models.VaeConfig;
import dev.moa.toy.VaeTrainer;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code moa train-vae}: a small AutoencoderKL from scratch on the toy world. */
@Command(name = "train-vae", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a small AutoencoderKL (4x down-sampling) from scratch on the toy world (scene and"
                + " reference-style pictures, rendered on the fly).",
            "Loss: L1 + grad-weight x image-gradient L1 + kl-weight x KL. At the end scaling_factor in vae/config.json"
                + " becomes 1 / std of the latents of --scale-pictures training pictures, and vae_eval.json gets the"
                + " PSNR on held-out identities.",
            "Writes vae/ (diffusers layout), checkpoints/, losses.csv, losses.png, samples/."})
final class TrainVaeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    TrainerOptions common;

    @Option(names = "--channels", defaultValue = "32,64,64", split = ",", description = "block_out_channels (default ${DEFAULT-VALUE})")
    int[] channels;

    @Option(names = "--layers-per-block", defaultValue = "1", description = "resnets per block (default ${DEFAULT-VALUE})")
    int layersPerBlock;

    @Option(names = "--latent-channels", defaultValue = "4", description = "latent channels (default ${DEFAULT-VALUE})")
    int latentChannels;

    @Option(names = "--norm-groups", defaultValue = "8", description = "group norm groups; one channel per group (32 on 32 channels) normalises the colours away (default ${DEFAULT-VALUE})")
    int normGroups;

    @Option(names = "--grad-weight", defaultValue = "0.5", description = "weight of the image-gradient L1 (default ${DEFAULT-VALUE})")
    double gradWeight;

    @Option(names = "--kl-weight", defaultValue = "1e-6", description = "KL weight, relative to the per-image summed L1 as in LDM (default ${DEFAULT-VALUE})")
    double klWeight;

    @Option(names = "--crop", defaultValue = "0", description = "train on random CROP x CROP windows (multiple of 8, < 64); 0 = whole 64 px pictures (default ${DEFAULT-VALUE})")
    int crop;

    @Option(names = "--scale-pictures", defaultValue = "2048", description = "pictures for the scaling factor (default ${DEFAULT-VALUE})")
    int scalePictures;

    @Option(names = "--eval-pictures", defaultValue = "512", description = "held-out pictures for the PSNR (default ${DEFAULT-VALUE})")
    int evalPictures;

    @Override
    public Integer call() throws Exception {
        var settings = common.settings(spec, 3000, 16, 1e-3, 0.0, 100, 250);
        for (int c : channels) {
            if (c < 1 || c % normGroups != 0) {
                throw new ParameterException(spec.commandLine(), "--channels must be positive multiples of --norm-groups ("
                        + normGroups + ")");
            }
        }
        if (channels.length < 1 || layersPerBlock < 1 || latentChannels < 1) {
            throw new ParameterException(spec.commandLine(), "--channels, --layers-per-block and --latent-channels must be >= 1");
        }
        if (!(gradWeight >= 0) || !(klWeight >= 0) || scalePictures < 1 || evalPictures < 1) {
            throw new ParameterException(spec.commandLine(), "--grad-weight and --kl-weight must be >= 0, --scale-pictures and --eval-pictures >= 1");
        }
        if (crop != 0 && (crop < 8 || crop > 64 || crop % 8 != 0)) {
            throw new ParameterException(spec.commandLine(), "--crop must be 0 or a multiple of 8 in 8..64, got " + crop);
        }
        common.checkFresh(spec);
        VaeConfig cfg = new VaeConfig(3, 3, latentChannels, channels, layersPerBlock, normGroups, 1.0, true, true, true, 64);
        PrintStream log = common.log();
        try (VaeTrainer t = new VaeTrainer(cfg, new VaeTrainer.Loss(gradWeight, klWeight, crop), settings, common.output)) {
            log.println("vae: " + t.parameters().values().stream().mapToLong(a -> a.size()).sum() + " parameters, "
                    + cfg.downFactor() + "x down-sampling, batch " + settings.batch());
            common.run(t);
            JsonObject eval = t.finish(scalePictures, evalPictures);
            log.println("vae: " + eval);
        }
        System.out.println(common.output.resolve("vae").toAbsolutePath());
        return 0;
    }
}
