package dev.moa.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Device;
import dev.moa.pipeline.StableDiffusion;
import dev.moa.testing.Fixtures;
import org.junit.jupiter.api.Test;

/** --device parsing, and that models are placed on the selected device (the CPU here). */
class DevicesTest {
    @Test
    void parsesTheDeviceNames() {
        assertEquals(Device.cpu(), Devices.parse("cpu"));
        assertEquals(Device.gpu(0), Devices.parse("cuda"));
        assertEquals(Device.gpu(0), Devices.parse(" CUDA "));
        assertEquals(Device.gpu(2), Devices.parse("cuda:2"));
        for (String bad : new String[] {"", "cuda:", "cuda:-1", "cuda:x", "mps", null}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Devices.parse(bad));
            assertEquals("--device must be cpu, cuda or cuda:N, got '" + bad + "'", e.getMessage());
        }
    }

    @Test
    void modelsLiveOnTheSelectedDevice() throws Exception {
        Devices.use(Device.cpu());
        try (StableDiffusion sd = StableDiffusion.load(Fixtures.path("models/tiny-sd"))) {
            assertEquals(Devices.current(), sd.manager().getDevice());
            assertEquals(Devices.current(), sd.manager().create(new float[] {1f}).getDevice());
        }
    }
}
