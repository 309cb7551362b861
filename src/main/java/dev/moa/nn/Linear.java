package dev.moa.nn;

import ai.djl.ndarray.NDArray;
import dev.moa.io.Weights;

/** y = x W^T + b, with torch's (out, in) weight layout. */
public final class Linear {
    public final NDArray weight;
    public final NDArray bias;   // null when the layer has none
    public final long in;
    public final long out;

    public Linear(Weights w, String name, long in, long out, boolean bias) {
        Weights s = w.sub(name);
        this.in = in;
        this.out = out;
        this.weight = s.take("weight", out, in);
        this.bias = bias ? s.take("bias", out) : null;
    }

    /** A layer from existing arrays (e.g. MoA's personalized copies). */
    public Linear(NDArray weight, NDArray bias) {
        this.weight = weight;
        this.bias = bias;
        this.out = weight.getShape().get(0);
        this.in = weight.getShape().get(1);
    }

    public NDArray forward(NDArray x) {
        if (!LayerProfile.on()) {
            return linear(x);
        }
        long t0 = System.nanoTime();
        NDArray y = linear(x);
        LayerProfile.record(LayerProfile.Kind.LINEAR, t0, LayerProfile.linearFlops(x.size(), in, out));
        return y;
    }

    private NDArray linear(NDArray x) {
        return bias == null ? ai.djl.nn.core.Linear.linear(x, weight).singletonOrThrow()
                : ai.djl.nn.core.Linear.linear(x, weight, bias).singletonOrThrow();
    }
}
