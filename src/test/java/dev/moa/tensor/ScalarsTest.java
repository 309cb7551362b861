package dev.moa.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Scalar ops keep their scalar alive for backward, even when the garbage collector runs in between. */
class ScalarsTest {
    @Test
    void gradientsSurviveGarbageCollectionBetweenForwardAndBackward() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = new TorchGenerator(1).randn(m, 64);
            NDArray w = new TorchGenerator(2).randn(m, 64);
            float[] expected = w.mul(3f).div(2f).toFloatArray();
            x.setRequiresGradient(true);
            for (int it = 0; it < 10; it++) {
                try (NDManager s = m.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray y = Scalars.div(Scalars.mul(x, 3), 2).mul(w).sum();
                    // free unreachable direct buffers and reuse their memory before backward
                    System.gc();
                    List<ByteBuffer> churn = new ArrayList<>();
                    for (int i = 0; i < 64; i++) {
                        churn.add(ByteBuffer.allocateDirect(4).putFloat(0, 1e30f));
                    }
                    gc.backward(y);
                    churn.clear();
                }
                assertArrayEquals(expected, x.getGradient().toFloatArray(), 1e-6f, "iteration " + it);
                Grads.zero(x);
            }
        }
    }
}
