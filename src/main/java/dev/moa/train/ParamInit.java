package dev.moa.train;

import ai.djl.ndarray.NDArray;
import dev.moa.models.ClipConfig;
import dev.moa.train.data.Rng;
import java.util.Map;

/**
 * From-scratch initialisation as the reference libraries do it, in place, deterministic per (seed, key):
 * <ul>
 *   <li>{@link #torchDefault}: diffusers models keep torch's defaults: conv and linear weights kaiming-uniform with
 *       a = sqrt(5), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)); biases zero (torch draws them uniform too; zero is the
 *       common from-scratch choice); norm scales one, norm shifts zero.</li>
 *   <li>{@link #clip}: transformers' {@code CLIPPreTrainedModel._init_weights} (factor 1): embeddings normal(0, 0.02),
 *       class embedding normal(0, d^-0.5), q/k/v normal(0, d^-0.5 (2L)^-0.5), out_proj normal(0, d^-0.5), fc1
 *       normal(0, (2d)^-0.5), fc2 normal(0, d^-0.5 (2L)^-0.5), projections normal(0, d^-0.5), layer norms 1/0,
 *       biases 0.</li>
 * </ul>
 */
public final class ParamInit {
    private ParamInit() {}

    /** torch's default initialisation for every parameter of a diffusers model. */
    public static void torchDefault(Map<String, NDArray> params, long seed) {
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            String k = e.getKey();
            NDArray p = e.getValue();
            long[] s = p.getShape().getShape();
            if (k.endsWith(".bias")) {
                fill(p, 0);
            } else if (s.length == 1 && k.contains("norm")) {
                fill(p, 1);
            } else if (s.length >= 2) {
                long fanIn = p.getShape().size() / s[0];
                uniform(p, 1 / Math.sqrt(fanIn), seed, k);
            } else {
                throw new IllegalArgumentException("no default initialisation known for " + k + " " + p.getShape());
            }
        }
    }

    /** transformers' CLIP initialisation; keys as in a CLIPModel / CLIPTextModel / CLIPVisionModel state dict. */
    public static void clip(Map<String, NDArray> params, ClipConfig c, long seed) {
        double d = c.hiddenSize();
        double inStd = Math.pow(d, -0.5) * Math.pow(2.0 * c.layers(), -0.5);
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            String k = e.getKey();
            NDArray p = e.getValue();
            if (k.endsWith(".bias")) {
                fill(p, 0);
            } else if (k.contains("norm") || k.contains("layrnorm")) {
                fill(p, 1);
            } else if (k.endsWith("class_embedding")) {
                normal(p, Math.pow(d, -0.5), seed, k);
            } else if (k.contains("embedding")) {
                normal(p, 0.02, seed, k);
            } else if (k.contains("q_proj") || k.contains("k_proj") || k.contains("v_proj") || k.contains("fc2")) {
                normal(p, inStd, seed, k);
            } else if (k.contains("out_proj") || k.contains("projection")) {
                normal(p, Math.pow(d, -0.5), seed, k);
            } else if (k.contains("fc1")) {
                normal(p, Math.pow(2 * d, -0.5), seed, k);
            } else {
                throw new IllegalArgumentException("no CLIP initialisation known for " + k);
            }
        }
    }

    private static void fill(NDArray p, float v) {
        float[] a = new float[(int) p.getShape().size()];
        java.util.Arrays.fill(a, v);
        p.set(a);
    }

    private static Rng rng(long seed, String key) {
        return Rng.of(seed, key.hashCode(), key.length());
    }

    private static void uniform(NDArray p, double bound, long seed, String key) {
        Rng r = rng(seed, key);
        float[] a = new float[(int) p.getShape().size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.uniform(-bound, bound);
        }
        p.set(a);
    }

    private static void normal(NDArray p, double std, long seed, String key) {
        Rng r = rng(seed, key);
        float[] a = new float[(int) p.getShape().size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (r.gaussian() * std);
        }
        p.set(a);
    }
}
