package dev.moa.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** AdamW against torch.optim.AdamW's update rule, written out in double precision; state save/load. */
class AdamWTest {
    @TempDir
    Path dir;

    /** torch.optim.AdamW (amsgrad off): decay first, then bias-corrected moments, eps after the sqrt. */
    static double[] torchAdamW(double[] p, double[][] grads, double lr, double wd, double b1, double b2, double eps) {
        double[] w = p.clone();
        double[] m = new double[p.length];
        double[] v = new double[p.length];
        for (int t = 1; t <= grads.length; t++) {
            for (int i = 0; i < p.length; i++) {
                double g = grads[t - 1][i];
                w[i] *= 1 - lr * wd;
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                double denom = Math.sqrt(v[i]) / Math.sqrt(1 - Math.pow(b2, t)) + eps;
                w[i] -= lr / (1 - Math.pow(b1, t)) * m[i] / denom;
            }
        }
        return w;
    }

    @Test
    void matchesTorchsUpdateRuleAndResumes() throws Exception {
        double[] p0 = {0.5, -1.25, 2.0, 1e-3};
        double[][] g = {{0.1, -0.2, 3.0, 0}, {0.05, 0.4, -1.0, 1e-4}, {-0.3, 0.1, 0.5, 2e-4}};
        double[] ref = torchAdamW(p0, g, 1e-2, 0.1, 0.9, 0.999, 1e-8);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray p = m.create(toFloat(p0));
            AdamW opt = new AdamW(Map.of("p", p), List.of(new AdamW.Group("all", List.of("p"), 1e-2, 0.1)),
                    0.9, 0.999, 1e-8, m);
            for (int t = 0; t < 2; t++) {
                opt.step(Map.of("p", m.create(toFloat(g[t]))), 1.0);
            }
            opt.save(dir.resolve("opt.safetensors"));
            // a new optimizer restored from the saved state continues identically
            NDArray q = p.duplicate();
            AdamW back = new AdamW(Map.of("p", q), List.of(new AdamW.Group("all", List.of("p"), 1e-2, 0.1)),
                    0.9, 0.999, 1e-8, m);
            back.load(dir.resolve("opt.safetensors"));
            assertEquals(2, back.stepCount());
            opt.step(Map.of("p", m.create(toFloat(g[2]))), 1.0);
            back.step(Map.of("p", m.create(toFloat(g[2]))), 1.0);
            assertArrayEquals(toFloat(ref), p.toFloatArray(), 1e-6f);
            assertArrayEquals(p.toFloatArray(), q.toFloatArray(), 0f);
        }
    }

    @Test
    void learningRateFactorScalesTheStep() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(new float[] {1f});
            AdamW opt = new AdamW(Map.of("a", a), List.of(new AdamW.Group("g", List.of("a"), 0.1, 0)), 0.9, 0.999, 1e-8, m);
            opt.step(Map.of("a", m.create(new float[] {5f})), 0.5);
            // first Adam step moves by lr * sign(g) (bias-corrected): 0.1 * 0.5
            assertEquals(0.95f, a.getFloat(), 1e-6f);
        }
    }

    @Test
    void stepsLeaveNothingBehindInAnyManager() throws Exception {
        try (NDManager model = NDManager.newBaseManager(); NDManager state = NDManager.newBaseManager();
                NDManager grads = NDManager.newBaseManager()) {
            NDArray a = model.create(new float[] {1f, 2f, 3f});
            AdamW opt = new AdamW(Map.of("a", a), List.of(new AdamW.Group("g", List.of("a"), 0.1, 0.01)), 0.9, 0.999, 1e-8,
                    state);
            opt.step(Map.of("a", grads.create(new float[] {1f, -1f, 2f})), 1.0);
            int m0 = model.getManagedArrays().size();
            int s0 = state.getManagedArrays().size();
            for (int i = 0; i < 5; i++) {
                opt.step(Map.of("a", grads.create(new float[] {1f, -1f, 2f})), 1.0);
            }
            assertEquals(m0, model.getManagedArrays().size(), "temporaries leaked into the model's manager");
            assertEquals(s0, state.getManagedArrays().size(), "temporaries leaked into the optimizer state");
        }
    }

    private static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }
}
