package dev.moa.cli;

import ai.djl.pytorch.jni.JniUtils;
import com.google.gson.GsonBuilder;
import dev.moa.bench.DiffusionBench;
import dev.moa.bench.TrainBench;
import dev.moa.bench.DiffusionBench.Options;
import dev.moa.bench.DiffusionBench.Part;
import dev.moa.bench.DiffusionBench.Report;
import dev.moa.models.UNetConfig;
import dev.moa.models.VaeConfig;
import dev.moa.models.VaeTiling;
import dev.moa.tensor.Precision;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code moa bench}: SD 1.5 UNet step and VAE decode timings with random weights (nothing downloaded). */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Benchmark the full-size SD 1.5 UNet and VAE (random weights, no download): seconds per UNet step"
                + " on the guidance batch, VAE decode time, peak memory, and the UNet's GFLOP/s against this machine's"
                + " own fp32 matrix-multiply rate."})
final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--precision", defaultValue = "fp32", description = "fp32, bf16 or fp16 (default ${DEFAULT-VALUE})")
    String precision;

    @Option(names = "--steps", defaultValue = "5", description = "timed UNet steps (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--warmup", defaultValue = "2", description = "untimed UNet steps first (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--size", defaultValue = "512", description = "image size in pixels, a multiple of 64 (default ${DEFAULT-VALUE})")
    int size;

    @Option(names = "--batch", defaultValue = "2", description = "UNet batch; 2 = one image with guidance (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--vae-runs", defaultValue = "1", description = "timed VAE decodes after one warm-up; 0 skips the VAE"
            + " (default ${DEFAULT-VALUE})")
    int vaeRuns;

    @Option(names = "--vae-tiling", defaultValue = "auto", description = "auto, on or off (default ${DEFAULT-VALUE})")
    String vaeTiling;

    @Option(names = "--gemm-size", defaultValue = "4096", description = "n of the n x n x n reference matmul (default ${DEFAULT-VALUE})")
    int gemmSize;

    @picocli.CommandLine.Mixin
    ThreadsOption threads;

    @Option(names = "--json", description = "print the results as JSON on stdout (progress goes to stderr)")
    boolean json;

    @Option(names = "--moa", description = "also time MoA on the same UNet (random personalized experts, routers and"
            + " fuser; a random ViT-L/14 image encoder resident) next to the base step")
    boolean moa;

    @Option(names = "--subjects", split = ",", defaultValue = "1,2", paramLabel = "N[,N...]",
            description = "subject counts of the --moa steps (default ${DEFAULT-VALUE})")
    List<Integer> subjects;

    @Option(names = "--train", description = "benchmark MoA training instead (SD 1.5 + ViT-L/14 at full size, random"
            + " weights; --size, --batch, --steps, --warmup apply; default batch 1)")
    boolean train;

    @Override
    public Integer call() throws Exception {
        threads.apply();
        if (size < 64 || size % 64 != 0) {
            throw new ParameterException(spec.commandLine(), "--size must be a positive multiple of 64, got " + size);
        }
        if (steps < 1 || warmup < 0 || batch < 1 || vaeRuns < 0 || gemmSize < 64) {
            throw new ParameterException(spec.commandLine(), "--steps and --batch must be >= 1, --warmup and --vae-runs >= 0,"
                    + " --gemm-size >= 64");
        }
        Precision p;
        VaeTiling tiling;
        try {
            p = Precision.parse(precision);
            tiling = VaeTiling.parse(vaeTiling);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintStream err = System.err;
        if (train) {
            if (p == Precision.FP16) {
                throw new ParameterException(spec.commandLine(), "--train measures fp32 or bf16 training");
            }
            int b = spec.commandLine().getParseResult().hasMatchedOption("--batch") ? batch : 1;
            TrainBench.Report t = TrainBench.run(size, b, steps, warmup, p, msg -> err.println(msg));
            if (json) {
                System.out.println(new GsonBuilder().setPrettyPrinting().create().toJson(t));
            } else {
                var m = t.machine;
                System.out.printf(Locale.ROOT, "machine    %s, %d cores (%s); libtorch %s, %d threads, ops %s%n", m.cpu(),
                        m.cores(), m.isa(), m.libtorch(), m.threads(), m.ops());
                System.out.printf(Locale.ROOT, "train      %dx%d, batch %d, %s, %.1f M MoA parameters (built in %.1f s)%n",
                        t.size, t.size, t.batch, t.precision, t.moaParameters / 1e6, t.buildSeconds);
                System.out.printf(Locale.ROOT, "step       median %.2f s %s%n", t.medianStepSeconds, Arrays.toString(t.stepSeconds));
                System.out.printf(Locale.ROOT, "memory     peak RSS %.2f GiB, after the steps %.2f GiB%n", gib(t.peakRssBytes),
                        gib(t.rssAfterStepsBytes));
            }
            return 0;
        }
        Options o = new Options(p, steps, warmup, size, batch, vaeRuns, tiling, gemmSize, 0, UNetConfig.sd15(),
                VaeConfig.sd15());
        if (moa) {
            for (int n : subjects) {
                if (n < 1 || n > dev.moa.moa.SubjectPrompt.MAX_SUBJECTS) {
                    throw new ParameterException(spec.commandLine(), "--subjects must be between 1 and "
                            + dev.moa.moa.SubjectPrompt.MAX_SUBJECTS + ", got " + n);
                }
            }
            o = o.withMoa(subjects, DiffusionBench.vitL14());
        }
        Report r = DiffusionBench.run(o, msg -> err.println(msg));
        if (json) {
            System.out.println(new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create().toJson(r));
        } else {
            print(r, System.out);
        }
        return 0;
    }

    static void print(Report r, PrintStream out) {
        var m = r.machine;
        out.printf(Locale.ROOT, "machine    %s, %d cores (%s)%n", m.cpu(), m.cores(), m.isa());
        out.printf(Locale.ROOT, "stack      libtorch %s, %d threads, ops: %s, Java %s%n", m.libtorch(), m.threads(), m.ops(), m.java());
        out.printf(Locale.ROOT, "settings   %s%n", r.settings);
        out.printf(Locale.ROOT, "matmul     fp32 %.0f GFLOP/s%s%n", r.gemmFp32Gflops,
                r.gemmGflopsAtPrecision == null ? "" : String.format(Locale.ROOT, ", %s %.0f GFLOP/s",
                        r.settings.get("precision"), r.gemmGflopsAtPrecision));
        var u = r.unet;
        out.printf(Locale.ROOT, "unet       %.1f M parameters, built in %.1f s; %.1f GFLOP per step%n", u.parameters / 1e6,
                u.buildSeconds, u.gflopPerStep);
        StringBuilder sb = new StringBuilder();
        for (double s : u.stepSeconds) {
            sb.append(String.format(Locale.ROOT, " %.3f", s));
        }
        out.printf(Locale.ROOT, "unet step  median %.3f s (warm-up %.3f s; steps:%s)%n", u.medianStepSeconds, u.warmupSeconds, sb);
        out.printf(Locale.ROOT, "unet rate  %.0f GFLOP/s = %.0f%% of the fp32 matmul rate%s%n", u.achievedGflops,
                100 * u.fractionOfFp32Gemm, u.fractionOfGemmAtPrecision == null ? ""
                        : String.format(Locale.ROOT, ", %.0f%% of the %s matmul rate", 100 * u.fractionOfGemmAtPrecision,
                                r.settings.get("precision")));
        out.printf(Locale.ROOT, "  %-40s %7s %9s %6s %9s %9s%n", "layer type", "calls", "s/step", "%", "GFLOP", "GFLOP/s");
        for (Part p : u.breakdown) {
            out.printf(Locale.ROOT, "  %-40s %7d %9.3f %5.1f%% %9.1f %9s%n", p.kind, p.callsPerStep, p.secondsPerStep, p.percent,
                    p.gflopPerStep, p.gflops == null ? "-" : String.format(Locale.ROOT, "%.0f", p.gflops));
        }
        if (r.vae != null) {
            var v = r.vae;
            out.printf(Locale.ROOT, "vae decode %.3f s for one %sx%s image (%s%s; warm-up %.3f s; %.1f M parameters)%n",
                    v.medianDecodeSeconds, r.settings.get("size"), r.settings.get("size"), v.precision, v.tiled ? ", tiled" : "",
                    v.warmupSeconds, v.parameters / 1e6);
        }
        if (r.moa != null) {
            var mo = r.moa;
            out.printf(Locale.ROOT, "moa        %.1f M parameters + image encoder %.1f M (built in %.1f s); one photo through"
                    + " the image encoder %.3f s%n", mo.moaParameters / 1e6, mo.imageEncoderParameters / 1e6, mo.buildSeconds,
                    mo.imageEncoderSeconds);
            for (var run : mo.runs) {
                out.printf(Locale.ROOT, "moa step   %d subject(s): median %.3f s = %.2fx the base step (warm-up %.3f s)%n",
                        run.subjects, run.medianStepSeconds, run.ratioToBase, run.warmupSeconds);
                for (Part p : run.breakdown) {
                    out.printf(Locale.ROOT, "  %-40s %7d %9.3f %5.1f%%%n", p.kind, p.callsPerStep, p.secondsPerStep, p.percent);
                }
            }
            out.printf(Locale.ROOT, "moa memory peak RSS %.2f GiB during the MoA steps (UNet + MoA + image encoder resident)%n",
                    gib(mo.peakRssBytes));
        }
        var mem = r.memory;
        out.printf(Locale.ROOT, "memory     peak RSS %.2f GiB (after UNet build %.2f, UNet steps %.2f, VAE %.2f)%s; Java heap peak %.2f of %.2f GiB%n",
                gib(mem.peakRssBytes), gib(mem.peakRssBuildBytes), gib(mem.peakRssUnetBytes), gib(mem.peakRssVaeBytes),
                mem.peakResetSupported ? "" : " (peaks not resettable: cumulative)", gib(mem.heapPeakBytes), gib(mem.heapMaxBytes));
    }

    private static double gib(long b) {
        return b / (double) (1L << 30);
    }
}
