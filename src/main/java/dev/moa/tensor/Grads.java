package dev.moa.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/** Gradient helpers. Gradients accumulate across backward passes until zeroed (java-stack.md section 6). */
public final class Grads {
    private Grads() {}

    /** Zeroes one parameter's gradient in place (cheaper than DJL's zeroGradients, which walks every array). */
    public static void zero(NDArray p) {
        if (p instanceof PtNDArray && p.hasGradient()) {
            JniUtils.zeroGrad((PtNDArray) p);
        }
    }
}
