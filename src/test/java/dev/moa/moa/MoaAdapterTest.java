package dev.moa.moa;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.moa.io.SafetensorsFile;
import dev.moa.io.WeightsFormatException;
import dev.moa.models.UNet2DConditionModel;
import dev.moa.testing.Close;
import dev.moa.testing.Fixtures;
import dev.moa.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MoaAdapterTest {
    @TempDir
    Path dir;

    @Test
    void freshCheckpointFollowsTheSpecAndSavesLoadsExactly() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            UNet2DConditionModel unet = UNet2DConditionModel.load(Fixtures.path("models/tiny-sd/unet"), m);
            MoaConfig c = MoaAdapter.configFor(unet, 32, 16, 32, 16);
            MoaConfig ref = MoaConfig.read(Fixtures.path("models/tiny-moa/moa_config.json"));
            assertEquals(ref.moaLayers(), c.moaLayers());
            assertEquals(ref.crossLayers(), c.crossLayers());
            assertEquals(ref.objectLossStages(), c.objectLossStages());
            MoaAdapter fresh = MoaAdapter.create(c, unet, m, 7);
            // same keys and shapes as the reference checkpoint
            try (SafetensorsFile f = SafetensorsFile.open(Fixtures.path("models/tiny-moa/moa.safetensors"))) {
                assertEquals(f.keys(), fresh.parameters().keySet());
                for (String k : f.keys()) {
                    assertArrayEquals(f.info(k).shape(), fresh.parameters().get(k).getShape().getShape(), k);
                }
            }
            // personalized experts start as copies of the prior, routers neutral
            String layer = c.moaLayers().get(1);
            var attn = unet.attentionLayers().get(1);
            // exact: a copy of the weights, no arithmetic
            assertArrayEquals(attn.toK.weight.toFloatArray(),
                    fresh.parameters().get("unet." + layer + ".personal.to_k.weight").toFloatArray());
            assertEquals(0f, fresh.parameters().get("unet." + layer + ".router.2.weight").abs().max().getFloat());
            fresh.save(dir);
            MoaAdapter back = MoaAdapter.load(dir, unet, m);
            for (Map.Entry<String, NDArray> e : fresh.parameters().entrySet()) {
                assertArrayEquals(e.getValue().toFloatArray(), back.parameters().get(e.getKey()).toFloatArray(), e.getKey());
            }
            // deterministic for a seed
            MoaAdapter again = MoaAdapter.create(c, unet, m, 7);
            assertArrayEquals(fresh.parameters().get("fuser.mlp1.1.weight").toFloatArray(),
                    again.parameters().get("fuser.mlp1.1.weight").toFloatArray());
        }
    }

    @Test
    void freshCheckpointWithoutSubjectsIsExactlyTheBaseModel() throws Exception {
        try (NDManager m = NDManager.newBaseManager(); SafetensorsFile ref = Fixtures.ref("ref/unet_tiny.safetensors")) {
            UNet2DConditionModel unet = UNet2DConditionModel.load(Fixtures.path("models/tiny-sd/unet"), m);
            MoaAdapter fresh = MoaAdapter.create(MoaAdapter.configFor(unet, 32, 16, 32, 16), unet, m, 1);
            NDArray x = ref.load("sample", m);
            NDArray t = ref.load("timesteps", m);
            NDArray text = ref.load("encoder_hidden_states", m);
            float[] base = unet.forward(x, t, text, null).toFloatArray();
            fresh.install(unet);
            int[][] none = {{-1}, {-1}};
            MoaCall call = new MoaCall(MoaMode.MOA, fresh.fuser(), text, none, m.zeros(new ai.djl.ndarray.types.Shape(2, 1, 32)),
                    ref.floats("timesteps"), MoaCapture.nothing());
            float[] moa = unet.forward(x, t, text, call).toFloatArray();
            MoaAdapter.uninstall(unet);
            // exact: both experts are the same weights on the same inputs and shapes (the same computation), and
            // 0.5 * a + 0.5 * a == a in floating point
            assertEquals(0.0, Close.maxAbsDiff(base, moa), "r = 0.5/0.5 over two identical experts is the base model");
        }
    }

    @Test
    void aCheckpointForAnotherUNetIsRefusedSayingWhatDiffers() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            UNet2DConditionModel other = UNet2DConditionModel.load(Fixtures.path("models/sd15-narrow/unet"), m);
            String msg = assertThrows(WeightsFormatException.class,
                    () -> MoaAdapter.load(Fixtures.path("models/tiny-moa"), other, m)).getMessage();
            assertTrue(msg.contains("does not fit the base model"), msg);
            assertTrue(msg.contains("not in the base UNet") && msg.contains("without a MoA layer"), msg);
            // same layer names, other widths: the shapes are reported
            Path copy = Files.createDirectories(dir.resolve("wide"));
            Files.copy(Fixtures.path("models/tiny-moa/moa.safetensors"), copy.resolve("moa.safetensors"));
            String cfg = Files.readString(Fixtures.path("models/tiny-moa/moa_config.json"));
            Files.writeString(copy.resolve("moa_config.json"), cfg);
            UNet2DConditionModel tiny = TestModels.tinyUNetWithCrossDim(m, 48);
            msg = assertThrows(WeightsFormatException.class, () -> MoaAdapter.load(copy, tiny, m)).getMessage();
            assertTrue(msg.contains("text_embed_dim 32") && msg.contains("cross_attention_dim is 48"), msg);
        }
    }
}
