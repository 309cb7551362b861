package dev.moa.cli;

import ai.djl.pytorch.jni.JniUtils;
import dev.moa.io.Json;
import dev.moa.models.SingleFileCheckpoint;
import dev.moa.moa.MoaAdapter;
import dev.moa.moa.MoaConfig;
import dev.moa.moa.SubjectEncoder;
import dev.moa.pipeline.StableDiffusion;
import dev.moa.train.BatchSource;
import dev.moa.train.LoaderBatches;
import dev.moa.toy.ToyMoaBatches;
import dev.moa.toy.ToyWorld;
import dev.moa.train.Memory;
import dev.moa.train.MoaTrainer;
import dev.moa.train.StepStats;
import dev.moa.train.TrainSettings;
import dev.moa.train.TrainingListener;
import dev.moa.train.data.PreprocessOptions;
import dev.moa.train.data.ReferenceAugmentation;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code moa train}: trains MoA weights on a frozen base model. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train MoA (personalized experts, routers, fuser) on a frozen base model and image encoder.",
                "Data: an FFHQ-wild folder (FastComposer's layout, e.g. from make-synthetic-data) or a JSONL manifest.",
                "Writes the latest weights to --output (usable with generate --moa), checkpoints/, losses.csv,"
                        + " losses.png and validation/ sheets."})
