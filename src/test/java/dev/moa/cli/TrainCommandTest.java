package dev.moa.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moa.image.Images;
import dev.moa.io.SafetensorsFile;
import dev.moa.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** make-synthetic-data, moa-init, train and resume through the CLI, and generating with the result. */
class TrainCommandTest {
    @TempDir
    Path dir;

    static final String TINY = Fixtures.path("models/tiny-sd").toString();
    static final String ENCODER = Fixtures.path("models/tiny-sd/image_encoder").toString();

    private String[] train(Path data, Path out, int steps, String... extra) {
        List<String> a = new java.util.ArrayList<>(List.of("train", "--base", TINY, "--image-encoder", ENCODER, "--data",
                data.toString(), "--output", out.toString(), "--steps", Integer.toString(steps), "--batch", "2",
                "--resolution", "32", "--save-every", "2", "--validate-every", "0", "--warmup", "1", "--grad-accum", "2"));
        a.addAll(List.of(extra));
        return a.toArray(new String[0]);
    }

    @Test
    void trainResumeAndGenerate() throws Exception {
        Path data = dir.resolve("synthetic");
        CliRunner.Result r = CliRunner.run("make-synthetic-data", "--output", data.toString(), "--count", "12",
                "--resolution", "48", "--subjects", "3");
        assertEquals(0, r.code(), r.toString());
        assertTrue(Files.exists(data.resolve("image_ids_train.txt")));

        Path init = dir.resolve("init");
        r = CliRunner.run("moa-init", "--base", TINY, "--image-encoder", ENCODER, "--output", init.toString(),
                "--router-hidden", "16", "--time-embed", "32", "--layer-embed", "16");
        assertEquals(0, r.code(), r.toString());

        Path out = dir.resolve("run");
        r = CliRunner.run(train(data, out, 4, "--moa", init.toString()));
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains("step 4/4  loss "), r.err());
        assertTrue(Files.exists(out.resolve("checkpoints/step-0000004/optimizer.safetensors")));
        assertTrue(Images.read(out.resolve("losses.png")).height() > 300);
        assertEquals(5, Files.readAllLines(out.resolve("losses.csv")).size());

        // starting over an existing run needs --resume
        r = CliRunner.run(train(data, out, 6, "--moa", init.toString()));
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("--resume"), r.err());

        r = CliRunner.run(train(data, out, 6, "--resume"));
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains("resumed at step 4"), r.err());
        assertEquals(7, Files.readAllLines(out.resolve("losses.csv")).size());

        // continued in mixed precision: the fp32 masters of the checkpoint, the base in bf16
        r = CliRunner.run(train(data, out, 7, "--resume", "--precision", "bf16"));
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains("resumed at step 6") && r.err().contains("step 7/7  loss "), r.err());
        // continued with T2I-Adapter's cubic timestep draws; the checkpoint records the choice
        r = CliRunner.run(train(data, out, 8, "--resume", "--timesteps", "cubic"));
        assertEquals(0, r.code(), r.toString());
        assertTrue(Files.readString(out.resolve("checkpoints/step-0000008/trainer_state.json")).contains("\"CUBIC\""));
        r = CliRunner.run(train(data, out, 9, "--resume", "--router-loss-weight", "0"));
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("keeps the loss weights of its checkpoint"), r.err());
        // a new run with the paper's no-router-loss ablation: the weights go into the checkpoint's config
        Path ablation = dir.resolve("no-router-loss");
        r = CliRunner.run(train(data, ablation, 1, "--moa", init.toString(), "--router-loss-weight", "0",
                "--object-loss-weight", "0.01"));
        assertEquals(0, r.code(), r.toString());
        String config = Files.readString(ablation.resolve("checkpoints/step-0000001/moa_config.json"));
        assertTrue(config.contains("\"lambda_router\": 0.0") && config.contains("\"lambda_object\": 0.01"), config);
        // the personalized-only baseline: the router stays as initialised, the personalized experts train
        Path personal = dir.resolve("personal-only");
        r = CliRunner.run(train(data, personal, 2, "--moa", init.toString(), "--route", "personal"));
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains("loss weights: router 0.0"), r.err());
        try (SafetensorsFile before = SafetensorsFile.open(init.resolve("moa.safetensors"));
                SafetensorsFile after = SafetensorsFile.open(personal.resolve("checkpoints/step-0000002/moa.safetensors"))) {
            int routers = 0, personals = 0;
            for (String k : before.keys()) {
                boolean same = java.util.Arrays.equals(before.floats(k), after.floats(k));
                if (k.contains(".router.")) {
                    assertTrue(same, k + " is a router weight: not trained on route personal");
                    routers++;
                } else if (k.contains(".personal.") && !same) {
                    personals++;
                }
            }
            assertTrue(routers > 0 && personals > 0, routers + " routers, " + personals + " personalized weights changed");
        }
        r = CliRunner.run(train(data, personal, 3, "--resume"));
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("trained with route personal") && r.err().contains("--route personal"), r.err());
        r = CliRunner.run(train(data, personal, 3, "--resume", "--route", "personal", "--router-loss-warmup", "5"));
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--router-loss-warmup does not apply"), r.err());
        r = CliRunner.run(train(data, dir.resolve("bad-ramp"), 1, "--router-loss-warmup", "-1"));
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--router-loss-warmup must be >= 0, got -1"), r.err());
        r = CliRunner.run(train(data, dir.resolve("bad-route"), 1, "--route", "prior"));
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("prior is the frozen base model"), r.err());
        r = CliRunner.run(train(data, dir.resolve("bad-t"), 2, "--timesteps", "quadratic"));
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--timesteps") && r.err().contains("use uniform or cubic"), r.err());
        r = CliRunner.run(train(data, dir.resolve("fp16"), 2, "--precision", "fp16"));
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("not supported for training"), r.err());

        // the trained weights generate
        Path img = dir.resolve("out.png");
        String ref = data.resolve("subjects").toFile().listFiles((d, n) -> n.endsWith(".png"))[0].toString();
        r = CliRunner.run("generate", "--model", TINY, "--moa", out.toString(), "--prompt", "a photo of a disc",
                "--subject", "disc=" + ref, "--steps", "2", "-q", "-o", img.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(Files.exists(img));
    }
}
