package dev.moa.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.moa.image.Resample;
import dev.moa.image.RgbImage;
import java.util.Map;

/**
 * A {@link LatentAnchor} with a fixed mask (the real-image swap's {@code --mask}): after every sampling step the
 * latents become {@code latents * (1 - keep) + reference * keep}.
 *
 * @param trajectory the reference's latents after each call index (as recorded by {@link TrajectoryRecorder})
 * @param keep (height * width) weights in [0, 1] on the latent grid, shared by every channel and image
 */
public record MaskAnchor(Map<Integer, float[]> trajectory, float[] keep, int height, int width) implements LatentAnchor {

    public MaskAnchor {
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

    @Override
    public NDArray apply(NDArray latents, int callIndex, NDManager scope) {
        Shape s = latents.getShape();
        if (s.get(2) != height || s.get(3) != width) {
            throw new IllegalStateException("anchor mask is " + height + "x" + width + ", the latents " + s);
        }
        return LatentAnchor.blend(latents, LatentAnchor.reference(trajectory, callIndex, latents, scope),
                scope.create(keep, new Shape(1, 1, height, width)));
    }
}
