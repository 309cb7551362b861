package dev.moa.bench;

import dev.moa.models.ClipConfig;
import dev.moa.models.ClipVisionModel;
import dev.moa.moa.MoaAdapter;
import dev.moa.moa.MoaCall;
import dev.moa.moa.MoaCapture;
import dev.moa.moa.MoaConfig;
import dev.moa.moa.MoaMode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.moa.io.Weights;
import dev.moa.models.AutoencoderKL;
import dev.moa.models.UNet2DConditionModel;
import dev.moa.models.UNetConfig;
import dev.moa.models.VaeConfig;
import dev.moa.nn.LayerProfile;
import dev.moa.pipeline.StableDiffusion;
import dev.moa.models.VaeTiling;
import dev.moa.tensor.Precision;
import dev.moa.tensor.TorchGenerator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The SD 1.5 benchmark: the full-size UNet and VAE with random weights (nothing to download), timed on
 * the shapes of real sampling: a UNet step on the classifier-free-guidance batch and one image's VAE
 * decode. Inputs are seeded, so every run computes the same thing.
 */
public final class DiffusionBench {
    private DiffusionBench() {}

    /** What to run; {@code unet} and {@code vae} are SD 1.5's for the real benchmark (tests use tiny ones). */
    public record Options(Precision precision, int steps, int warmup, int size, int batch, int vaeRuns,
            VaeTiling vaeTiling, int gemmSize, long seed, UNetConfig unet, VaeConfig vae, List<Integer> moaSubjects,
            ClipConfig imageEncoder) {
        public static Options defaults() {
            return new Options(Precision.FP32, 5, 2, 512, 2, 1, VaeTiling.AUTO, 4096, 0, UNetConfig.sd15(), VaeConfig.sd15(),
                    List.of(), vitL14());
        }

        /** Without MoA (the base benchmark). */
        public Options(Precision precision, int steps, int warmup, int size, int batch, int vaeRuns, VaeTiling vaeTiling,
                int gemmSize, long seed, UNetConfig unet, VaeConfig vae) {
            this(precision, steps, warmup, size, batch, vaeRuns, vaeTiling, gemmSize, seed, unet, vae, List.of(), vitL14());
        }

        /** The same with MoA timed after the base UNet, once per subject count. */
        public Options withMoa(List<Integer> subjects, ClipConfig encoder) {
            return new Options(precision, steps, warmup, size, batch, vaeRuns, vaeTiling, gemmSize, seed, unet, vae,
                    List.copyOf(subjects), encoder);
        }

        int latentSize() {
            return size / vae.downFactor();
        }
    }

    /** CLIP ViT-L/14's vision tower with projection (MoA's image encoder at SD 1.5 size). */
    public static ClipConfig vitL14() {
        return new ClipConfig(1024, 4096, 16, 24, "quick_gelu", 1e-5, 49408, 77, 49407, 224, 14, 768);
    }

    /** Everything measured; public fields so it serializes to JSON as is. */
    public static final class Report {
        public Machine.Info machine;
        public Map<String, Object> settings = new LinkedHashMap<>();
        public double gemmFp32Gflops;
        public Double gemmGflopsAtPrecision;       // null for fp32
        public Unet unet = new Unet();
        public Vae vae;                            // null with vaeRuns = 0
        public Memory memory = new Memory();
        public Moa moa;                            // null without --moa
    }

    /** MoA next to the base step: one entry per subject count, and the image encoder. */
    public static final class Moa {
        public long moaParameters;
        public long imageEncoderParameters;
        public double buildSeconds;
        public double imageEncoderSeconds;          // one reference photo through the ViT (median)
        public List<MoaRun> runs = new ArrayList<>();
        public long peakRssBytes;                   // UNet + MoA + image encoder resident, during the MoA steps
    }

    public static final class MoaRun {
        public int subjects;
        public double warmupSeconds;
        public double[] stepSeconds;
        public double medianStepSeconds;
        public double ratioToBase;
        public List<Part> breakdown = new ArrayList<>();
    }

    public static final class Unet {
        public long parameters;
        public double buildSeconds;
        public double gflopPerStep;
        public double warmupSeconds;
        public double[] stepSeconds;
        public double medianStepSeconds;
        public double achievedGflops;
        public double fractionOfFp32Gemm;
        public Double fractionOfGemmAtPrecision;   // null for fp32
        public List<Part> breakdown = new ArrayList<>();
    }

    /** One layer type's share of a UNet step (means over the timed steps). */
    public static final class Part {
        public String kind;
        public long callsPerStep;
        public double secondsPerStep;
        public double percent;
        public double gflopPerStep;
        public Double gflops;                      // null when no FLOPs are counted for the kind
    }

