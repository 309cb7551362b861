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
import com.google.gson.JsonObject;
import dev.moa.cli.CliAccess;
import dev.moa.models.ClipConfig;
import dev.moa.models.ClipTextModel;
import dev.moa.models.ClipVisionModel;
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

/** train-clip on a tiny configuration: gradients reach both towers, loss falls, resume is exact, the folders load. */
class ClipTrainerTest {
    @TempDir
    Path dir;

    static final Path TOKENIZER = Fixtures.path("models/tiny-sd/tokenizer");
    static final ClipConfig TEXT = new ClipConfig(32, 64, 2, 1, "quick_gelu", 1e-5, 49408, 77, 49407, 224, 32, 16);
    static final ClipConfig VISION = new ClipConfig(32, 64, 2, 1, "quick_gelu", 1e-5, 49408, 77, 49407, 64, 16, 16);

    static BaseTrainer.Settings settings(int steps) {
        return new BaseTrainer.Settings(steps, 8, 3e-3, 0.1, 2, 1.0, 3, 2, 0, 5);
    }

    @Test
    void bothTowersKeepTheGraphForEveryWeight() throws Exception {
        try (ClipTrainer t = new ClipTrainer(TEXT, VISION, TOKENIZER, settings(1), dir)) {
            NDManager root = t.parameters().values().iterator().next().getManager();
            // the contrastive loss reaches every weight except token rows the batch does not use
            ClipTrainer.Batch b = t.prepare(0);
            try (NDManager m = root.newSubManager()) {
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    gc.backward(t.forward(b, 0, m)[0]);
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
    void batchesAreGroupsOfNearMissesAndTextsAreCutAfterTheLongest() throws Exception {
        try (ClipTrainer t = new ClipTrainer(TEXT, VISION, TOKENIZER, settings(1), dir)) {
            ClipTrainer.Batch b = t.prepare(3);
            List<String> texts = b.texts();
            int len = b.ids().length / texts.size();
            assertTrue(len < 77 && len > 6, "cut length " + len);
            for (int g = 0; g < texts.size(); g += 4) {
                String base = texts.get(g).replaceAll(" (on|in|at) .*$", "");   // the scene phrase varies with the view
                for (int k = 1; k < 4; k++) {
                    String other = texts.get(g + k).replaceAll(" (on|in|at) .*$", "");
                    assertNotEquals(base, other, "near miss " + k + " of group " + g);
                    // one attribute changed: the shape (last word), the pattern, or the colours; the rest stays
                    String[] a = base.split(" "), o = other.split(" ");
                    if (k == 1) {
                        assertNotEquals(a[a.length - 1], o[o.length - 1], base + " / " + other);
                    } else {
                        assertEquals(a[a.length - 1], o[o.length - 1], base + " / " + other);
                    }
                }
            }
            // the end token is inside the cut for every row, and the cut rows equal the padded tokens' start
            int eos = TEXT.eosTokenId();
            for (int i = 0; i < texts.size(); i++) {
                boolean seen = false;
                for (int j = 0; j < len; j++) {
                    seen |= b.ids()[i * len + j] == eos;
                }
                assertTrue(seen, "row " + i + " lost its end token");
            }
            // the cut changes nothing: end-token embeddings of cut and full-length ids agree
            try (NDManager m = t.parameters().values().iterator().next().getManager().newSubManager()) {
                dev.moa.text.ClipTokenizer tok = dev.moa.text.ClipTokenizer.fromFolder(TOKENIZER);
                int[] full = new int[texts.size() * 77];
                for (int i = 0; i < texts.size(); i++) {
                    System.arraycopy(tok.encodePadded(texts.get(i)), 0, full, i * 77, 77);
                }
                float[] cut = t.textEmbeds(b.ids(), texts.size(), m).toFloatArray();
                float[] all = t.textEmbeds(full, texts.size(), m).toFloatArray();
                for (int i = 0; i < cut.length; i++) {   // different shapes, so different kernels: a tolerance
                    assertEquals(all[i], cut[i], 1e-5, "embedding value " + i);
                }
            }
        }
    }

    @Test
    void attributeHeadsTrainOnBothTowers() throws Exception {
        try (ClipTrainer t = new ClipTrainer(TEXT, VISION, TOKENIZER, settings(16), dir, 1.0)) {
            assertTrue(t.parameters().containsKey("attributes.image.shape.weight")
                    && t.parameters().containsKey("attributes.text.colours.bias"), t.parameters().keySet().toString());
            ClipTrainer.Batch b = t.prepare(0);
            assertEquals(b.texts().size(), b.identities().size());
            NDManager root = t.parameters().values().iterator().next().getManager();
            try (NDManager m = root.newSubManager()) {
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    gc.backward(t.forward(b, 0, m)[0]);
                }
                for (String k : List.of("attributes.image.shape.weight", "attributes.text.pattern.weight",
                        "attributes.image.colours.weight", "vision_model.embeddings.patch_embedding.weight")) {
                    NDArray g = t.parameters().get(k).getGradient();
                    assertTrue(g.abs().sum().getFloat() > 0, "no gradient for " + k);
                    g.close();
                }
                t.parameters().values().forEach(Grads::zero);
            }
            double before = t.evaluate(0)[3];
            for (int i = 0; i < 16; i++) {
                t.trainStep();
            }
            double after = t.evaluate(0)[3];
            System.out.printf("attribute loss on batch 0: %.4f -> %.4f%n", before, after);
            // at init: ln 5 + ln 5 (shape, pattern) plus 10 x the colours' squared error of a zero prediction
            assertTrue(before > 3.0 && after < 0.8 * before, "attribute loss should fall: " + before + " -> " + after);
        }
    }

    @Test
    void lossFallsAndResumeIsExact() throws Exception {
        Path straight = dir.resolve("straight");
        List<Double> a = new ArrayList<>();
        Map<String, float[]> wa = new HashMap<>();
        double before, after;
        try (ClipTrainer t = new ClipTrainer(TEXT, VISION, TOKENIZER, settings(16), straight)) {
            before = t.evaluate(0)[0];
            for (int i = 0; i < 16; i++) {
                a.add(t.trainStep().loss());
            }
            after = t.evaluate(0)[0];
            t.parameters().forEach((k, v) -> wa.put(k, v.toFloatArray()));
        }
        System.out.printf("clip loss on batch 0: %.4f -> %.4f%n", before, after);
        assertTrue(after < 0.9 * before, "contrastive loss should fall: " + before + " -> " + after);

        Path split = dir.resolve("split");
        List<Double> b = new ArrayList<>();
        try (ClipTrainer t = new ClipTrainer(TEXT, VISION, TOKENIZER, settings(16), split)) {
            for (int i = 0; i < 9; i++) {
                b.add(t.trainStep().loss());
            }
            t.saveCheckpoint();
            t.trainStep();
        }
        try (ClipTrainer t = new ClipTrainer(TEXT, VISION, TOKENIZER, settings(16), split)) {
            t.resume(null);
            for (int i = 0; i < 7; i++) {
                b.add(t.trainStep().loss());
            }
            for (Map.Entry<String, NDArray> e : t.parameters().entrySet()) {
                assertArrayEquals(wa.get(e.getKey()), e.getValue().toFloatArray(), e.getKey());
            }
        }
        assertEquals(a, b, "same losses as the uninterrupted run");
    }

    @Test
    void commandWritesLoadableFoldersAndRefusesBadFlags() throws Exception {
        Path out = dir.resolve("run");
        CliAccess.Result r = CliAccess.run("train-clip", "--output", out.toString(), "--tokenizer", TOKENIZER.toString(),
                "--width", "32", "--layers", "1", "--heads", "2", "--patch", "16", "--batch", "8", "--steps", "2",
                "--save-every", "2", "--sample-every", "2", "--eval-identities", "32");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains("clip step 2/2  loss "), r.err());
        assertTrue(Files.exists(out.resolve("clip_eval.json")) && Files.exists(out.resolve("samples/zero_shot.csv")));
        JsonObject eval = dev.moa.io.Json.read(out.resolve("clip_eval.json"));
        assertTrue(eval.has("retrieval_reference") && eval.getAsJsonObject("linear_probe").has("r2_colour1_rgb"), eval.toString());
        try (NDManager m = NDManager.newBaseManager()) {
            ClipTextModel text = ClipTextModel.load(out.resolve("text_encoder"), m);
            ClipVisionModel vision = ClipVisionModel.load(out.resolve("image_encoder"), m);
            assertEquals(32, text.config().hiddenSize());
            assertEquals(64, vision.imageSize());
            NDArray e = vision.imageEmbeds(m.zeros(new Shape(1, 3, 64, 64)));
            assertEquals(new Shape(1, 32), e.getShape());
            // the whole CLIPModel folder loads with both loaders too
            ClipTextModel.load(out.resolve("clip"), m);
            ClipVisionModel.load(out.resolve("clip"), m);
            dev.moa.moa.SubjectEncoder.load(out.resolve("image_encoder"), m);
            dev.moa.text.ClipTokenizer.fromFolder(out.resolve("tokenizer"));
        }
        // --init --freeze-text: the vision tower moves on, the text tower is written bit for bit as it was
        Path more = dir.resolve("more");
        r = CliAccess.run("train-clip", "--output", more.toString(), "--init", out.toString(), "--freeze-text",
                "--batch", "8", "--steps", "2", "--lr", "1e-2", "--save-every", "2", "--sample-every", "2",
                "--eval-identities", "32");
        assertEquals(0, r.code(), r.toString());
        try (var a = dev.moa.io.SafetensorsFile.open(out.resolve("text_encoder/model.safetensors"));
                var b = dev.moa.io.SafetensorsFile.open(more.resolve("text_encoder/model.safetensors"));
                var c = dev.moa.io.SafetensorsFile.open(out.resolve("image_encoder/model.safetensors"));
                var d = dev.moa.io.SafetensorsFile.open(more.resolve("image_encoder/model.safetensors"));
                NDManager m = NDManager.newBaseManager()) {
            assertEquals(a.keys(), b.keys());
            for (String k : a.keys()) {
                assertArrayEquals(a.load(k, m).toFloatArray(), b.load(k, m).toFloatArray(), k);
            }
            String patch = "vision_model.embeddings.patch_embedding.weight";
            assertNotEquals(java.util.Arrays.toString(c.load(patch, m).toFloatArray()),
                    java.util.Arrays.toString(d.load(patch, m).toFloatArray()), "the vision tower should train");
        }
        r = CliAccess.run("train-clip", "--output", dir.resolve("x").toString(), "--freeze-text");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--freeze-text needs --init"), r.err());
        r = CliAccess.run("train-clip", "--output", dir.resolve("x").toString(), "--init", dir.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("not a train-clip output"), r.err());
        r = CliAccess.run("train-clip", "--output", dir.resolve("x").toString(), "--width", "30", "--heads", "4");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--width must be a multiple of --heads"), r.err());
        r = CliAccess.run("train-clip", "--output", dir.resolve("x").toString(), "--tokenizer", dir.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("not a CLIP tokenizer folder"), r.err());
        r = CliAccess.run("train-clip", "--output", dir.resolve("x").toString(), "--lr", "-1");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--lr must be"), r.err());
    }
}
