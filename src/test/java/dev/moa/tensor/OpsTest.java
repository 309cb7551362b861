package dev.moa.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.moa.testing.Close;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The fast (TorchScript) and fallback (composed) ops agree on values and gradients. */
class OpsTest {

    static NDManager manager;
    static final Ops TS = TorchScriptOps.instance();
    static final Ops COMPOSED = ComposedOps.INSTANCE;

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    private NDArray randn(long seed, long... shape) {
        return new TorchGenerator(seed).randn(manager, shape);
    }

    /** Values and input gradients of f under both implementations. */
    private void compare(String what, Function<Ops, NDArray> f, NDArray... inputs) {
        float[][] values = new float[2][];
        float[][][] grads = new float[2][inputs.length][];
        Ops[] impls = {TS, COMPOSED};
        for (int i = 0; i < 2; i++) {
            try (NDManager scope = manager.newSubManager()) {
                for (NDArray in : inputs) {
                    in.setRequiresGradient(true);
                }
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray out = f.apply(impls[i]);
                    values[i] = out.toFloatArray();
                    // a fixed random projection so every output element matters to the gradient
                    NDArray w = randn(99, out.getShape().getShape());
                    gc.backward(out.mul(w).sum());
                }
                for (int j = 0; j < inputs.length; j++) {
                    grads[i][j] = inputs[j].getGradient().toFloatArray();
                    Grads.zero(inputs[j]);
                }
                for (NDArray in : inputs) {
                    in.setRequiresGradient(false);
                }
            }
        }
        Close.assertClose(values[1], values[0], 1e-5 * Math.max(1, Close.maxAbs(values[1])), what + " value");
        for (int j = 0; j < inputs.length; j++) {
            Close.assertClose(grads[1][j], grads[0][j], 1e-4 * Math.max(1, Close.maxAbs(grads[1][j])),
                    what + " grad " + j);
        }
    }

    @Test
    void groupNorm() {
        NDArray x = randn(1, 2, 8, 5, 3).mul(3).add(1);
        NDArray g = randn(2, 8);
        NDArray b = randn(3, 8);
        compare("group_norm", o -> o.groupNorm(x, 4, g, b, 1e-5), x, g, b);
        compare("group_norm 1 group", o -> o.groupNorm(x, 1, g, b, 1e-6), x, g, b);
    }

    @Test
    void groupNormSiluWithAndWithoutGradients() {
        NDArray x = randn(4, 2, 8, 5, 3).mul(3).add(1);
        NDArray g = randn(5, 8);
        NDArray b = randn(6, 8);
        // with gradients (the out-of-place branch)
        compare("group_norm_silu", o -> o.groupNormSilu(x, 4, g, b, 1e-5), x, g, b);
        // without (silu in place on the norm's output): same values, input untouched
        float[] before = x.toFloatArray();
        Close.assertClose(COMPOSED.groupNormSilu(x, 4, g, b, 1e-5).toFloatArray(),
                TS.groupNormSilu(x, 4, g, b, 1e-5).toFloatArray(), 1e-5, "group_norm_silu inference");
        Close.assertClose(before, x.toFloatArray(), 0, "input unchanged");
    }

    @Test
    void softmaxIsSafeOnBf16() {
        NDArray x = randn(7, 3, 5);
        float[] want = x.softmax(-1).toFloatArray();
        NDArray bf = TS.cast(x, Precision.BF16);
        Close.assertClose(want, TS.cast(TS.softmax(bf, -1), Precision.FP32).toFloatArray(), 1e-2, "softmax bf16");
        Close.assertClose(want, COMPOSED.softmax(x, -1).toFloatArray(), 0, "softmax composed");
    }

    @Test
    void groupNormMatchesDefinition() {
        NDArray x = randn(4, 1, 4, 2, 2);
        NDArray y = TS.groupNorm(x, 2, manager.ones(new Shape(4)), manager.zeros(new Shape(4)), 0);
        float[] v = x.toFloatArray();
        float[] out = y.toFloatArray();
        double mean = 0;
        for (int i = 0; i < 8; i++) {
            mean += v[i] / 8.0;
        }
        double var = 0;
        for (int i = 0; i < 8; i++) {
            var += (v[i] - mean) * (v[i] - mean) / 8.0;
        }
        assertEquals((v[3] - mean) / Math.sqrt(var), out[3], 1e-5);
    }

    @Test
    void silu() {
        NDArray x = randn(5, 3, 7).mul(4);
        compare("silu", o -> o.silu(x), x);
        float[] v = x.toFloatArray();
        float[] s = TS.silu(x).toFloatArray();
        assertEquals(v[2] / (1 + Math.exp(-v[2])), s[2], 1e-5);
    }

    @Test
    void attention() {
        NDArray q = randn(6, 2, 3, 10, 8);
        NDArray k = randn(7, 2, 3, 6, 8);
        NDArray v = randn(8, 2, 3, 6, 8);
        compare("sdpa cross", o -> o.attention(q, k, v, 1 / Math.sqrt(8), false), q, k, v);
        NDArray kk = randn(9, 2, 3, 10, 8);
        NDArray vv = randn(10, 2, 3, 10, 8);
        compare("sdpa causal", o -> o.attention(q, kk, vv, 0.3, true), q, kk, vv);
    }

    @Test
    void castsKeepGradients() {
        NDArray x = randn(11, 4, 5);
        compare("cast fp16 roundtrip", o -> o.cast(TS.cast(x, Precision.FP16), Precision.FP32).mul(x), x);
        // bf16 through TorchScript: values round to 8 mantissa bits and the gradient reaches fp32 x
        try (NDManager scope = manager.newSubManager()) {
            x.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray y = TS.cast(TS.cast(x, Precision.BF16).mul(2), Precision.FP32);
                assertEquals(DataType.FLOAT32, y.getDataType());
                float[] a = x.toFloatArray();
                float[] b = y.toFloatArray();
                for (int i = 0; i < a.length; i++) {
                    assertTrue(Math.abs(2 * a[i] - b[i]) <= Math.abs(2 * a[i]) / 128, "bf16 rounding");
                }
                gc.backward(y.sum());
            }
            float[] g = x.getGradient().toFloatArray();
            for (float gi : g) {
                assertEquals(2f, gi, 0f);
            }
            Grads.zero(x);
            x.setRequiresGradient(false);
        }
    }
}
