package dev.moa.cli;

import com.google.gson.JsonObject;
import dev.moa.io.Json;
import dev.moa.models.UNetConfig;
import dev.moa.toy.UNetTrainer;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code moa train-unet}: a small UNet2DConditionModel on the frozen toy VAE and text tower. */
@Command(name = "train-unet", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a small UNet2DConditionModel on the toy world's scene pictures, on the frozen VAE's latents"
                + " and the frozen text tower (class-word captions, 10 %% empty): epsilon prediction, SD's scaled-linear"
                + " betas, min-SNR weighting, EMA weights (shipped in unet/).",
            "The run folder is a complete diffusers pipeline (moa generate --model DIR), plus checkpoints/, losses.csv,"
                + " losses.png and samples/ (fixed-seed grids from the EMA weights)."})
final class TrainUNetCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    TrainerOptions common;

    @Mixin
    WorldOptions world;

    @Option(names = "--vae", required = true, paramLabel = "DIR", description = "trained vae folder (e.g. /work/runs/vae/vae)")
    Path vae;

    @Option(names = "--text-encoder", required = true, paramLabel = "DIR", description = "trained text_encoder folder (e.g. /work/runs/clip/text_encoder)")
    Path textEncoder;

    @Option(names = "--tokenizer", paramLabel = "DIR", description = "tokenizer folder (default: tokenizer/ beside the text encoder)")
    Path tokenizer;

    @Option(names = "--init", paramLabel = "DIR", description = "fine-tune this unet folder (or pipeline folder) instead of starting from scratch")
    Path init;

    @Option(names = "--channels", defaultValue = "64,128,128", split = ",", description = "block_out_channels (default ${DEFAULT-VALUE})")
    int[] channels;

    @Option(names = "--layers-per-block", defaultValue = "2", description = "resnets per block (default ${DEFAULT-VALUE})")
    int layersPerBlock;

    @Option(names = "--heads", defaultValue = "4", description = "attention heads per block (default ${DEFAULT-VALUE})")
    int heads;

    @Option(names = "--uncond-prob", defaultValue = "0.1", description = "share of empty captions (default ${DEFAULT-VALUE})")
    double uncondProb;

    @Option(names = "--description-prob", defaultValue = "0", paramLabel = "P",
            description = "share of captions that describe the subject in full (\"a photo of a red and blue striped disc on a"
                    + " beach\") instead of naming its class, so the UNet's cross-attention learns what colour and pattern"
                    + " words look like, as SD's has (default ${DEFAULT-VALUE}: class words only)")
    double descriptionProb;

    @Option(names = "--snr-gamma", defaultValue = "5", description = "min-SNR gamma, 0 = plain loss (default ${DEFAULT-VALUE})")
    double snrGamma;

    @Option(names = "--ema-decay", defaultValue = "0.999", description = "EMA decay (default ${DEFAULT-VALUE})")
    double emaDecay;

    @Override
    public Integer call() throws Exception {
        var settings = common.settings(spec, 3000, 16, 2e-4, 0.01, 200, 250);
        if (!(uncondProb >= 0 && uncondProb <= 1) || !(snrGamma >= 0) || !(emaDecay >= 0 && emaDecay < 1)) {
            throw new ParameterException(spec.commandLine(), "--uncond-prob must be in 0..1, --snr-gamma >= 0, --ema-decay in [0, 1)");
        }
        if (!(descriptionProb >= 0 && descriptionProb <= 1)) {
            throw new ParameterException(spec.commandLine(), "--description-prob must be in 0..1, got " + descriptionProb);
        }
        if (heads < 1 || layersPerBlock < 1 || channels.length < 2) {
            throw new ParameterException(spec.commandLine(), "--heads and --layers-per-block must be >= 1, --channels at least two blocks");
        }
        for (int c : channels) {
            if (c < 1 || c % heads != 0) {
                throw new ParameterException(spec.commandLine(), "--channels must be positive multiples of --heads");
            }
        }
        for (Path p : new Path[] {vae, textEncoder}) {
            if (!Files.isRegularFile(p.resolve("config.json"))) {
                throw new NoSuchFileException(p.toString(), null, "not a model folder (no config.json)");
            }
        }
        Path tok = tokenizer != null ? tokenizer : textEncoder.toAbsolutePath().getParent().resolve("tokenizer");
        if (!Files.isRegularFile(tok.resolve("vocab.json")) && !Files.isRegularFile(tok.resolve("tokenizer.json"))) {
            throw new NoSuchFileException(tok.toString(), null, "not a CLIP tokenizer folder (give --tokenizer)");
        }
        world.check(spec);
        common.checkFresh(spec);
        JsonObject vaeCfg = Json.read(vae.resolve("config.json"));
        JsonObject textCfg = Json.read(textEncoder.resolve("config.json"));
        int latent = Json.getInt(vaeCfg, "latent_channels", 4);
        int width = Json.getInt(textCfg, "hidden_size", 768);
        UNetConfig cfg = init != null ? UNetTrainer.configOf(init) : UNetTrainer.config(channels, layersPerBlock, heads, latent, width);
        PrintStream log = common.log();
        try (UNetTrainer t = new UNetTrainer(cfg, new UNetTrainer.Diffusion(uncondProb, snrGamma, emaDecay, descriptionProb, world.subjects), vae, textEncoder,
                tok, init, settings, common.output)) {
            log.println("unet: " + t.parameters().values().stream().mapToLong(a -> a.size()).sum() + " parameters, " + cfg
                    + ", batch " + settings.batch() + (init != null ? ", from " + init : ", from scratch"));
            common.run(t);
        }
        System.out.println(common.output.toAbsolutePath());
        return 0;
    }
}
