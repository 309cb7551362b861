package dev.moa.nn;

import dev.moa.tensor.Scalars;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Activation;
import dev.moa.tensor.Ops;

/**
 * Functional helpers shared by the modules.
 *
 * <p>Memory rule of the project: the result of an op belongs to its first operand's manager, so
 * activations always come first; where a weight has to come first, {@link #own} moves the result into
 * the activation's manager so per-step scopes free it.
 */
public final class Nn {
    private Nn() {}

    /** Moves {@code result} into the manager of {@code like} (no copy). */
    public static NDArray own(NDArray result, NDArray like) {
        if (result.getManager() != like.getManager()) {
            result.attach(like.getManager());
        }
        return result;
    }

    public static NDArray silu(NDArray x) {
        if (!LayerProfile.on()) {
            return Ops.get().silu(x);
        }
        long t0 = System.nanoTime();
        NDArray y = Ops.get().silu(x);
        LayerProfile.record(LayerProfile.Kind.ACTIVATION, t0, 0);
        return y;
    }

    /** CLIP's quick_gelu: x * sigmoid(1.702 x). */
    public static NDArray quickGelu(NDArray x) {
        return x.mul(Activation.sigmoid(Scalars.mul(x, 1.702)));
    }

    /** Exact (erf) GELU, torch's default. */
    public static NDArray gelu(NDArray x) {
        return Activation.gelu(x);
    }

    /** GELU with the tanh approximation (diffusers' "gelu-approximate"). */
    public static NDArray geluTanh(NDArray x) {
        NDArray inner = Scalars.mul(x.add(Scalars.mul(Scalars.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
        return Scalars.mul(x, 0.5).mul(inner.tanh().add(1f));
    }

    /** Applies a transformers / diffusers activation by its config name. */
    public static NDArray activation(String name, NDArray x) {
        switch (name) {
            case "quick_gelu": return quickGelu(x);
            case "gelu": return gelu(x);
            case "gelu_new": case "gelu_pytorch_tanh": case "gelu-approximate": return geluTanh(x);
            case "silu": case "swish": return silu(x);
            case "relu": return Activation.relu(x);
            default: throw new IllegalArgumentException("unsupported activation '" + name + "'");
        }
    }

    public static boolean isFloat32(NDArray x) {
        return x.getDataType() == DataType.FLOAT32;
    }

    /** 2x nearest-neighbour upsampling of (N, C, H, W). */
    public static NDArray upsampleNearest2x(NDArray x) {
        long h = x.getShape().get(2);
        long w = x.getShape().get(3);
        return x.getNDArrayInternal().interpolation(new long[] {h * 2, w * 2}, 0, false);
    }

    /** Nearest-neighbour upsampling of (N, C, H, W) to an explicit size. */
    public static NDArray upsampleNearest(NDArray x, long h, long w) {
        return x.getNDArrayInternal().interpolation(new long[] {h, w}, 0, false);
    }
}
