package dev.moa.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/** Gradient helpers. Gradients accumulate across backward passes until zeroed (java-stack.md section 6). */
public final class Grads {
    private Grads() {}

    /** Restores the previous gradient mode when closed. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Turns gradient recording off for this thread until closed (libtorch's grad mode is thread-local, and
     * on by default on threads other than the one that started the engine): inference with trainable
     * weights then builds no graph.
     */
    public static Scope disabled() {
        boolean before = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        return () -> JniUtils.setGradMode(before);
    }

    /**
     * Copies {@code source}'s values into {@code target} in place (a parameter keeps its identity and its gradient
     * flag), e.g. when a checkpoint is resumed. Written as an indexed assignment under no-grad because DJL's
     * {@code NDArray.set(float[])} goes through libtorch's deprecated AutoNonVariableTypeMode, which prints a long
     * warning to stderr that no {@code -q} can silence.
     */
    public static void assign(NDArray target, NDArray source) {
        if (!target.getShape().equals(source.getShape())) {
            throw new IllegalArgumentException("cannot assign " + source.getShape() + " to " + target.getShape());
        }
        try (Scope s = disabled()) {
            target.set(new ai.djl.ndarray.index.NDIndex("..."), source.getDataType() == target.getDataType() ? source
                    : source.toType(target.getDataType(), false));
        }
    }

    /**
     * torch.nn.utils.clip_grad_norm_: the global L2 norm of {@code grads}, read from the device once (one stacked
     * reduction rather than one host read per tensor), and every gradient scaled in place by
     * {@code maxNorm / (norm + 1e-6)} when that is below 1. Nothing is scaled when the norm is not finite.
     *
     * @return the norm before clipping
     */
    public static double clipByGlobalNorm(java.util.Collection<NDArray> grads, double maxNorm) {
        if (grads.isEmpty()) {
            return 0;
        }
        ai.djl.ndarray.NDList squares = new ai.djl.ndarray.NDList(grads.size());
        for (NDArray g : grads) {
            squares.add(g.square().sum());
        }
        NDArray total = ai.djl.ndarray.NDArrays.stack(squares).sum();
        double norm = Math.sqrt(total.getFloat());
        squares.close();
        total.close();
        double coef = maxNorm / (norm + 1e-6);
        if (Double.isFinite(norm) && coef < 1) {
            for (NDArray g : grads) {
                g.muli((float) coef);
            }
        }
        return norm;
    }

    /** Zeroes one parameter's gradient in place (cheaper than DJL's zeroGradients, which walks every array). */
    public static void zero(NDArray p) {
        if (p instanceof PtNDArray && p.hasGradient()) {
            JniUtils.zeroGrad((PtNDArray) p);
        }
    }
}
