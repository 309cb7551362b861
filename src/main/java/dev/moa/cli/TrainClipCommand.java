package dev.moa.cli;

import com.google.gson.JsonObject;
import dev.moa.models.ClipConfig;
import dev.moa.toy.ClipTrainer;
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

/** {@code moa train-clip}: a small CLIP (text tower + ViT with projections) from scratch on the toy world. */
@Command(name = "train-clip", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a small CLIP from scratch on the toy world: CLIPTextModel with SD's tokenizer and"
                + " CLIPVisionModelWithProjection, symmetric contrastive loss with a learned temperature, batches of"
                + " scene and reference-style pictures with their full descriptions.",
            "Writes text_encoder/, image_encoder/, feature_extractor/, tokenizer/, clip/ (whole CLIPModel),"
                + " checkpoints/, losses.csv, losses.png, samples/zero_shot.csv and clip_eval.json (zero-shot on held-out"
                + " identities)."})
final class TrainClipCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    TrainerOptions common;

    @Option(names = "--tokenizer", paramLabel = "DIR", description = "CLIP tokenizer folder (default: the bundled SD tokenizer, fixtures/models/tiny-sd/tokenizer)")
    Path tokenizer;

    @Option(names = "--init", paramLabel = "DIR", description = "continue from this CLIP (a train-clip output folder "
            + "or its clip/ folder) instead of starting from scratch; the sizes and the tokenizer come from it")
    Path init;

    @Option(names = "--freeze-text", description = "with --init: train the vision tower only, so a UNet trained on "
            + "that CLIP's text tower stays valid (the text tower is written unchanged)")
    boolean freezeText;

    @Option(names = "--width", defaultValue = "128", description = "width of both towers and of the projection (default ${DEFAULT-VALUE})")
    int width;

    @Option(names = "--layers", defaultValue = "4", description = "transformer layers per tower (default ${DEFAULT-VALUE})")
    int layers;

    @Option(names = "--heads", defaultValue = "4", description = "attention heads (default ${DEFAULT-VALUE})")
    int heads;

    @Option(names = "--patch", defaultValue = "8", description = "ViT patch size on 64 px pictures (default ${DEFAULT-VALUE})")
    int patch;

    @Option(names = "--eval-identities", defaultValue = "512", description = "held-out identities for the final zero-shot figures (default ${DEFAULT-VALUE})")
    int evalIdentities;

    @Option(names = "--attribute-weight", defaultValue = "1.0", description = "weight of the attribute heads' loss "
            + "beside CLIP's contrastive loss: linear heads on both towers' embeddings predict the subject's shape, "
            + "pattern and colours; 0 = plain CLIP (default ${DEFAULT-VALUE}; see docs/toy-world.md for why)")
    double attributeWeight;

    @Override
    public Integer call() throws Exception {
        var settings = common.settings(spec, 2000, 128, 5e-4, 0.1, 100, 250);
        if (width < 8 || heads < 1 || width % heads != 0 || layers < 1) {
            throw new ParameterException(spec.commandLine(), "--width must be a multiple of --heads, --layers >= 1");
        }
        if (patch < 1 || 64 % patch != 0) {
            throw new ParameterException(spec.commandLine(), "--patch must divide 64, got " + patch);
        }
        if (!(attributeWeight >= 0) || Double.isInfinite(attributeWeight)) {
            throw new ParameterException(spec.commandLine(), "--attribute-weight must be >= 0, got " + attributeWeight);
        }
        if (evalIdentities < 32) {
            throw new ParameterException(spec.commandLine(), "--eval-identities must be >= 32");
        }
        if (freezeText && init == null) {
            throw new ParameterException(spec.commandLine(), "--freeze-text needs --init (the CLIP whose text tower to keep)");
        }
        if (init != null && !Files.isRegularFile(ClipTrainer.clipFolder(init).resolve("config.json"))) {
            throw new ParameterException(spec.commandLine(), "--init " + init
                    + ": not a train-clip output (no clip/config.json) nor a clip folder (no config.json)");
        }
        Path tok = tokenizer != null ? tokenizer
                : init != null && Files.isDirectory(init.resolve("tokenizer")) ? init.resolve("tokenizer") : Path.of(System.getProperty("moa.home", "."), "fixtures/models/tiny-sd/tokenizer");
        if (!Files.isRegularFile(tok.resolve("vocab.json")) && !Files.isRegularFile(tok.resolve("tokenizer.json"))) {
            throw new NoSuchFileException(tok.toString(), null, "not a CLIP tokenizer folder (no vocab.json or tokenizer.json)");
        }
        common.checkFresh(spec);
        ClipConfig text = new ClipConfig(width, 4 * width, heads, layers, "quick_gelu", 1e-5, 49408, 77, 49407, 224, 32, width);
        ClipConfig vision = new ClipConfig(width, 4 * width, heads, layers, "quick_gelu", 1e-5, 49408, 77, 49407, 64, patch, width);
        if (init != null) {
            ClipConfig[] c = ClipTrainer.configsOf(init);
            text = c[0];
            vision = c[1];
        }
        PrintStream log = common.log();
        try (ClipTrainer t = new ClipTrainer(text, vision, tok, settings, common.output, attributeWeight,
                init, freezeText)) {
            log.println("clip: " + t.parameters().values().stream().mapToLong(a -> a.size()).sum() + " parameters, batch "
                    + settings.batch());
            common.run(t);
            JsonObject eval = t.finish(evalIdentities);
            log.println("clip: " + eval);
        }
        System.out.println(common.output.toAbsolutePath());
        return 0;
    }
}
