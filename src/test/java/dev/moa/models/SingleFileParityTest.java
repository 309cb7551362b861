package dev.moa.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.moa.io.Json;
import dev.moa.io.SafetensorsFile;
import dev.moa.testing.Close;
import dev.moa.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Forward passes of the models loaded from the fp16 single-file fixture (with the folders' configs) against
 * the diffusers outputs of the fp32 folder models.
 *
 * <p>Tolerance: the file holds the fp32 weights rounded to fp16, a relative change of at most
 * u = 2^-11 (4.9e-4) per weight. Errors of independent roundings partly cancel, and each layer passes on
 * a relative error of about u, so the output of these few-dozen-layer networks should move by a small
 * multiple of u times its scale; we allow 10 u (4.9e-3) relative to the output's largest magnitude.
 * That is 50x the fp32 parity tolerance (1e-4), far below what a wrong weight or config causes (O(1):
 * {@link SingleFileConfigTest} shows 32 instead of 16 norm groups fails it).
 */
class SingleFileParityTest {

    static final double FP16_TOL = 10 * Math.scalb(1.0, -11);

    static NDManager manager;
    static SingleFileCheckpoint ckpt;

    @BeforeAll
    static void setUp() throws Exception {
        manager = NDManager.newBaseManager();
        ckpt = SingleFileCheckpoint.open(Fixtures.path(SingleFileWeightsTest.FILE));
    }

    @AfterAll
    static void tearDown() throws Exception {
        ckpt.close();
        manager.close();
    }

    static double tol(float[] expected) {
        return FP16_TOL * Math.max(1, Close.maxAbs(expected));
    }

    @Test
    void unetMatchesDiffusers() throws Exception {
        try (NDManager scope = manager.newSubManager(); SafetensorsFile ref = Fixtures.ref("ref/unet_sd15narrow.safetensors")) {
            UNetConfig cfg = UNetConfig.from(Json.read(Fixtures.path("models/sd15-narrow/unet/config.json")));
            UNet2DConditionModel unet = ckpt.loadUNet(scope, cfg);
            NDArray out = unet.forward(ref.load("sample", scope), ref.load("timesteps", scope),
                    ref.load("encoder_hidden_states", scope), null);
            float[] expected = ref.floats("out");
            Close.assertClose(expected, ref.info("out").shape(), out, tol(expected), "single-file fp16 unet out");
        }
    }

    @Test
    void vaeMatchesDiffusers() throws Exception {
        try (NDManager scope = manager.newSubManager(); SafetensorsFile ref = Fixtures.ref("ref/vae_sd15narrow.safetensors")) {
            VaeConfig cfg = VaeConfig.from(Json.read(Fixtures.path("models/sd15-narrow/vae/config.json")));
            AutoencoderKL vae = ckpt.loadVae(scope, cfg);
            AutoencoderKL.LatentDist d = vae.encode(ref.load("image", scope));
            for (String[] c : new String[][] {{"latent_mean", "mean"}, {"latent_std", "std"}}) {
                float[] expected = ref.floats(c[0]);
                Close.assertClose(expected, ref.info(c[0]).shape(), c[1].equals("mean") ? d.mean() : d.std(),
                        tol(expected), "single-file fp16 vae " + c[0]);
            }
            float[] expected = ref.floats("decoded");
            Close.assertClose(expected, ref.info("decoded").shape(), vae.decode(ref.load("latent", scope)),
                    tol(expected), "single-file fp16 vae decoded");
        }
    }

    @Test
    void textEncoderMatchesTransformers() throws Exception {
        try (NDManager scope = manager.newSubManager(); SafetensorsFile ref = Fixtures.ref("ref/text_encoder.safetensors")) {
            ClipConfig cfg = ClipConfig.from(Json.read(Fixtures.path("models/tiny-sd/text_encoder/config.json")), "text_config");
            ClipTextModel text = ckpt.loadTextEncoder(scope, cfg);
            ClipTextModel.Output out = text.forward(ref.load("input_ids", scope));
            float[] expected = ref.floats("last_hidden_state");
            Close.assertClose(expected, ref.info("last_hidden_state").shape(), out.lastHiddenState(), tol(expected),
                    "single-file fp16 text last_hidden_state");
            expected = ref.floats("pooler_output");
            Close.assertClose(expected, ref.info("pooler_output").shape(), out.pooled(), tol(expected),
                    "single-file fp16 text pooler_output");
        }
    }
}
