package dev.moa.toy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.moa.cli.CliAccess;
import dev.moa.image.Images;
import dev.moa.io.SafetensorsFile;
import dev.moa.models.UNetConfig;
import dev.moa.pipeline.StableDiffusion;
import dev.moa.tensor.Grads;
import dev.moa.testing.Fixtures;
import dev.moa.train.BaseTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * train-unet on a tiny configuration over tiny-sd's VAE and text tower: gradients reach every weight, loss falls,
 * resume is exact (weights and EMA), the run folder loads as a pipeline, --init fine-tunes, bad inputs fail clearly.
 */
class UNetTrainerTest {
    @TempDir
    Path dir;

    static final Path VAE = Fixtures.path("models/tiny-sd/vae");
    static final Path TEXT = Fixtures.path("models/tiny-sd/text_encoder");
    static final Path TOKENIZER = Fixtures.path("models/tiny-sd/tokenizer");
    static final UNetConfig TINY = UNetTrainer.config(new int[] {32, 32}, 1, 2, 4, 32);
    static final UNetTrainer.Diffusion DIFFUSION = new UNetTrainer.Diffusion(0.1, 5, 0.999);

    static BaseTrainer.Settings settings(int steps) {
        return new BaseTrainer.Settings(steps, 4, 2e-3, 0.01, 2, 1.0, 3, 2, 0, 5);
    }

    private UNetTrainer trainer(int steps, Path out) throws Exception {
        return new UNetTrainer(TINY, DIFFUSION, VAE, TEXT, TOKENIZER, null, settings(steps), out);
    }

    @Test
    void emaDecayFollowsDiffusersWarmUp() {
        assertEquals(0.0, UNetTrainer.emaDecay(1, 0.999));
        assertEquals(2.0 / 11, UNetTrainer.emaDecay(2, 0.999), 1e-12);
        assertEquals(0.999, UNetTrainer.emaDecay(100_000, 0.999));
    }

    @Test
    void descriptionCaptionsReplaceAShareOfClassCaptions() throws Exception {
        // batch 4 x 50 steps = 200 captions: about 10 % empty, and half of the rest full descriptions
        UNetTrainer.Diffusion half = new UNetTrainer.Diffusion(0.1, 5, 0.999, 0.5);
        int empty = 0, described = 0, named = 0;
        try (UNetTrainer t = new UNetTrainer(TINY, half, VAE, TEXT, TOKENIZER, null, settings(1), dir);
                UNetTrainer plain = trainer(1, dir.resolve("plain"))) {
            for (int i = 0; i < 50; i++) {
                List<String> caps = t.prepare(i).captions();
                List<String> classOnly = plain.prepare(i).captions();
                for (int k = 0; k < caps.size(); k++) {
                    String c = caps.get(k);
                    // the same pictures and the same dropped captions as without descriptions
                    assertEquals(classOnly.get(k).isEmpty(), c.isEmpty(), c);
                    if (c.isEmpty()) {
                        empty++;
                    } else if (c.equals(classOnly.get(k))) {
                        named++;
                        assertTrue(c.matches("a photo of an? \\w+ .*"), c);
                    } else {
                        described++;
                        assertTrue(c.startsWith("a photo of a ") && c.length() > classOnly.get(k).length()
                                && c.contains(classOnly.get(k).substring("a photo of a ".length())), c + " / " + classOnly.get(k));
                    }
                }
            }
        }
        assertTrue(empty >= 8 && empty <= 35, "empty " + empty);
        // binomial(~180, 0.5): 4 standard deviations either side
        assertTrue(described >= 63 && described <= 117 && named >= 63 && named <= 117, described + " described, " + named + " named");
    }

