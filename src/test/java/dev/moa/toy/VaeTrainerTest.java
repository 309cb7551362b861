package dev.moa.toy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.moa.cli.CliAccess;
import dev.moa.io.Json;
import dev.moa.models.AutoencoderKL;
import dev.moa.models.VaeConfig;
import dev.moa.tensor.Grads;
import dev.moa.train.BaseTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train-vae on a tiny configuration: gradients reach every weight, loss falls, resume is exact, the folder loads. */
class VaeTrainerTest {
    @TempDir
    Path dir;

    static final VaeConfig TINY = new VaeConfig(3, 3, 4, new int[] {16, 16, 32}, 1, 16, 1.0, true, true, true, 64);

    static BaseTrainer.Settings settings(int steps) {
        return new BaseTrainer.Settings(steps, 2, 2e-3, 0.0, 2, 1.0, 3, 2, 0, 5);
    }

    @Test
    void encoderAndDecoderKeepTheGraphForEveryWeight() throws Exception {
        try (VaeTrainer t = new VaeTrainer(TINY, new VaeTrainer.Loss(0.5, 1e-6, 0), settings(1), dir)) {
            try (NDManager m = t.parameters().values().iterator().next().getManager().newSubManager()) {
                NDArray x = m.randomUniform(-1, 1, new Shape(2, 3, 32, 32));
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    AutoencoderKL.LatentDist d = t.vae().encode(x);
                    // the encoder alone (mean and log-variance) and the decoder
                    NDArray loss = d.mean().square().mean().add(d.std().mean()).add(t.vae().decode(d.mean()).mean());
                    gc.backward(loss);
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
                assertEquals(List.of(), none, "weights without gradient");
            }
        }
    }

    @Test
    void lossFallsAndResumeIsExact() throws Exception {
        VaeTrainer.Loss loss = new VaeTrainer.Loss(0.5, 1e-6, 32);
        Path straight = dir.resolve("straight");
        List<Double> a = new ArrayList<>();
        Map<String, float[]> wa = new HashMap<>();
        double before, after;
        try (VaeTrainer t = new VaeTrainer(TINY, loss, settings(12), straight)) {
            before = t.evaluate(0)[1];
            for (int i = 0; i < 12; i++) {
                a.add(t.trainStep().loss());
            }
            after = t.evaluate(0)[1];
            t.parameters().forEach((k, v) -> wa.put(k, v.toFloatArray()));
        }
        System.out.printf("vae l1 on batch 0: %.4f -> %.4f%n", before, after);
        assertTrue(after < 0.9 * before, "L1 should fall: " + before + " -> " + after);

        Path split = dir.resolve("split");
        List<Double> b = new ArrayList<>();
        try (VaeTrainer t = new VaeTrainer(TINY, loss, settings(12), split)) {
            for (int i = 0; i < 7; i++) {
                b.add(t.trainStep().loss());
            }
            t.saveCheckpoint();
            t.trainStep();   // past the checkpoint: must be discarded by the resume
        }
        try (VaeTrainer t = new VaeTrainer(TINY, loss, settings(12), split)) {
            t.resume(null);
            assertEquals(7, t.step());
            for (int i = 0; i < 5; i++) {
                b.add(t.trainStep().loss());
            }
            for (Map.Entry<String, NDArray> e : t.parameters().entrySet()) {
                assertArrayEquals(wa.get(e.getKey()), e.getValue().toFloatArray(), e.getKey());
            }
        }
        assertEquals(a, b, "same losses as the uninterrupted run");
        assertEquals(13, Files.readAllLines(split.resolve("losses.csv")).size(), "each step logged once");
    }

    @Test
    void commandWritesALoadableFolderAndRefusesBadFlags() throws Exception {
        Path out = dir.resolve("run");
        String[] base = {"train-vae", "--output", out.toString(), "--channels", "16,16,32", "--norm-groups", "16",
            "--save-every", "2", "--keep", "1", "--sample-every", "2", "--scale-pictures", "8",
            "--eval-pictures", "4", "--warmup", "1", "--crop", "32"};
        CliAccess.Result r = CliAccess.run(concat(base, "--steps", "3", "--batch", "2"));
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains("vae step 3/3  loss "), r.err());
        assertTrue(r.err().contains("s/step  ETA"), r.err());
        try (Stream<Path> s = Files.list(out.resolve("checkpoints"))) {
            assertEquals(List.of("step-0000003"), s.map(p -> p.getFileName().toString()).toList());
        }
        assertTrue(Files.exists(out.resolve("losses.png")) && Files.exists(out.resolve("samples/step-0000002.png")));
        double scale = Json.read(out.resolve("vae/config.json")).get("scaling_factor").getAsDouble();
        assertTrue(scale > 0 && scale != 1.0, "scaling factor " + scale);
        assertTrue(Json.read(out.resolve("vae_eval.json")).get("held_out_psnr_db").getAsDouble() > 5);
        try (NDManager m = NDManager.newBaseManager()) {
            AutoencoderKL vae = AutoencoderKL.load(out.resolve("vae"), m);
            assertEquals(scale, vae.config().scalingFactor(), 1e-12);
            assertEquals(4, vae.config().downFactor());
        }
        // starting over needs --resume; a resume continues
        r = CliAccess.run(concat(base, "--steps", "4", "--batch", "2"));
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("--resume"), r.err());
        r = CliAccess.run(concat(base, "--steps", "4", "--resume", "--batch", "2"));
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains("resumed at step 3"), r.err());
        // a resume with another batch size is refused in one line
        r = CliAccess.run(concat(base, "--steps", "5", "--resume", "--batch", "4"));
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("--batch 2") && r.err().lines().count() <= 2, r.err());
        // bad flags
        r = CliAccess.run("train-vae", "--output", dir.resolve("x").toString(), "--steps", "0");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--steps must be >= 1"), r.err());
        r = CliAccess.run("train-vae", "--output", dir.resolve("x").toString(), "--channels", "30");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("multiples of --norm-groups"), r.err());
        r = CliAccess.run("train-vae", "--output", dir.resolve("x").toString(), "--crop", "20");
        assertEquals(2, r.code());
    }

    static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
