package dev.moa.bench;

import ai.djl.ndarray.NDManager;
import dev.moa.image.ClipImageProcessor;
import dev.moa.io.Weights;
import dev.moa.models.AutoencoderKL;
import dev.moa.models.ClipConfig;
import dev.moa.models.ClipTextModel;
import dev.moa.models.ClipVisionModel;
import dev.moa.models.UNet2DConditionModel;
import dev.moa.models.UNetConfig;
import dev.moa.models.VaeConfig;
import dev.moa.moa.MoaAdapter;
import dev.moa.moa.MoaConfig;
import dev.moa.moa.SubjectEncoder;
import dev.moa.moa.SubjectPrompt;
import dev.moa.pipeline.StableDiffusion;
import dev.moa.schedulers.Schedulers;
import dev.moa.tensor.TorchGenerator;
import dev.moa.text.ClipTokenizer;
import dev.moa.train.BatchSource;
import dev.moa.train.Memory;
import dev.moa.train.MoaTrainer;
import dev.moa.train.StepStats;
import dev.moa.train.TrainSettings;
import dev.moa.train.data.SubjectSample;
import dev.moa.train.data.TrainingExample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * MoA training at full size: SD 1.5's UNet, VAE and CLIP ViT-L/14 text encoder plus a ViT-L/14 image encoder,
 * all with random weights, a fresh MoA checkpoint, and the real trainer ({@link MoaTrainer}) on random
 * batches with one subject per image: seconds per optimizer step (VAE encode, encoders, forward, backward,
 * clipping, AdamW) and peak memory.
 */
public final class TrainBench {
    private TrainBench() {}

    /** Results; public fields so they serialize to JSON as they are. */
    public static final class Report {
        public Machine.Info machine;
        public int size;
        public int batch;
        public String precision;
        public long moaParameters;
        public double buildSeconds;
        public double[] stepSeconds;
        public double medianStepSeconds;
        public long peakRssBytes;
        public long rssAfterStepsBytes;
    }

    public static Report run(int size, int batch, int steps, int warmup, Consumer<String> log) throws IOException {
        return run(size, batch, steps, warmup, dev.moa.tensor.Precision.FP32, log);
    }

    /**
     * @param precision fp32, or bf16 as {@code moa train --precision bf16} trains: the UNet and VAE compute in bf16,
     *     MoA with casts of its fp32 masters
     */
    public static Report run(int size, int batch, int steps, int warmup, dev.moa.tensor.Precision precision,
            Consumer<String> log) throws IOException {
        Report r = new Report();
        r.precision = precision.name().toLowerCase(java.util.Locale.ROOT);
        r.machine = Machine.info();
        r.size = size;
        r.batch = batch;
        long t0 = System.nanoTime();
        NDManager m = dev.moa.tensor.Devices.newManager();
        Path out = Files.createTempDirectory("moa-train-bench");
        try {
            log.accept("building SD 1.5 UNet, VAE, CLIP text and image encoders with random weights");
            ClipConfig text = new ClipConfig(768, 3072, 12, 12, "quick_gelu", 1e-5, 49408, 77, 49407, 224, 14, 768);
            ClipConfig vision = new ClipConfig(1024, 4096, 16, 24, "quick_gelu", 1e-5, 49408, 77, 49407, 224, 14, 768);
            UNet2DConditionModel unet = new UNet2DConditionModel(UNetConfig.sd15(), Weights.random("unet", m, 1, precision));
            AutoencoderKL vae = new AutoencoderKL(VaeConfig.sd15(), Weights.random("vae", m, 2,
                    StableDiffusion.vaePrecision(precision)));
            ClipTextModel te = new ClipTextModel(text, Weights.random("text_encoder", m, 3));
            ClipVisionModel ie = new ClipVisionModel(vision, Weights.random("image_encoder", m, 4));
            ClipTokenizer tok = ClipTokenizer.bundled();
            StableDiffusion sd = new StableDiffusion(out, "sd15-random", m, tok, te, unet, vae, Schedulers.sd15Config());
            SubjectEncoder enc = new SubjectEncoder(ie, ClipImageProcessor.defaults());
            MoaConfig c = MoaAdapter.configFor(unet, 768, 128, 128, 64);
            MoaAdapter moa = MoaAdapter.create(c, unet, m, 5);
            r.moaParameters = moa.parameters().values().stream().mapToLong(a -> a.getShape().size()).sum();
            r.buildSeconds = (System.nanoTime() - t0) / 1e9;
            BatchSource data = randomBatches(tok, size, batch);
            TrainSettings s = TrainSettings.defaults().withSteps(warmup + steps).withSchedule(1, 1_000_000, 1, 0, 1);
            List<Double> times = new ArrayList<>();
            try (MoaTrainer t = MoaTrainer.start(sd, enc, moa, s, data, out)) {
                for (int i = 0; i < warmup + steps; i++) {
                    StepStats st = t.trainStep();
                    log.accept(String.format("%s step %d: %.2f s, loss %.4f, rss %d MB", i < warmup ? "warm-up" : "timed",
                            i + 1, st.seconds(), st.total(), Memory.rssMb()));
                    if (i >= warmup) {
                        times.add(st.seconds());
                    }
                }
            }
            r.stepSeconds = times.stream().mapToDouble(d -> d).toArray();
            double[] sorted = r.stepSeconds.clone();
            Arrays.sort(sorted);
            r.medianStepSeconds = sorted[sorted.length / 2];
            r.peakRssBytes = Memory.peakRssMb() * 1024 * 1024;
            r.rssAfterStepsBytes = Memory.rssMb() * 1024 * 1024;
            return r;
        } finally {
            m.close();
            try (var w = Files.walk(out)) {
                w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Random pictures with one boxed subject "man", a random 224 px reference, the same batch every step. */
    static BatchSource randomBatches(ClipTokenizer tok, int size, int batch) {
        String caption = "a photo of a man in a park";
        int pos = SubjectPrompt.bind(tok, caption, List.of("man")).positions()[0];
        TorchGenerator g = new TorchGenerator(9);
        List<TrainingExample> examples = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            float[] image = g.randn(3 * size * size);
            float[] mask = new float[size * size];
            for (int y = size / 4; y < 3 * size / 4; y++) {
                Arrays.fill(mask, y * size + size / 4, y * size + 3 * size / 4, 1f);
            }
            float[] ref = g.randn(3 * 224 * 224);
            examples.add(new TrainingExample("random-" + b, image, size, caption, tok.encodePadded(caption),
                    List.of(new SubjectSample("man", pos, mask, ref, 0)), 224, false, false));
        }
        return new BatchSource() {
            @Override
            public List<TrainingExample> batch(long index) {
                return examples;
            }

            @Override
            public int batchSize() {
                return batch;
            }

            @Override
            public List<TrainingExample> validationSamples(int count) {
                return List.of();
            }
        };
    }
}
