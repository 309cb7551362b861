package dev.moa.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.moa.io.WeightsFormatException;
import dev.moa.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Files that are not SD 1.x/2.x single-file checkpoints, incomplete ones, and keys that must be ignored or reported. */
class SingleFileErrorsTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"model.ckpt", "model.pt", "model.bin", "model.pth"})
    void refusesPickleWithConversionHint(String name) throws Exception {
        Path p = Files.write(tmp.resolve(name), new byte[] {(byte) 0x80, 2});
        String msg = assertThrows(WeightsFormatException.class, () -> SingleFileCheckpoint.open(p)).getMessage();
        assertTrue(msg.contains("pickle") && msg.contains("save_file") && msg.contains(".safetensors"), msg);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "ref/unet_tiny.safetensors | not a Stable Diffusion checkpoint: no model.diffusion_model.* tensors",
        "models/sd15-narrow/unet/diffusion_pytorch_model.safetensors | a diffusers UNet weights file",
        "models/sd15-narrow/vae/diffusion_pytorch_model.safetensors | a diffusers VAE weights file",
        "models/tiny-sd/text_encoder/model.safetensors | a CLIP model weights file"})
    void saysWhatOtherFilesAre(String file, String expected) {
        String msg = assertThrows(WeightsFormatException.class,
                () -> SingleFileCheckpoint.open(Fixtures.path(file))).getMessage();
        assertTrue(msg.contains(expected), msg);
        System.out.println("refused: " + msg);
    }

    @Test
    void namesTheTensorsOfAnUnknownFile() {
        String msg = assertThrows(WeightsFormatException.class,
                () -> SingleFileCheckpoint.open(Fixtures.path("ref/unet_tiny.safetensors"))).getMessage();
        assertTrue(msg.contains("[encoder_hidden_states, out, sample, timesteps]"), msg);
    }

    @Test
    void refusesSdxl() throws Exception {
        Path p = write("sdxl.safetensors", k -> k.startsWith("model.diffusion_model."),
                "conditioner.embedders.1.model.transformer.resblocks.9.mlp.c_proj.bias");
        String msg = assertThrows(WeightsFormatException.class, () -> SingleFileCheckpoint.open(p)).getMessage();
        assertTrue(msg.contains("an SDXL checkpoint"), msg);
    }

    @Test
    void refusesClassEmbeddingUNets() throws Exception {
        Path p = write("unclip.safetensors", k -> k.startsWith("model.diffusion_model."),
                "model.diffusion_model.label_emb.0.0.weight");
        String msg = assertThrows(WeightsFormatException.class, () -> SingleFileCheckpoint.open(p)).getMessage();
        assertTrue(msg.contains("label_emb"), msg);
    }

    @Test
    void refusesStandaloneLdmVae() throws Exception {
        Path p = write("vae.safetensors", k -> false, "encoder.down.0.block.0.conv1.weight", "decoder.up.0.block.0.conv1.weight");
        String msg = assertThrows(WeightsFormatException.class, () -> SingleFileCheckpoint.open(p)).getMessage();
        assertTrue(msg.contains("a standalone VAE in the original layout"), msg);
    }

    @Test
    void ignoresEmaAndBuffersButReportsUnknownUNetKeys() throws Exception {
        Path ok = write("extras.safetensors", k -> true, "model_ema.decay", "model_ema.num_updates", "alphas_cumprod",
                "betas", "logvar", "cond_stage_model.transformer.text_model.embeddings.position_ids",
                "first_stage_model.loss.logvar");
        try (SingleFileCheckpoint ckpt = SingleFileCheckpoint.open(ok, SingleFileCheckpoint.Overrides.none().withTextHeads(4));
                NDManager m = NDManager.newBaseManager()) {
            ckpt.loadUNet(m);
            ckpt.loadVae(m);
            ckpt.loadTextEncoder(m);
        }
        Path bad = write("unknown.safetensors", k -> true, "model.diffusion_model.input_blocks.1.0.extra.weight",
                "first_stage_model.encoder.mid.attn_2.q.weight", "cond_stage_model.transformer.text_model.pooler.weight");
        try (SingleFileCheckpoint ckpt = SingleFileCheckpoint.open(bad); NDManager m = NDManager.newBaseManager()) {
            String msg = assertThrows(WeightsFormatException.class, () -> ckpt.loadUNet(m)).getMessage();
            assertTrue(msg.contains("1 unexpected") && msg.contains("model.diffusion_model.input_blocks.1.0.extra.weight"), msg);
            msg = assertThrows(WeightsFormatException.class, () -> ckpt.loadVae(m)).getMessage();
            assertTrue(msg.contains("1 unexpected") && msg.contains("first_stage_model.encoder.mid.attn_2.q.weight"), msg);
            msg = assertThrows(WeightsFormatException.class, () -> ckpt.loadTextEncoder(m)).getMessage();
            assertTrue(msg.contains("1 unexpected") && msg.contains("cond_stage_model.transformer.text_model.pooler.weight"), msg);
        }
    }

    @Test
    void unetOnlyFile() throws Exception {
        Path p = write("unet-only.safetensors", k -> k.startsWith("model.diffusion_model."));
        try (SingleFileCheckpoint ckpt = SingleFileCheckpoint.open(p); NDManager m = NDManager.newBaseManager()) {
            assertFalse(ckpt.hasVae());
            assertFalse(ckpt.hasTextEncoder());
            assertEquals(SingleFileCheckpoint.Family.SD1, ckpt.family());
            assertTrue(ckpt.notes().stream().anyMatch(n -> n.startsWith("no text encoder")), ckpt.notes().toString());
            ckpt.loadUNet(m);
            assertTrue(assertThrows(WeightsFormatException.class, () -> ckpt.loadVae(m)).getMessage().contains("no VAE"));
            assertTrue(assertThrows(WeightsFormatException.class, () -> ckpt.loadTextEncoder(m)).getMessage()
                    .contains("no text encoder"));
        }
    }

    @Test
    void explicitConfigThatDisagreesNamesWhatTheShapesSuggest() throws Exception {
        try (SingleFileCheckpoint ckpt = SingleFileCheckpoint.open(Fixtures.path(SingleFileWeightsTest.FILE));
                NDManager m = NDManager.newBaseManager()) {
            UNetConfig c = ckpt.unetConfig();
            UNetConfig wrong = new UNetConfig(c.inChannels(), c.outChannels(), new int[] {32, 32, 64, 128},
                    c.downBlockTypes(), c.upBlockTypes(), c.layersPerBlock(), c.heads(), c.crossAttentionDim(),
                    c.normGroups(), c.normEps(), c.flipSinToCos(), c.freqShift(), c.useLinearProjection(),
                    c.upcastAttention(), c.downsamplePadding(), c.midBlockScaleFactor(), c.transformerLayers(),
                    c.sampleSize());
            String msg = assertThrows(WeightsFormatException.class, () -> ckpt.loadUNet(m, wrong)).getMessage();
            assertTrue(msg.contains("mis-shaped") && msg.contains("the checkpoint's shapes suggest")
                    && msg.contains("channels=[32, 32, 64, 64]"), msg);
            System.out.println("explicit config error: " + msg);
        }
    }

    /** The fixture's tensors that {@code keep} accepts, plus tiny F32 tensors under {@code extra} names. */
    private Path write(String name, Predicate<String> keep, String... extra) throws Exception {
        return SingleFileTestFiles.variant(tmp.resolve(name), k -> keep.test(k) ? k : null, extra);
    }
}
