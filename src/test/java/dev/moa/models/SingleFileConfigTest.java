package dev.moa.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.moa.io.Json;
import dev.moa.io.SafetensorsFile;
import dev.moa.testing.Close;
import dev.moa.testing.Fixtures;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the shapes of the single-file fixture determine, what is defaulted, and the overrides. */
class SingleFileConfigTest {

    @Test
    void infersStructureFromShapes() throws Exception {
        try (SingleFileCheckpoint ckpt = SingleFileCheckpoint.open(Fixtures.path(SingleFileWeightsTest.FILE))) {
            assertEquals(SingleFileCheckpoint.Family.SD1, ckpt.family());
            assertEquals(SingleFileCheckpoint.TextLayout.CLIP, ckpt.textLayout());

            UNetConfig u = ckpt.unetConfig();
            UNetConfig ref = UNetConfig.from(Json.read(Fixtures.path("models/sd15-narrow/unet/config.json")));
            assertArrayEquals(ref.blockOutChannels(), u.blockOutChannels());
            assertArrayEquals(ref.downBlockTypes(), u.downBlockTypes());
            assertArrayEquals(ref.upBlockTypes(), u.upBlockTypes());
            assertEquals(ref.layersPerBlock(), u.layersPerBlock());
            assertEquals(ref.crossAttentionDim(), u.crossAttentionDim());
            assertEquals(ref.inChannels(), u.inChannels());
            assertEquals(ref.outChannels(), u.outChannels());
            assertEquals(ref.useLinearProjection(), u.useLinearProjection());
            assertEquals(ref.transformerLayers(), u.transformerLayers());
            assertArrayEquals(ref.heads(), u.heads());  // SD 1.x's 8 heads: right here, but a default
            assertEquals(32, u.normGroups());           // default; this model uses 16, which shapes cannot show

            VaeConfig v = ckpt.vaeConfig();
            VaeConfig vref = VaeConfig.from(Json.read(Fixtures.path("models/sd15-narrow/vae/config.json")));
            assertArrayEquals(vref.blockOutChannels(), v.blockOutChannels());
            assertEquals(vref.layersPerBlock(), v.layersPerBlock());
            assertEquals(vref.latentChannels(), v.latentChannels());
            assertEquals(vref.inChannels(), v.inChannels());
            assertEquals(vref.outChannels(), v.outChannels());
            assertEquals(vref.useQuantConv(), v.useQuantConv());
            assertEquals(vref.usePostQuantConv(), v.usePostQuantConv());
            assertEquals(vref.midBlockAttention(), v.midBlockAttention());
            assertEquals(32, v.normGroups());

            ClipConfig t = ckpt.textConfig();
            ClipConfig tref = ClipConfig.from(Json.read(Fixtures.path("models/tiny-sd/text_encoder/config.json")), "text_config");
            assertEquals(tref.hiddenSize(), t.hiddenSize());
            assertEquals(tref.layers(), t.layers());
            assertEquals(tref.intermediateSize(), t.intermediateSize());
            assertEquals(tref.vocabSize(), t.vocabSize());
            assertEquals(tref.maxPositions(), t.maxPositions());
            assertEquals(tref.activation(), t.activation());
            assertEquals(8, t.heads());  // 32 is not a multiple of CLIP's 64 per head: a guess (the model has 4)

            String notes = String.join("\n", ckpt.notes());
            assertTrue(notes.contains("unet norm_num_groups: 32"), notes);
            assertTrue(notes.contains("vae norm_num_groups: 32"), notes);
            assertTrue(notes.contains("text encoder attention heads: 8"), notes);
            assertTrue(notes.contains("unet attention heads"), notes);
            System.out.println(ckpt.describe());
        }
    }

    @Test
    void overridesSupplyWhatShapesCannot() throws Exception {
        var o = SingleFileCheckpoint.Overrides.none().withNormGroups(16).withTextHeads(4);
        try (SingleFileCheckpoint ckpt = SingleFileCheckpoint.open(Fixtures.path(SingleFileWeightsTest.FILE), o);
                NDManager m = NDManager.newBaseManager();
                SafetensorsFile ref = Fixtures.ref("ref/unet_sd15narrow.safetensors")) {
            assertEquals(16, ckpt.unetConfig().normGroups());
            assertEquals(16, ckpt.vaeConfig().normGroups());
            assertEquals(4, ckpt.textConfig().heads());
            assertFalse(String.join("\n", ckpt.notes()).contains("norm_num_groups"));
            // with the groups right, the inferred config reproduces diffusers' output
            float[] expected = ref.floats("out");
            Close.assertClose(expected, ref.info("out").shape(), unetOut(ckpt.loadUNet(m), ref, m),
                    SingleFileParityTest.tol(expected), "single-file fp16 unet, inferred config + 16 groups");
        }
    }

    @Test
    void wrongDefaultGroupsAreFarOutsideTheFp16Tolerance() throws Exception {
        try (SingleFileCheckpoint ckpt = SingleFileCheckpoint.open(Fixtures.path(SingleFileWeightsTest.FILE));
                NDManager m = NDManager.newBaseManager();
                SafetensorsFile ref = Fixtures.ref("ref/unet_sd15narrow.safetensors")) {
            float[] expected = ref.floats("out");
            double err = Close.maxAbsDiff(expected, unetOut(ckpt.loadUNet(m), ref, m).toFloatArray());
            System.out.printf("single-file unet with the defaulted 32 groups: max abs err %.3e%n", err);
            assertTrue(err > 20 * SingleFileParityTest.tol(expected), "32 groups should visibly change the output: " + err);
        }
    }

    @Test
    void textEncoderSavedWithoutTheTextModelLevel(@TempDir Path tmp) throws Exception {
        // older transformers versions saved CLIPTextModel without "text_model.": same tensors, shorter keys
        Path p = SingleFileTestFiles.variant(tmp.resolve("old-clip.safetensors"),
                k -> k.replace("cond_stage_model.transformer.text_model.", "cond_stage_model.transformer."));
        var o = SingleFileCheckpoint.Overrides.none().withTextHeads(4);
        try (SingleFileCheckpoint ckpt = SingleFileCheckpoint.open(p, o); NDManager m = NDManager.newBaseManager();
                SafetensorsFile ref = Fixtures.ref("ref/text_encoder.safetensors")) {
            assertEquals(5, ckpt.textConfig().layers());
            float[] expected = ref.floats("last_hidden_state");
            Close.assertClose(expected, ref.info("last_hidden_state").shape(),
                    ckpt.loadTextEncoder(m).forward(ref.load("input_ids", m)).lastHiddenState(),
                    SingleFileParityTest.tol(expected), "single-file fp16 text, keys without text_model.");
        }
    }

    private static NDArray unetOut(UNet2DConditionModel unet, SafetensorsFile ref, NDManager m) throws Exception {
        return unet.forward(ref.load("sample", m), ref.load("timesteps", m), ref.load("encoder_hidden_states", m), null);
    }
}
