package dev.moa.schedulers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.moa.io.SafetensorsFile;
import dev.moa.testing.Close;
import dev.moa.testing.Fixtures;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class DdpmNoiseTest {

    private static JsonObject sd15SchedulerConfig() throws Exception {
        return JsonParser.parseString(Files.readString(Fixtures.path("ref/schedulers.json")))
                .getAsJsonObject().getAsJsonObject("cases").getAsJsonObject("ddim").getAsJsonObject("config");
    }

    @Test
    void alphasCumprodAreBitExact() throws Exception {
        DdpmNoise ddpm = DdpmNoise.fromConfig(sd15SchedulerConfig());
        try (SafetensorsFile ref = Fixtures.ref("ref/schedulers.safetensors")) {
            double[] expected = ref.doubles("ddpm.alphas_cumprod");
            float[] actual = ddpm.alphasCumprod();
            double[] asDouble = new double[actual.length];
            for (int i = 0; i < actual.length; i++) {
                asDouble[i] = actual[i];
            }
            // torch computes them in float32: linspace, square, 1 - beta, cumprod with a double accumulator
            assertArrayEquals(expected, asDouble, 0.0);
        }
    }

    @Test
    void addNoiseAndVelocityMatchDiffusers() throws Exception {
        DdpmNoise ddpm = DdpmNoise.fromConfig(sd15SchedulerConfig());
        try (SafetensorsFile ref = Fixtures.ref("ref/schedulers.safetensors"); NDManager m = NDManager.newBaseManager()) {
            NDArray x0 = m.create(ref.floats("x0"), new Shape(ref.info("x0").shape()));
            NDArray noise = m.create(ref.floats("ddpm.noise"), new Shape(ref.info("ddpm.noise").shape()));
            long[] t64 = ref.longs("ddpm.t");
            int[] t = new int[t64.length];
            for (int i = 0; i < t.length; i++) {
                t[i] = (int) t64[i];
            }
            float[] noisy = ref.floats("ddpm.add_noise");
            Close.assertClose(noisy, ref.info("ddpm.add_noise").shape(), ddpm.addNoise(x0, noise, t), 1e-6 * Close.maxAbs(noisy), "ddpm.add_noise");
            float[] v = ref.floats("ddpm.velocity");
            Close.assertClose(v, ref.info("ddpm.velocity").shape(), ddpm.velocity(x0, noise, t), 1e-6 * Close.maxAbs(v), "ddpm.velocity");
            assertEquals("epsilon", ddpm.predictionType());
            Close.assertClose(noise.toFloatArray(), ddpm.target(x0, noise, t).toFloatArray(), 0, "epsilon target");
        }
    }

    @Test
    void velocityIsTheTargetForVPrediction() throws Exception {
        JsonObject cfg = JsonParser.parseString(Files.readString(Fixtures.path("models/tiny-sd2/scheduler/scheduler_config.json")))
                .getAsJsonObject();
        DdpmNoise ddpm = DdpmNoise.fromConfig(cfg);
        assertEquals("v_prediction", ddpm.predictionType());
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x0 = m.randomNormal(new Shape(2, 4, 3, 3));
            NDArray noise = m.randomNormal(new Shape(2, 4, 3, 3));
            int[] t = {10, 900};
            Close.assertClose(ddpm.velocity(x0, noise, t).toFloatArray(), ddpm.target(x0, noise, t).toFloatArray(), 0, "v target");
            assertThrows(IndexOutOfBoundsException.class, () -> ddpm.addNoise(x0, noise, new int[] {1000, 0}));
        }
    }
}
