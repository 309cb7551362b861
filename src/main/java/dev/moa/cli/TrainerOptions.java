package dev.moa.cli;

import dev.moa.train.BaseTrainer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The options and the run loop every base-model trainer command shares (picocli mixin). */
final class TrainerOptions {
    @Option(names = "--output", required = true, paramLabel = "DIR", description = "run folder (model folders, checkpoints, logs)")
    Path output;

    @Option(names = "--resume", arity = "0..1", fallbackValue = "", paramLabel = "CHECKPOINT",
            description = "continue from the latest checkpoint in --output (or the given checkpoint folder)")
    String resume;

    @Option(names = "--steps", description = "optimizer steps")
    Integer steps;

    @Option(names = "--batch", description = "pictures per step")
    Integer batch;

    @Option(names = "--lr", description = "peak learning rate")
    Double lr;

    @Option(names = "--weight-decay", description = "AdamW weight decay on matrices and conv kernels")
    Double weightDecay;

    @Option(names = "--warmup", description = "linear warm-up steps")
    Integer warmup;

    @Option(names = "--max-grad-norm", defaultValue = "1.0", description = "global gradient-norm clipping (default ${DEFAULT-VALUE})")
    double maxGradNorm;

    @Option(names = "--save-every", defaultValue = "250", description = "checkpoint interval in steps (default ${DEFAULT-VALUE})")
    int saveEvery;

    @Option(names = "--keep", defaultValue = "2", description = "checkpoints to keep (default ${DEFAULT-VALUE})")
    int keep;

    @Option(names = "--sample-every", description = "sample picture interval in steps, 0 = never")
    Integer sampleEvery;

    @Option(names = "--log-every", description = "progress line every N steps (default: about every 10 seconds)")
    Integer logEvery;

    @Option(names = "--seed", defaultValue = "0", description = "seed of the world, the initialisation and the noise (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--threads", description = "CPU threads for libtorch")
    Integer threads;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "DEVICE",
            description = "cpu, cuda or cuda:N (default ${DEFAULT-VALUE}; CUDA needs a build with -Pcuda)")
    String device;

    @Option(names = {"-q", "--quiet"}, description = "no progress output")
    boolean quiet;

    /** Settings with each trainer's defaults where a flag is not given; bad values give a usage error. */
    BaseTrainer.Settings settings(CommandSpec spec, int dSteps, int dBatch, double dLr, double dWd, int dWarmup, int dSample) {
        ThreadsOption.apply(spec, threads);
        ThreadsOption.applyDevice(spec, device);
        BaseTrainer.Settings s = new BaseTrainer.Settings(steps != null ? steps : dSteps, batch != null ? batch : dBatch,
                lr != null ? lr : dLr, weightDecay != null ? weightDecay : dWd, warmup != null ? warmup : dWarmup,
                maxGradNorm, saveEvery, keep, sampleEvery != null ? sampleEvery : dSample, seed);
        try {
            s.validate();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (logEvery != null && logEvery < 1) {
            throw new ParameterException(spec.commandLine(), "--log-every must be >= 1");
        }
        return s;
    }

    PrintStream log() {
        return quiet ? new PrintStream(java.io.OutputStream.nullOutputStream()) : System.err;
    }

    /** Refuses to start over an existing run unless --resume is given. */
    void checkFresh(CommandSpec spec) throws IOException {
        if (resume == null && BaseTrainer.latestCheckpoint(output) != null) {
            throw new ParameterException(spec.commandLine(), output
                    + " already has checkpoints: add --resume to continue, or choose another --output");
        }
    }

    /** Resumes when asked, then trains to the end with progress lines. */
    void run(BaseTrainer<?> t) throws IOException {
        PrintStream log = log();
        if (resume != null) {
            t.resume(resume.isEmpty() ? null : Path.of(resume));
            log.println(t.name() + ": resumed at step " + t.step());
        }
        long start = t.step();
        long t0 = System.nanoTime();
        LogCadence cadence = new LogCadence(logEvery);
        t.train(new BaseTrainer.Listener() {
            @Override
            public void onStep(BaseTrainer.Step s, long total) {
                if (cadence.due(s.step(), total, start)) {
                    double per = (System.nanoTime() - t0) / 1e9 / (s.step() - start);
                    log.println(t.progressLine(s, total, per));
                }
            }

            @Override
            public void onCheckpoint(Path dir) {
                log.println("checkpoint " + dir);
            }

            @Override
            public void onSample(Path file) {
                log.println("sample " + file);
            }
        });
    }
}
