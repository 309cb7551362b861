package dev.moa.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import dev.moa.image.RgbImage;
import dev.moa.moa.MoaAdapter;
import dev.moa.moa.SubjectEncoder;
import dev.moa.pipeline.StableDiffusion;
import dev.moa.testing.Fixtures;
import dev.moa.train.data.PreprocessOptions;
import dev.moa.train.data.SyntheticDataset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainer on the tiny model: losses fall, resume is exact, checkpoints rotate, memory stays put. */
class MoaTrainerTest {
    static StableDiffusion sd;
    static SubjectEncoder encoder;

    @TempDir
    Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        sd = StableDiffusion.load(Fixtures.path("models/tiny-sd"));
        encoder = SubjectEncoder.load(Fixtures.path("models/tiny-sd/image_encoder"), sd.manager());
    }

    @AfterAll
    static void tearDown() {
        MoaAdapter.uninstall(sd.unet());
        sd.close();
    }

    static Path syntheticSet;

    /** A small synthetic FFHQ-wild set (make-synthetic-data), read back through the real data pipeline. */
    private LoaderBatches data(int batch) throws Exception {
        if (syntheticSet == null) {
            syntheticSet = Files.createTempDirectory("moa-synthetic");
            SyntheticDataset.generate(syntheticSet, 24, 5, SyntheticDataset.Options.defaults().withResolution(48)
                    .withIdentities(4).withThreads(1));
        }
        PreprocessOptions o = PreprocessOptions.training().withResolution(32);
        return LoaderBatches.open(syntheticSet, sd.tokenizer(), encoder.processor(), o, batch, 9);
    }

    private MoaAdapter freshMoa() throws Exception {
        return MoaAdapter.create(MoaAdapter.configFor(sd.unet(), 32, 16, 32, 16), sd.unet(), sd.manager(), 3);
    }

    private static TrainSettings settings(int steps) {
        return TrainSettings.defaults().withSteps(steps).withLr(1e-3, 1e-2).withSchedule(2, 3, 2, 0, 1).withSeed(11);
    }

    @Test
    void lossesFallOnASmallSet() throws Exception {
        try (LoaderBatches d = data(2); MoaTrainer t = MoaTrainer.start(sd, encoder, freshMoa(), settings(30), d, dir)) {
            // the same batches, noise and timesteps before and after: the losses on them must fall
            double[] before = new double[4];
            for (int i = 0; i < 2; i++) {
                double[] l = t.evaluate(i);
                for (int k = 0; k < 4; k++) {
                    before[k] += l[k] / 2;
                }
            }
            t.train(TrainingListener.NONE);
            double[] after = new double[4];
            for (int i = 0; i < 2; i++) {
                double[] l = t.evaluate(i);
                for (int k = 0; k < 4; k++) {
                    after[k] += l[k] / 2;
                }
            }
            System.out.printf("training losses before/after 30 steps: total %.4f -> %.4f, diffusion %.4f -> %.4f,"
                    + " router %.4f -> %.4f%n", before[0], after[0], before[1], after[1], before[2], after[2]);
            assertTrue(after[0] < before[0], "total loss should fall");
            assertTrue(after[2] < 0.5 * before[2], "the router should learn to send the background to the prior");
        }
        // log and rotated checkpoints
        List<String> log = Files.readAllLines(dir.resolve("losses.csv"));
        assertEquals(31, log.size());
        assertTrue(log.get(0).startsWith("step,loss,diffusion,router,object"));
        try (Stream<Path> s = Files.list(dir.resolve("checkpoints"))) {
            assertEquals(List.of("step-0000027", "step-0000030"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertTrue(Files.exists(dir.resolve("moa.safetensors")) && Files.exists(dir.resolve("moa_config.json")));
    }

    @Test
    void routerLossRampsIn() throws Exception {
        // lambda_router x step / 3: step 0 trains without the router loss, step 3 on with the full weight; the
        // logged total is diffusion + factor x lambda_router x router + lambda_object x object of the same forward
        TrainSettings s = settings(5).withRouterLossWarmup(3);
        assertEquals(0.0, s.routerLossFactor(0));
        assertEquals(2 / 3.0, s.routerLossFactor(2), 1e-12);
        assertEquals(1.0, s.routerLossFactor(3));
        assertEquals(1.0, settings(5).routerLossFactor(0), "0 = the spec's constant weight");
        try (LoaderBatches d = data(2); MoaTrainer t = MoaTrainer.start(sd, encoder, freshMoa(), s, d, dir)) {
            double lo = t.moa().config().lambdaObject();
            double lr = t.moa().config().lambdaRouter();
            for (int i = 0; i < 5; i++) {
                StepStats st = t.trainStep();
                double expect = st.diffusion() + s.routerLossFactor(i) * lr * st.router() + lo * st.object();
                assertTrue(st.router() > 1e-4, "the router term is measured at every step: " + st.router());
                // float32 sums of three terms of ~0.1: 1e-6 relative is a few ulps
                assertEquals(expect, st.total(), 1e-6 * Math.max(1, Math.abs(expect)), "step " + i);
            }
            t.saveCheckpoint();
        }
        // a resume must keep the ramp (it is part of the schedule the checkpoint was trained on)
        try (LoaderBatches d = data(2)) {
            IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                    () -> MoaTrainer.resume(sd, encoder, settings(6), d, dir, null));
            assertTrue(e.getMessage().contains("--router-loss-warmup 3"), e.getMessage());
        }
    }

    @Test
    void resumeContinuesExactly() throws Exception {
        LoaderBatches d = data(2);
        Path straight = dir.resolve("straight");
        List<Double> a = new ArrayList<>();
        Map<String, float[]> wa = new java.util.HashMap<>();
        try (MoaTrainer t = MoaTrainer.start(sd, encoder, freshMoa(), settings(6), d, straight)) {
            for (int i = 0; i < 6; i++) {
                a.add(t.trainStep().total());
            }
            t.moa().parameters().forEach((k, v) -> wa.put(k, v.toFloatArray()));
        }
        Path split = dir.resolve("split");
        List<Double> b = new ArrayList<>();
        try (MoaTrainer t = MoaTrainer.start(sd, encoder, freshMoa(), settings(6), d, split)) {
            for (int i = 0; i < 3; i++) {
                b.add(t.trainStep().total());
            }
            t.saveCheckpoint();
            // keep training past the checkpoint: the resume must discard these steps
            t.trainStep();
        }
        try (MoaTrainer t = MoaTrainer.resume(sd, encoder, settings(6), d, split, null)) {
            assertEquals(3, t.step());
            for (int i = 0; i < 3; i++) {
                b.add(t.trainStep().total());
            }
            System.out.println("straight " + a + "\nresumed  " + b);
            for (Map.Entry<String, NDArray> e : t.moa().parameters().entrySet()) {
                assertArrayEquals(wa.get(e.getKey()), e.getValue().toFloatArray(), e.getKey());
            }
        }
        d.close();
        assertEquals(a, b, "same losses as the uninterrupted run");
        assertEquals(7, Files.readAllLines(split.resolve("losses.csv")).size(), "the log has each step once");
    }

    @Test
    void stepsDoNotLeakArraysIntoTheModelManager() throws Exception {
        try (LoaderBatches d = data(2); MoaTrainer t = MoaTrainer.start(sd, encoder, freshMoa(), settings(4), d, dir)) {
            t.trainStep();
            int before = sd.manager().getManagedArrays().size();
            t.trainStep();
            t.trainStep();
            assertEquals(before, sd.manager().getManagedArrays().size());
        }
    }

    @Test
    void validationSheet() throws Exception {
        try (LoaderBatches d = data(2); MoaTrainer t = MoaTrainer.start(sd, encoder, freshMoa(), settings(1), d, dir)) {
            Path sheet = t.validate();
            assertTrue(Files.size(sheet) > 1000);
            RgbImage img = dev.moa.image.Images.read(sheet);
            assertTrue(img.width() >= 4 * 128 && img.height() >= 2 * 128, img.width() + "x" + img.height());
        }
    }
}