final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Mixin
    BaseModelOptions model;

    @Option(names = "--data", required = true, paramLabel = "DIR|FILE|toy-world[:SEED]",
            description = "FFHQ-wild folder, .jsonl manifest, or toy-world (pictures rendered on the fly)")
    Path data;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "run folder (weights, checkpoints, logs)")
    Path output;

    @Option(names = "--moa", paramLabel = "DIR", description = "start from this MoA checkpoint (default: a fresh one, as moa-init)")
    Path moaDir;

    @Option(names = "--resume", arity = "0..1", fallbackValue = "", paramLabel = "CHECKPOINT",
            description = "continue from the latest checkpoint in --output (or the given checkpoint folder)")
    String resume;

    @Option(names = "--steps", defaultValue = "10000", description = "optimizer steps (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--batch", defaultValue = "4", description = "examples per micro-batch (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--grad-accum", defaultValue = "1", description = "micro-batches per optimizer step (default ${DEFAULT-VALUE})")
    int gradAccum;

    @Option(names = "--lr", defaultValue = "1e-5", description = "learning rate of the personalized experts (default ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--lr-router", defaultValue = "1e-4", description = "learning rate of routers and fuser (default ${DEFAULT-VALUE})")
    double lrRouter;

    @Option(names = "--weight-decay", defaultValue = "0.01", description = "AdamW weight decay (default ${DEFAULT-VALUE})")
    double weightDecay;

    @Option(names = "--warmup", defaultValue = "100", description = "linear warmup steps (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--max-grad-norm", defaultValue = "1.0", description = "global gradient-norm clipping (default ${DEFAULT-VALUE})")
    double maxGradNorm;

    @Option(names = "--resolution", defaultValue = "512", description = "training resolution (default ${DEFAULT-VALUE})")
    int resolution;

    @Option(names = "--save-every", defaultValue = "500", description = "checkpoint interval in steps (default ${DEFAULT-VALUE})")
    int saveEvery;

    @Option(names = "--keep", defaultValue = "3", description = "checkpoints to keep (default ${DEFAULT-VALUE})")
    int keep;

    @Option(names = "--validate-every", defaultValue = "500", description = "validation sheet interval, 0 = never (default ${DEFAULT-VALUE})")
    int validateEvery;

    @Option(names = "--log-every", description = "progress line every N steps (default: about every 10 seconds)")
    Integer logEvery;

    @Option(names = "--seed", defaultValue = "0", description = "seed for data order, noise and initialisation (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--no-augment", description = "no reference augmentation")
    boolean noAugment;

    @Option(names = "--uncond-prob", defaultValue = "0.1", description = "probability of dropping caption and subjects (default ${DEFAULT-VALUE})")
    double uncondProb;

    @Option(names = "--subject-drop-prob", defaultValue = "0.1", description = "probability of dropping each subject (default ${DEFAULT-VALUE})")
    double subjectDropProb;

    @Option(names = "--router-loss-weight", paramLabel = "W",
            description = "lambda_router of a new run (default: the --moa checkpoint's, else the spec's 1.0; 0 = the paper's"
                    + " ablation without the router loss); a resumed run keeps its checkpoint's")
    Double routerLossWeight;

    @Option(names = "--object-loss-weight", paramLabel = "W",
            description = "lambda_object of a new run (default: the --moa checkpoint's, else the spec's 0.001)")
    Double objectLossWeight;

    @Option(names = "--router-loss-warmup", defaultValue = "0", paramLabel = "STEPS",
            description = "ramp the router loss in linearly over the first STEPS steps, so the personalized experts learn"
                    + " the subject before the router loss can shut them (0 = the spec's constant weight; a resumed run"
                    + " must give its checkpoint's value) (default ${DEFAULT-VALUE})")
    int routerLossWarmup;

    @Option(names = "--route", defaultValue = "moa", paramLabel = "moa|personal", converter = Converters.RouteConverter.class,
            description = "moa (the spec), or personal: the personalized-only baseline (FastComposer-like), the router fixed"
                    + " to the personalized branch and not trained, no router loss; generate and evaluate it with --mode"
                    + " personal (default ${DEFAULT-VALUE})")
    dev.moa.moa.MoaMode route;

    @Option(names = "--timesteps", defaultValue = "uniform", paramLabel = "uniform|cubic",
            converter = Converters.TimestepSamplingConverter.class,
            description = "how training draws timesteps: uniform (the spec), or cubic, t = (1 - u^3) T, which favours the"
                    + " noisy steps where the subject's colours are settled (T2I-Adapter) (default ${DEFAULT-VALUE})")
    dev.moa.train.TimestepSampling timesteps;

    @Option(names = "--precision", defaultValue = "fp32", converter = Converters.PrecisionConverter.class,
            description = "fp32, or bf16: the frozen base model computes in bf16 and MoA with bf16 casts of its fp32"
                    + " master weights (fp32 AdamW state, no loss scaling) (default ${DEFAULT-VALUE})")
    dev.moa.tensor.Precision precision;

    @picocli.CommandLine.Mixin
    WorldOptions world;

    @picocli.CommandLine.Mixin
    ThreadsOption threads;

    @Option(names = {"-q", "--quiet"}, description = "no progress output")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        PrintStream log = quiet ? new PrintStream(java.io.OutputStream.nullOutputStream()) : System.err;
        threads.apply();
        if (precision == dev.moa.tensor.Precision.FP16) {
            throw new ParameterException(spec.commandLine(), "--precision fp16 is not supported for training (no loss"
                    + " scaling); use bf16 or fp32");
        }
        if (resolution % 8 != 0 || resolution < 16) {
            throw new ParameterException(spec.commandLine(), "--resolution must be a multiple of 8 (>= 16), got " + resolution);
        }
        if (batch < 1) {
            throw new ParameterException(spec.commandLine(), "--batch must be >= 1");
        }
        if (routerLossWarmup < 0) {
            throw new ParameterException(spec.commandLine(), "--router-loss-warmup must be >= 0, got " + routerLossWarmup);
        }
        if (route == dev.moa.moa.MoaMode.PERSONAL && routerLossWarmup != 0) {
            throw new ParameterException(spec.commandLine(), "--route personal trains no router: --router-loss-warmup"
                    + " does not apply");
        }
        LogCadence cadence;
        try {
            cadence = new LogCadence(logEvery);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        TrainSettings settings = new TrainSettings(steps, gradAccum, lr, lrRouter, weightDecay, 0.9, 0.999, 1e-8, warmup,
                maxGradNorm, saveEvery, keep, validateEvery, logEvery != null ? logEvery : 10, seed, timesteps, route,
                routerLossWarmup);
        log.println("loading " + model.base);
        try (StableDiffusion sd = StableDiffusion.load(model.base, SingleFileCheckpoint.Overrides.none(), precision,
                c -> log.println("  " + c))) {
            SubjectEncoder enc = SubjectEncoder.load(model.imageEncoder, sd.manager());
            PreprocessOptions prep = PreprocessOptions.training().withResolution(resolution)
                    .withDropout(uncondProb, subjectDropProb);
            if (noAugment) {
                prep = prep.withAugmentation(ReferenceAugmentation.none());
            }
            boolean toy = data.toString().startsWith("toy-world");
            try (BatchSource batches = toy
                    ? new ToyMoaBatches(world.world(spec, toySeed(data.toString())), sd.tokenizer(), enc.processor(), batch,
                            uncondProb)
                    : LoaderBatches.open(data, sd.tokenizer(), enc.processor(), prep, batch, seed)) {
                log.println("data: " + batches.description());
                MoaTrainer trainer;
                if (resume != null) {
                    if (routerLossWeight != null || objectLossWeight != null) {
                        throw new ParameterException(spec.commandLine(), "--router-loss-weight and --object-loss-weight"
                                + " start a run; a resumed run keeps the loss weights of its checkpoint's moa_config.json");
                    }
                    Path ckpt = resume.isEmpty() ? null : Path.of(resume);
                    trainer = MoaTrainer.resume(sd, enc, settings, batches, output, ckpt);
                    log.println("resumed at step " + trainer.step());
                } else {
                    if (MoaTrainer.latestCheckpoint(output) != null) {
                        throw new ParameterException(spec.commandLine(), output
                                + " already has checkpoints: add --resume to continue, or choose another --output");
                    }
                    MoaAdapter moa;
                    if (moaDir != null) {
                        moa = MoaAdapter.loadMasters(moaDir, sd.unet(), sd.manager());
                    } else {
                        MoaConfig c = MoaAdapter.configFor(sd.unet(), enc.embedDim(), 128, 128, 64);
                        c = c.withSources(model.base.toAbsolutePath().toString(), model.imageEncoder.toAbsolutePath().toString());
                        moa = MoaAdapter.create(c, sd.unet(), sd.manager(), seed);
                    }
                    if (route == dev.moa.moa.MoaMode.PERSONAL) {   // no router in the graph: its loss is off
                        if (routerLossWeight != null && routerLossWeight != 0) {
                            throw new ParameterException(spec.commandLine(), "--route personal trains no router: its"
                                    + " --router-loss-weight can only be 0");
                        }
                        routerLossWeight = 0.0;
                    }
                    if (routerLossWeight != null || objectLossWeight != null) {
                        moa = moa.withLossWeights(routerLossWeight != null ? routerLossWeight : moa.config().lambdaRouter(),
                                objectLossWeight != null ? objectLossWeight : moa.config().lambdaObject());
                    }
                    log.printf("loss weights: router %s, object %s%n", moa.config().lambdaRouter(), moa.config().lambdaObject());
                    trainer = MoaTrainer.start(sd, enc, moa, settings, batches, output);
                }
                try (MoaTrainer t = trainer) {
                    long start = t.step();
                    long t0 = System.nanoTime();
                    t.train(new TrainingListener() {
                        @Override
                        public void onStep(StepStats s, long total) {
                            if (cadence.due(s.step(), total, start)) {
                                double el = (System.nanoTime() - t0) / 1e9;
                                double per = el / (s.step() - start);
                                log.printf("step %d/%d  loss %.4f (diffusion %.4f, router %.4f, object %.2e)  %.2f s/step"
                                        + "  ETA %s  rss %d MB%n", s.step(), total, s.total(), s.diffusion(), s.router(),
                                        s.object(), per, ProgressBar.clock(per * (total - s.step())), Memory.rssMb());
                            }
                        }

                        @Override
                        public void onCheckpoint(Path dir) {
                            log.println("checkpoint " + dir);
                        }

                        @Override
                        public void onValidation(Path sheet) {
                            log.println("validation sheet " + sheet);
                        }
                    });
                }
                String problems = batches.dataProblems();
                if (problems != null && !problems.equals("none")) {
                    log.println("data problems skipped during training: " + problems);
                }
                System.out.println(output.toAbsolutePath());
            }
        }
        return 0;
    }

    private long toySeed(String spec) {
        int colon = spec.indexOf(':');
        if (!spec.equals("toy-world") && colon != "toy-world".length()) {
            throw new ParameterException(this.spec.commandLine(), "--data " + spec + ": expected toy-world or toy-world:SEED");
        }
        try {
            return colon < 0 ? 0 : Long.parseLong(spec.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new ParameterException(this.spec.commandLine(), "--data " + spec + ": the toy world's seed is a number");
        }
    }
}
