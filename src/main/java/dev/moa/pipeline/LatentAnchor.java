package dev.moa.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Map;

/**
 * Keeps part of a picture on a reference trajectory (blended latents, as in Blended Latent Diffusion): after every
 * sampling step the latents become {@code latents * (1 - keep) + reference * keep}, where {@code reference} is the
 * reference run's latents after the same step. Where {@code keep} is 1 the result is exactly the reference, where it is
 * 0 exactly the run's own latents (x * 0 + r * 1 and x * 1 + r * 0 are exact in floating point).
 * {@link MaskAnchor} takes {@code keep} from a fixed mask, {@link RouterAnchor} from MoA's router.
 */
public interface LatentAnchor {

    /** The blended latents after call {@code callIndex}; {@code latents} (B, C, h, w) is left untouched. */
    NDArray apply(NDArray latents, int callIndex, NDManager scope);

    /** The reference's latents after call {@code callIndex}, shaped and typed as {@code latents}. */
    static NDArray reference(Map<Integer, float[]> trajectory, int callIndex, NDArray latents, NDManager scope) {
        float[] ref = trajectory.get(callIndex);
        if (ref == null) {
            throw new IllegalStateException("the reference trajectory has no latents after call " + callIndex);
        }
        Shape s = latents.getShape();
        if (ref.length != s.size()) {
            throw new IllegalStateException("reference latents of call " + callIndex + " do not match " + s);
        }
        return scope.create(ref, s).toType(latents.getDataType(), false);
    }

    /** {@code latents * (1 - keep) + reference * keep}; {@code keep} (1 or B, 1, h, w) broadcasts over channels. */
    static NDArray blend(NDArray latents, NDArray reference, NDArray keep) {
        NDArray k = keep.toType(latents.getDataType(), false);
        return latents.mul(k.neg().add(1f)).add(reference.mul(k));
    }
}
