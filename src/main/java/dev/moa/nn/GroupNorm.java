package dev.moa.nn;

import ai.djl.ndarray.NDArray;
import dev.moa.io.Weights;
import dev.moa.tensor.Ops;

/** Group norm over (N, C, ...) with per-channel affine parameters. */
public final class GroupNorm {
    public final NDArray weight;
    public final NDArray bias;
    public final int groups;
    private final double eps;

    public GroupNorm(Weights w, String name, int groups, long channels, double eps) {
        if (channels % groups != 0) {
            throw new IllegalArgumentException(w.prefix() + name + ": " + channels
                    + " channels are not divisible into " + groups + " groups");
        }
        Weights s = w.sub(name);
        this.weight = s.take("weight", channels);
        this.bias = s.take("bias", channels);
        this.groups = groups;
        this.eps = eps;
    }

    public NDArray forward(NDArray x) {
        if (!LayerProfile.on()) {
            return Ops.get().groupNorm(x, groups, weight, bias, eps);
        }
        long t0 = System.nanoTime();
        NDArray y = Ops.get().groupNorm(x, groups, weight, bias, eps);
        LayerProfile.record(LayerProfile.Kind.GROUP_NORM, t0, 0);
        return y;
    }

    /** silu(forward(x)), fused (timed as group norm). */
    public NDArray forwardSilu(NDArray x) {
        if (!LayerProfile.on()) {
            return Ops.get().groupNormSilu(x, groups, weight, bias, eps);
        }
        long t0 = System.nanoTime();
        NDArray y = Ops.get().groupNormSilu(x, groups, weight, bias, eps);
        LayerProfile.record(LayerProfile.Kind.GROUP_NORM, t0, 0);
        return y;
    }
}