    @Test
    void everyWeightGetsAGradient() throws Exception {
        try (UNetTrainer t = trainer(1, dir)) {
            NDManager root = t.parameters().values().iterator().next().getManager();
            try (NDManager m = root.newSubManager()) {
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    gc.backward(t.forward(t.prepare(0), 0, m)[0]);
                }
                List<String> none = new ArrayList<>();
                for (Map.Entry<String, NDArray> e : t.parameters().entrySet()) {
                    NDArray g = e.getValue().getGradient();
                    if (g.abs().sum().getFloat() == 0) {
                        none.add(e.getKey());
                    }
                    g.close();
                    Grads.zero(e.getValue());
                }
                assertEquals(List.of(), none);
            }
        }
    }

    @Test
    void lossFallsAndResumeIsExact() throws Exception {
        Path straight = dir.resolve("straight");
        List<Double> a = new ArrayList<>();
        Map<String, float[]> wa = new HashMap<>(), ea = new HashMap<>();
        double before, after;
        try (UNetTrainer t = trainer(14, straight)) {
            before = t.evaluate(0)[1];
            for (int i = 0; i < 14; i++) {
                a.add(t.trainStep().loss());
            }
            after = t.evaluate(0)[1];
            // the sample grid: one row per prompt, one picture per seed (small here: the run's grid is 6 x 6 x 25 steps)
            var grid = t.sampleGrid(UNetTrainer.samplePrompts().subList(0, 2), 2, 2, 5.0);
            assertTrue(grid.width() > 2 * 128 && grid.height() > 2 * 128, grid.width() + "x" + grid.height());
            t.parameters().forEach((k, v) -> wa.put(k, v.toFloatArray()));
            t.ema().forEach((k, v) -> ea.put(k, v.toFloatArray()));
        }
        System.out.printf("unet mse on batch 0: %.4f -> %.4f%n", before, after);
        assertTrue(after < 0.9 * before, "loss should fall: " + before + " -> " + after);
        Path split = dir.resolve("split");
        List<Double> b = new ArrayList<>();
        try (UNetTrainer t = trainer(14, split)) {
            for (int i = 0; i < 8; i++) {
                b.add(t.trainStep().loss());
            }
            t.saveCheckpoint();
            t.trainStep();
        }
        try (UNetTrainer t = trainer(14, split)) {
            t.resume(null);
            for (int i = 0; i < 6; i++) {
                b.add(t.trainStep().loss());
            }
            for (String k : wa.keySet()) {
                assertArrayEquals(wa.get(k), t.parameters().get(k).toFloatArray(), k);
                assertArrayEquals(ea.get(k), t.ema().get(k).toFloatArray(), "ema " + k);
            }
        }
        assertEquals(a, b, "same losses as the uninterrupted run");
    }

    @Test
    void commandWritesAPipelineAndInitFineTunes() throws Exception {
        Path out = dir.resolve("run");
        CliAccess.Result r = CliAccess.run("train-unet", "--output", out.toString(), "--vae", VAE.toString(),
                "--text-encoder", TEXT.toString(), "--tokenizer", TOKENIZER.toString(), "--channels", "32,32",
                "--layers-per-block", "1", "--heads", "2", "--batch", "2", "--steps", "2", "--save-every", "2",
                "--sample-every", "0");   // the grid (6 prompts x 6 seeds x 25 steps) is tested small in lossFalls...
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains("unet step 2/2  loss "), r.err());
        try (StableDiffusion sd = StableDiffusion.load(out)) {
            assertEquals(32, sd.unet().config().crossAttentionDim());
        }
        // --init: the fine-tune starts from the shipped (EMA) weights
        Path tuned = dir.resolve("tuned");
        r = CliAccess.run("train-unet", "--output", tuned.toString(), "--vae", VAE.toString(), "--text-encoder",
                TEXT.toString(), "--tokenizer", TOKENIZER.toString(), "--init", out.toString(), "--batch", "2",
                "--steps", "1", "--sample-every", "0", "--lr", "1e-12", "--warmup", "0");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains("from " + out), r.err());
        try (SafetensorsFile x = SafetensorsFile.open(out.resolve("unet/diffusion_pytorch_model.safetensors"));
                SafetensorsFile y = SafetensorsFile.open(tuned.resolve("checkpoints/step-0000001/params.safetensors"));
                NDManager m = NDManager.newBaseManager()) {
            String k = "conv_in.weight";
            assertArrayEquals(x.load(k, m).toFloatArray(), y.load(k, m).toFloatArray(), 1e-6f);
        }
        // bad inputs: one clear line each
        r = CliAccess.run("train-unet", "--output", dir.resolve("x").toString(), "--vae", dir.toString(),
                "--text-encoder", TEXT.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("not a model folder") && r.err().lines().count() == 1, r.err());
        r = CliAccess.run("train-unet", "--output", dir.resolve("x").toString(), "--vae", VAE.toString(),
                "--text-encoder", TEXT.toString(), "--tokenizer", TOKENIZER.toString(), "--init", dir.resolve("nothing").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().lines().count() == 1, r.err());
        r = CliAccess.run("train-unet", "--output", dir.resolve("x").toString(), "--vae", VAE.toString(),
                "--text-encoder", TEXT.toString(), "--snr-gamma", "-1");
        assertEquals(2, r.code());
    }
}
