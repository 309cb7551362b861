package dev.moa.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Array-with-scalar ops that are safe under autograd.
 *
 * <p>DJL implements {@code x.mul(2f)}, {@code div}, {@code pow}, {@code maximum}... by creating the scalar
 * from a Java direct buffer ({@code from_blob}, memory libtorch does not own) and closing it right after the
 * op. When the op saves that scalar for its backward pass, the garbage collector can free the buffer before
 * backward runs, and gradients come out as garbage (1e30, NaN) now and then. These helpers make the scalar
 * with {@code full()}, which libtorch allocates and reference-counts, so the graph keeps it alive. Use them
 * on every path gradients may flow through; plain scalar ops are fine for inference-only and in-place code.
 */
public final class Scalars {
    private Scalars() {}

    /** A 0-dim float32 tensor owned by libtorch (0-dim operands do not change the other operand's dtype). */
    public static NDArray of(NDArray like, double v) {
        return like.getManager().full(new Shape(), (float) v, DataType.FLOAT32);
    }

    public static NDArray mul(NDArray x, double v) {
        return x.mul(of(x, v));
    }

    public static NDArray div(NDArray x, double v) {
        return x.div(of(x, v));
    }

    public static NDArray pow(NDArray x, double v) {
        return x.pow(of(x, v));
    }

    public static NDArray maximum(NDArray x, double v) {
        return x.maximum(of(x, v));
    }
}
