package dev.moa.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.moa.image.Resample;
import dev.moa.image.RgbImage;
import java.util.Map;

/**
 * Keeps part of a picture on a reference trajectory (blended latents, as in Blended Latent Diffusion): after every
 * sampling step the latents become {@code latents * (1 - keep) + reference * keep}, where {@code reference} is the
 * reference run's latents after the same step. Where {@code keep} is 1 the result is exactly the reference, where it is
 * 0 exactly the run's own latents (x * 0 + r * 1 and x * 1 + r * 0 are exact in floating point).
 *
 * @param trajectory the reference's latents after each call index (as recorded by {@link TrajectoryRecorder})
 * @param keep (height * width) weights in [0, 1] on the latent grid, shared by every channel and image
 */
public record LatentAnchor(Map<Integer, float[]> trajectory, float[] keep, int height, int width) {

    public LatentAnchor {
        if (keep.length != height * width) {
            throw new IllegalArgumentException("anchor mask has " + keep.length + " values, the latent grid "
                    + height + "x" + width);
        }
    }

    /**
     * The keep-weights on a {@code height} x {@code width} latent grid from a mask picture in the inpainting
     * convention (white = may change, black = keep): the picture is area-averaged to the grid and its grey level
     * (mean of R, G, B) becomes 1 - keep.
     */
    public static float[] keepFromMask(RgbImage mask, int height, int width) {
        RgbImage small = mask.width() == width && mask.height() == height ? mask
                : Resample.resize(mask, width, height, Resample.Filter.BOX);
        float[] keep = new float[height * width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int sum = small.get(x, y, 0) + small.get(x, y, 1) + small.get(x, y, 2);
                keep[y * width + x] = 1f - sum / (3f * 255f);
            }
        }
        return keep;
    }

    /** The blended latents after call {@code callIndex}; {@code latents} (B, C, h, w) is left untouched. */
    NDArray apply(NDArray latents, int callIndex, NDManager scope) {
        float[] ref = trajectory.get(callIndex);
        if (ref == null) {
            throw new IllegalStateException("the reference trajectory has no latents after call " + callIndex);
        }
        Shape s = latents.getShape();
        if (ref.length != s.size() || s.get(2) != height || s.get(3) != width) {
            throw new IllegalStateException("reference latents of call " + callIndex + " do not match " + s);
        }
        NDArray r = scope.create(ref, s).toType(latents.getDataType(), false);
        NDArray k = scope.create(keep, new Shape(1, 1, height, width)).toType(latents.getDataType(), false);
        NDArray free = k.neg().add(1f);
        return latents.mul(free).add(r.mul(k));
    }
}
