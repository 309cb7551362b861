package dev.moa.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Global-norm clipping as torch.nn.utils.clip_grad_norm_ does it, with one host read. */
class GradsTest {
    @Test
    void clipsByTheGlobalNormOfAllTensors() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(new float[] {3, 0, 0, 0}).reshape(2, 2);
            NDArray b = m.create(new float[] {4});
            double norm = Grads.clipByGlobalNorm(List.of(a, b), 1.0);
            assertEquals(5.0, norm, 1e-6);
            // scaled by 1 / (5 + 1e-6), as torch does
            float c = (float) (1 / (5 + 1e-6));
            assertArrayEquals(new float[] {3 * c, 0, 0, 0}, a.toFloatArray(), 1e-7f);
            assertArrayEquals(new float[] {4 * c}, b.toFloatArray(), 1e-7f);
        }
    }

    @Test
    void leavesSmallAndNonFiniteGradientsAlone() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(new float[] {0.3f, 0.4f});
            assertEquals(0.5, Grads.clipByGlobalNorm(List.of(a), 1.0), 1e-6);
            assertArrayEquals(new float[] {0.3f, 0.4f}, a.toFloatArray());
            NDArray bad = m.create(new float[] {Float.NaN, 1e3f});
            assertTrue(Double.isNaN(Grads.clipByGlobalNorm(List.of(bad), 1.0)));
            assertEquals(1e3f, bad.toFloatArray()[1]);
            assertEquals(0.0, Grads.clipByGlobalNorm(List.of(), 1.0));
        }
    }
}
