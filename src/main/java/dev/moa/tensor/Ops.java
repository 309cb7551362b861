package dev.moa.tensor;

import ai.djl.ndarray.NDArray;

/**
 * The tensor operations DJL does not provide, in one place: group norm, SiLU, fused scaled-dot-product
 * attention and differentiable dtype casts. Two implementations exist: {@link TorchScriptOps} (native
 * libtorch kernels reached through a small TorchScript module written from Java) and {@link ComposedOps}
 * (built from DJL's own ops). They are tested against each other for values and gradients.
 *
 * <p>{@link #get()} picks TorchScript when it loads, unless the system property {@code moa.ops=composed}
 * (or environment variable {@code MOA_OPS}) asks for the fallback.
 */
public interface Ops {

    /** Group normalization over (N, C, ...) with per-channel affine {@code gamma}, {@code beta} of shape (C). */
    NDArray groupNorm(NDArray x, int groups, NDArray gamma, NDArray beta, double eps);

    /** silu(groupNorm(...)), the pair every resnet block and output head uses, in one call. */
    NDArray groupNormSilu(NDArray x, int groups, NDArray gamma, NDArray beta, double eps);

    /** x * sigmoid(x). */
    NDArray silu(NDArray x);

    /**
     * softmax(q k^T * scale [+ causal mask]) v for q (..., Nq, D), k and v (..., Nk, D), dropout-free and
     * without masks other than the optional causal one.
     */
    NDArray attention(NDArray q, NDArray k, NDArray v, double scale, boolean causal);

    /** Softmax over {@code axis}; unlike DJL's, safe on bf16 tensors (DJL passes their unknown dtype on and aborts). */
    NDArray softmax(NDArray x, int axis);

    /** A dtype cast that keeps the autograd graph (DJL's toType cuts it). */
    NDArray cast(NDArray x, Precision precision);

    /** "torchscript" or "composed". */
    String name();

    /** The process-wide implementation. */
    static Ops get() {
        return OpsHolder.get();
    }

    /** Selects the implementation by name ("torchscript" or "composed"); returns the previous one. */
    static Ops use(String name) {
        return OpsHolder.use(name);
    }
}
