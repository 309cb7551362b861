package dev.moa.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import dev.moa.io.Json;
import dev.moa.io.SafetensorsFile;
import dev.moa.io.Weights;
import dev.moa.pipeline.GenerationOptions;
import dev.moa.pipeline.StableDiffusion;
import dev.moa.pipeline.DiffusionPipeline;
import dev.moa.tensor.Ops;
import dev.moa.tensor.Precision;
import dev.moa.testing.Close;
import dev.moa.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * bf16 / fp16 weights and compute against the fp32 diffusers references. The errors are printed (they are
 * the numbers quoted in docs/performance.md); tolerances are relative to the output's scale and set a few
 * times above what was measured, to catch a layer falling out of place rather than rounding.
 */
class ReducedPrecisionTest {
    static NDManager manager;

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    static float[] fp32(NDArray x) {
        return Ops.get().cast(x, Precision.FP32).toFloatArray();
    }

    static double report(String what, float[] expected, float[] actual, double relTol) {
        double scale = Math.max(1e-6, Close.maxAbs(expected));
        double err = Close.maxAbsDiff(expected, actual);
        double mean = 0;
        for (int i = 0; i < expected.length; i++) {
            mean += Math.abs(expected[i] - actual[i]);
        }
        mean /= expected.length;
        System.out.printf("precision %-44s max abs err %.3e (%.2e of scale %.3e), mean abs err %.3e%n", what, err,
                err / scale, scale, mean);
        assertTrue(err <= relTol * scale, what + ": max abs error " + err + " > " + relTol + " x scale " + scale);
        return err;
    }

    @Test
    void bf16WeightsAreTheFp32ValuesRoundedToNearestEven() throws Exception {
        try (NDManager scope = manager.newSubManager(); SafetensorsFile f = SafetensorsFile.open(
                Fixtures.path("models/tiny-sd/unet/diffusion_pytorch_model.safetensors"))) {
            String key = "conv_in.weight";
            long[] shape = f.info(key).shape();
            float[] orig = f.floats(key);
            Weights w = Weights.of("tiny unet", f, null, scope, Precision.BF16);
            NDArray p = w.take(key, shape);
            assertEquals(Precision.BF16, w.precision());
            float[] back = fp32(p);
            float[] expected = new float[orig.length];
            for (int i = 0; i < orig.length; i++) {
                int bits = Float.floatToRawIntBits(orig[i]);
                int rounded = (bits + 0x7fff + ((bits >>> 16) & 1)) & 0xffff0000;
                expected[i] = Float.intBitsToFloat(rounded);
            }
            assertArrayEquals(expected, back, key + " in bf16");
            Weights fp32 = w.withPrecision(Precision.FP32);
            assertEquals(ai.djl.ndarray.types.DataType.FLOAT32, fp32.take(key, shape).getDataType());
        }
    }

    @ParameterizedTest
    @CsvSource({"models/tiny-sd/unet, ref/unet_tiny.safetensors, BF16, 0.04",
            "models/sd15-narrow/unet, ref/unet_sd15narrow.safetensors, BF16, 0.04",
            "models/tiny-sd2/unet, ref/unet_sd2style.safetensors, BF16, 0.04",
            "models/sd15-narrow/unet, ref/unet_sd15narrow.safetensors, FP16, 0.004"})
    void unetInReducedPrecision(String model, String refFile, Precision p, double relTol) throws Exception {
        try (NDManager scope = manager.newSubManager(); SafetensorsFile ref = Fixtures.ref(refFile)) {
            UNet2DConditionModel unet = UNet2DConditionModel.load(Fixtures.path(model), scope, p);
            assertEquals(p, unet.precision());
            NDArray out = unet.forward(ref.load("sample", scope), ref.load("timesteps", scope),
                    ref.load("encoder_hidden_states", scope), null);
            assertEquals(ai.djl.ndarray.types.DataType.FLOAT32, out.getDataType(), "outputs come back in fp32");
            report(model + " " + p, ref.floats("out"), out.toFloatArray(), relTol);
        }
    }

    @ParameterizedTest
    @CsvSource({"models/tiny-sd/vae, ref/vae_tiny.safetensors, BF16, 0.08",
            "models/sd15-narrow/vae, ref/vae_sd15narrow.safetensors, BF16, 0.08",
            "models/sd15-narrow/vae, ref/vae_sd15narrow.safetensors, FP16, 0.01"})
    void vaeInReducedPrecision(String model, String refFile, Precision p, double relTol) throws Exception {
        try (NDManager scope = manager.newSubManager(); SafetensorsFile ref = Fixtures.ref(refFile)) {
            AutoencoderKL vae = AutoencoderKL.load(Fixtures.path(model), scope, p);
            NDArray dec = vae.decode(ref.load("latent", scope));
            report(model + " decode " + p, ref.floats("decoded"), dec.toFloatArray(), relTol);
            AutoencoderKL.LatentDist d = vae.encode(ref.load("image", scope));
            report(model + " encode mean " + p, ref.floats("latent_mean"), d.mean().toFloatArray(), relTol);
        }
    }

    @ParameterizedTest
    @CsvSource({"BF16, 0.05", "FP16, 0.01"})
    void pipelineInReducedPrecision(Precision p, double tol) throws Exception {
        JsonObject r = Json.read(Fixtures.path("ref/pipeline_tiny.json")).getAsJsonObject("ddim");
        try (StableDiffusion sd = StableDiffusion.load(Fixtures.path("models/tiny-sd"),
                SingleFileCheckpoint.Overrides.none(), p, msg -> { });
                SafetensorsFile ref = Fixtures.ref("ref/pipeline_tiny.safetensors")) {
            assertEquals(p, sd.precision());
            assertEquals(StableDiffusion.vaePrecision(p), sd.vae().precision());
            var res = DiffusionPipeline.of(sd).generate(GenerationOptions.of(r.get("prompt").getAsString())
                    .withNegativePrompt(r.get("negative_prompt").getAsString())
                    .withSteps(r.get("steps").getAsInt()).withGuidance(r.get("guidance_scale").getAsDouble())
                    .withScheduler(r.get("scheduler").getAsString())
                    .withSchedulerConfig(r.getAsJsonObject("scheduler_config").toString())
                    .withLatents(ref.floats("latents")));
            report("pipeline_tiny ddim image " + p, ref.floats("ddim.image"), res.images().get(0), tol);
        }
    }
}