    public static final class Vae {
        public String precision;
        public boolean tiled;
        public long parameters;
        public double buildSeconds;
        public double warmupSeconds;
        public double[] decodeSeconds;
        public double medianDecodeSeconds;
    }

    public static final class Memory {
        public long peakRssBuildBytes;      // VmHWM after building the UNet (weights + JVM)
        public long peakRssUnetBytes;       // VmHWM during the UNet steps (reset before them)
        public long peakRssVaeBytes;        // VmHWM during the VAE runs (reset before them)
        public long peakRssBytes;           // the largest of the above
        public long heapPeakBytes;          // Java heap pools' peak usage over the whole run
        public long heapMaxBytes;
        public boolean peakResetSupported;
    }

    public static Report run(Options o, Consumer<String> log) {
        Report r = new Report();
        r.machine = Machine.info();
        r.settings.put("precision", o.precision().name().toLowerCase(java.util.Locale.ROOT));
        r.settings.put("size", o.size());
        r.settings.put("batch", o.batch());
        r.settings.put("latent", List.of(o.batch(), o.unet().inChannels(), o.latentSize(), o.latentSize()));
        r.settings.put("context", List.of(o.batch(), 77, o.unet().crossAttentionDim()));
        r.settings.put("steps", o.steps());
        r.settings.put("warmup", o.warmup());
        r.settings.put("vaeRuns", o.vaeRuns());
        r.settings.put("vaeTiling", o.vaeTiling().name().toLowerCase(java.util.Locale.ROOT));
        r.settings.put("gemmSize", o.gemmSize());
        r.settings.put("seed", o.seed());
        if (!o.moaSubjects().isEmpty()) {
            r.settings.put("moaSubjects", o.moaSubjects());
        }

        log.accept(String.format("gemm %d^3 fp32 ...", o.gemmSize()));
        r.gemmFp32Gflops = Machine.gemmGflops(o.gemmSize(), Precision.FP32, 5);
        if (o.precision() != Precision.FP32) {
            log.accept(String.format("gemm %d^3 %s ...", o.gemmSize(), o.precision()));
            r.gemmGflopsAtPrecision = Machine.gemmGflops(o.gemmSize(), o.precision(), 5);
        }

        try (NDManager root = dev.moa.tensor.Devices.newManager()) {
            UNet2DConditionModel unet = runUnet(o, r, root, log);
            if (!o.moaSubjects().isEmpty()) {
                runMoa(o, r, unet, root, log);
            }
        }
        if (o.vaeRuns() > 0) {
            try (NDManager root = dev.moa.tensor.Devices.newManager()) {
                runVae(o, r, root, log);
            }
        }
        Memory mem = r.memory;
        mem.peakRssBytes = Math.max(mem.peakRssBuildBytes, Math.max(mem.peakRssUnetBytes, mem.peakRssVaeBytes));
        mem.heapPeakBytes = Machine.heapPeakBytes();
        mem.heapMaxBytes = Runtime.getRuntime().maxMemory();
        return r;
    }

    private static UNet2DConditionModel runUnet(Options o, Report r, NDManager root, Consumer<String> log) {
        log.accept("building the UNet (random weights, " + o.precision() + ") ...");
        long t0 = System.nanoTime();
        Weights w = Weights.random("unet (random)", root, o.seed(), o.precision());
        UNet2DConditionModel unet = new UNet2DConditionModel(o.unet(), w);
        r.unet.buildSeconds = (System.nanoTime() - t0) / 1e9;
        r.unet.parameters = count(w);
        System.gc();
        r.memory.peakRssBuildBytes = Machine.procStatusBytes("VmHWM");
        r.memory.peakResetSupported = Machine.resetPeakRss();

        StepInputs in = StepInputs.of(o, root);

        for (int i = 0; i < o.warmup(); i++) {
            double s = step(unet, in, null, root);
            r.unet.warmupSeconds += s;
            log.accept(String.format("  warm-up %d: %.3f s", i + 1, s));
        }
        r.unet.stepSeconds = new double[o.steps()];
        LayerProfile prof = LayerProfile.start();
        double total = 0;
        try {
            for (int i = 0; i < o.steps(); i++) {
                double s = step(unet, in, null, root);
                r.unet.stepSeconds[i] = s;
                total += s;
                log.accept(String.format("  step %d: %.3f s", i + 1, s));
            }
        } finally {
            prof.stop();
        }
        r.memory.peakRssUnetBytes = Machine.procStatusBytes("VmHWM");
        Unet u = r.unet;
        int n = Math.max(1, o.steps());
        u.gflopPerStep = prof.totalFlops() / 1e9 / n;
        u.medianStepSeconds = Stats.median(u.stepSeconds);
        u.achievedGflops = u.gflopPerStep / u.medianStepSeconds;
        u.fractionOfFp32Gemm = u.achievedGflops / r.gemmFp32Gflops;
        if (r.gemmGflopsAtPrecision != null) {
            u.fractionOfGemmAtPrecision = u.achievedGflops / r.gemmGflopsAtPrecision;
        }
        u.breakdown.addAll(parts(prof, total, n));
        return unet;
    }

