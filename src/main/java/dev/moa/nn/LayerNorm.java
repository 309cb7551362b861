package dev.moa.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.moa.io.Weights;

/** Layer norm over the last dimension, with affine weight and bias. */
public final class LayerNorm {
    public final NDArray weight;
    public final NDArray bias;
    private final Shape normalized;
    private final float eps;

    public LayerNorm(Weights w, String name, long dim, double eps) {
        Weights s = w.sub(name);
        this.weight = s.take("weight", dim);
        this.bias = s.take("bias", dim);
        this.normalized = new Shape(dim);
        this.eps = (float) eps;
    }

    public NDArray forward(NDArray x) {
        if (!LayerProfile.on()) {
            return norm(x);
        }
        long t0 = System.nanoTime();
        NDArray y = norm(x);
        LayerProfile.record(LayerProfile.Kind.LAYER_NORM, t0, 0);
        return y;
    }

    private NDArray norm(NDArray x) {
        return ai.djl.nn.norm.LayerNorm.layerNorm(x, normalized, weight, bias, eps).singletonOrThrow();
    }
}
