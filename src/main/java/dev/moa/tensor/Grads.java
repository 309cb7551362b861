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

    /** Zeroes one parameter's gradient in place (cheaper than DJL's zeroGradients, which walks every array). */
    public static void zero(NDArray p) {
        if (p instanceof PtNDArray && p.hasGradient()) {
            JniUtils.zeroGrad((PtNDArray) p);
        }
    }
}