    private static List<Part> parts(LayerProfile prof, double total, int n) {
        List<Part> out = new ArrayList<>();
        Map<LayerProfile.Kind, Long> parts = prof.breakdown((long) (total * 1e9));
        for (Map.Entry<LayerProfile.Kind, Long> e : parts.entrySet()) {
            Part p = new Part();
            p.kind = e.getKey().label;
            p.callsPerStep = prof.calls(e.getKey()) / n;
            p.secondsPerStep = e.getValue() / 1e9 / n;
            p.percent = total > 0 ? 100.0 * e.getValue() / 1e9 / total : 0;
            p.gflopPerStep = prof.flops(e.getKey()) / 1e9 / n;
            p.gflops = p.gflopPerStep > 0 ? p.gflopPerStep / p.secondsPerStep : null;
            out.add(p);
        }
        return out;
    }

    /**
     * MoA on the same UNet (random personalized experts, routers and fuser, installed as processors), with the image
     * encoder (random ViT-L/14, fp32 as in generation) resident: one reference photo's embedding, then the guided step with 1, 2, ...
     * subjects (the conditional rows have subjects, the unconditional ones none, as in sampling).
     */
    private static void runMoa(Options o, Report r, UNet2DConditionModel unet, NDManager root, Consumer<String> log) {
        Moa mr = new Moa();
        r.moa = mr;
        log.accept("building MoA and the image encoder (random weights, " + o.precision() + ") ...");
        long t0 = System.nanoTime();
        MoaAdapter moa;
        ClipVisionModel encoder;
        try {
            MoaConfig c = MoaAdapter.configFor(unet, o.imageEncoder().projectionDim(), 128, 128, 64);
            moa = MoaAdapter.random(c, unet, root, o.seed() + 20);
            // fp32 whatever the UNet's precision, as SubjectEncoder loads it for generation
            Weights ew = Weights.random("image encoder (random)", root, o.seed() + 21, Precision.FP32);
            encoder = new ClipVisionModel(o.imageEncoder(), ew);
            mr.imageEncoderParameters = count(ew);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        mr.moaParameters = moa.parameters().values().stream().mapToLong(a -> a.getShape().size()).sum();
        mr.buildSeconds = (System.nanoTime() - t0) / 1e9;
        moa.install(unet);
        try {
            int side = o.imageEncoder().imageSize();
            NDArray px = new TorchGenerator(o.seed() + 4).randn(root, 1, 3, side, side);
            double[] enc = new double[3];
            for (int i = 0; i < enc.length; i++) {
                try (NDManager s = root.newSubManager()) {
                    px.tempAttach(s);
                    long e0 = System.nanoTime();
                    encoder.imageEmbeds(px).toFloatArray();
                    enc[i] = (System.nanoTime() - e0) / 1e9;
                }
            }
            mr.imageEncoderSeconds = Stats.median(enc);
            log.accept(String.format("  image encoder (one photo): %.3f s", mr.imageEncoderSeconds));
            Machine.resetPeakRss();
            StepInputs in = StepInputs.of(o, root);
            for (int subjects : o.moaSubjects()) {
                MoaRun run = new MoaRun();
                run.subjects = subjects;
                int di = o.imageEncoder().projectionDim();
                NDArray embeds = new TorchGenerator(o.seed() + 5).randn(root, o.batch(), subjects, di);
                int[][] positions = new int[o.batch()][subjects];
                for (int b = 0; b < o.batch(); b++) {
                    for (int k = 0; k < subjects; k++) {
                        // guidance: the first half of the rows is unconditional and has no subjects
                        positions[b][k] = o.batch() > 1 && b < o.batch() / 2 ? -1 : 2 + 3 * k;
                    }
                }
                for (int i = 0; i < o.warmup(); i++) {
                    double s = step(unet, in, () -> new MoaCall(MoaMode.MOA, moa.fuser(), in.context(), positions,
                            embeds, in.timesteps(), MoaCapture.nothing()), root, embeds);
                    run.warmupSeconds += s;
                    log.accept(String.format("  MoA, %d subject(s), warm-up %d: %.3f s", subjects, i + 1, s));
                }
                run.stepSeconds = new double[o.steps()];
                LayerProfile prof = LayerProfile.start();
                double total = 0;
                try {
                    for (int i = 0; i < o.steps(); i++) {
                        double s = step(unet, in, () -> new MoaCall(MoaMode.MOA, moa.fuser(), in.context(), positions,
                            embeds, in.timesteps(), MoaCapture.nothing()), root, embeds);
                        run.stepSeconds[i] = s;
                        total += s;
                        log.accept(String.format("  MoA, %d subject(s), step %d: %.3f s", subjects, i + 1, s));
                    }
                } finally {
                    prof.stop();
                }
                run.medianStepSeconds = Stats.median(run.stepSeconds);
                run.ratioToBase = run.medianStepSeconds / r.unet.medianStepSeconds;
                run.breakdown.addAll(parts(prof, total, Math.max(1, o.steps())));
                mr.runs.add(run);
                embeds.close();
            }
            mr.peakRssBytes = Machine.procStatusBytes("VmHWM");
        } finally {
            MoaAdapter.uninstall(unet);
        }
    }


    /** The seeded inputs of a guided UNet step: latents, timesteps (all 500) and a text context. */
    private record StepInputs(NDArray latents, float[] timesteps, NDArray t, NDArray context) {
        static StepInputs of(Options o, NDManager root) {
            int lat = o.latentSize();
            float[] ts = new float[o.batch()];
            java.util.Arrays.fill(ts, 500f);
            return new StepInputs(new TorchGenerator(o.seed() + 1).randn(root, o.batch(), o.unet().inChannels(), lat, lat),
                    ts, root.create(ts), new TorchGenerator(o.seed() + 2).randn(root, o.batch(), 77,
                            o.unet().crossAttentionDim()));
        }
    }

    /**
     * One timed UNet call in its own scope; {@code call} makes the step's MoA call (null: the base model), and
     * {@code pinned} are further long-lived inputs it uses.
     */
    private static double step(UNet2DConditionModel unet, StepInputs in, java.util.function.Supplier<MoaCall> call,
            NDManager root, NDArray... pinned) {
        try (NDManager s = root.newSubManager()) {
            in.latents().tempAttach(s);
            in.t().tempAttach(s);
            in.context().tempAttach(s);
            for (NDArray p : pinned) {
                p.tempAttach(s);
            }
            long t0 = System.nanoTime();
            unet.forward(in.latents(), in.t(), in.context(), call == null ? null : call.get());
            return (System.nanoTime() - t0) / 1e9;
        }
    }

    private static void runVae(Options o, Report r, NDManager root, Consumer<String> log) {
        Precision vp = StableDiffusion.vaePrecision(o.precision());
        log.accept("building the VAE (random weights, " + vp + ") ...");
        Vae v = new Vae();
        r.vae = v;
        v.precision = vp.name().toLowerCase(java.util.Locale.ROOT);
        long t0 = System.nanoTime();
        Weights w = Weights.random("vae (random)", root, o.seed() + 10, vp);
        VaeConfig cfg = o.vae();
        AutoencoderKL vae = new AutoencoderKL(cfg, w);
        v.buildSeconds = (System.nanoTime() - t0) / 1e9;
        v.parameters = count(w);
        int lat = o.latentSize();
        v.tiled = o.vaeTiling().applies(cfg, lat, lat);
        System.gc();
        Machine.resetPeakRss();
        NDArray z = new TorchGenerator(o.seed() + 3).randn(root, 1, cfg.latentChannels(), lat, lat);
        v.warmupSeconds = decode(vae, z, v.tiled, root);
        log.accept(String.format("  vae decode warm-up: %.3f s%s", v.warmupSeconds, v.tiled ? " (tiled)" : ""));
        v.decodeSeconds = new double[o.vaeRuns()];
        for (int i = 0; i < o.vaeRuns(); i++) {
            v.decodeSeconds[i] = decode(vae, z, v.tiled, root);
            log.accept(String.format("  vae decode %d: %.3f s", i + 1, v.decodeSeconds[i]));
        }
        v.medianDecodeSeconds = Stats.median(v.decodeSeconds);
        r.memory.peakRssVaeBytes = Machine.procStatusBytes("VmHWM");
    }

    private static double decode(AutoencoderKL vae, NDArray z, boolean tiled, NDManager root) {
        try (NDManager s = root.newSubManager()) {
            z.tempAttach(s);
            long t0 = System.nanoTime();
            if (tiled) {
                vae.tiledDecode(z);
            } else {
                vae.decode(z);
            }
            return (System.nanoTime() - t0) / 1e9;
        }
    }

    private static long count(Weights w) {
        long n = 0;
        for (NDArray a : w.taken().values()) {
            n += a.getShape().size();
        }
        return n;
    }
}
