package dev.moa.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.moa.io.SafetensorsFile;
import dev.moa.testing.Close;
import dev.moa.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import dev.moa.tensor.Ops;
import static org.junit.jupiter.api.Assertions.assertEquals;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** UNet outputs against diffusers on the tiny, SD 1.5-structured and SD 2.x-style fixtures. */
class UNetParityTest {
    static NDManager manager;

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    @ParameterizedTest
    @CsvSource({"models/tiny-sd/unet, ref/unet_tiny.safetensors",
            "models/sd15-narrow/unet, ref/unet_sd15narrow.safetensors",
            "models/tiny-sd2/unet, ref/unet_sd2style.safetensors"})
    void matchesDiffusers(String model, String refFile) throws Exception {
        try (NDManager scope = manager.newSubManager(); SafetensorsFile ref = Fixtures.ref(refFile)) {
            UNet2DConditionModel unet = UNet2DConditionModel.load(Fixtures.path(model), scope);
            NDArray out = unet.forward(ref.load("sample", scope), ref.load("timesteps", scope),
                    ref.load("encoder_hidden_states", scope), null);
            float[] expected = ref.floats("out");
            Close.assertClose(expected, ref.info("out").shape(), out, 1e-4 * Math.max(1, Close.maxAbs(expected)),
                    model + " out");
        }
    }

    @Test
    void composedOpsFallbackGivesTheSameOutput() throws Exception {
        try (NDManager scope = manager.newSubManager(); SafetensorsFile ref = Fixtures.ref("ref/unet_tiny.safetensors")) {
            UNet2DConditionModel unet = UNet2DConditionModel.load(Fixtures.path("models/tiny-sd/unet"), scope);
            Ops previous = Ops.use("composed");
            try {
                NDArray out = unet.forward(ref.load("sample", scope), ref.load("timesteps", scope),
                        ref.load("encoder_hidden_states", scope), null);
                Close.assertClose(ref.floats("out"), ref.info("out").shape(), out, 1e-4, "tiny unet (composed ops)");
            } finally {
                Ops.use(previous.name());
            }
        }
    }

    @Test
    void forwardLeavesNothingInTheWeightsManager() throws Exception {
        try (NDManager weights = manager.newSubManager(); SafetensorsFile ref = Fixtures.ref("ref/unet_tiny.safetensors")) {
            UNet2DConditionModel unet = UNet2DConditionModel.load(Fixtures.path("models/tiny-sd/unet"), weights);
            int before = weights.getManagedArrays().size();
            try (NDManager step = manager.newSubManager()) {
                unet.forward(ref.load("sample", step), ref.load("timesteps", step), ref.load("encoder_hidden_states", step), null);
            }
            assertEquals(before, weights.getManagedArrays().size(), "intermediates leaked into the weights' manager");
        }
    }
}
