package dev.moa.train.data;

import dev.moa.train.data.SyntheticDataset.Scene;
import dev.moa.train.data.SyntheticDataset.Shape;

/**
 * The public face of {@link SyntheticDataset}'s drawing pieces, for other synthetic worlds (e.g. {@code
 * dev.moa.toy}) that render their own subjects on the same scenes: scene backgrounds and shape silhouettes,
 * both pure functions of their arguments.
 */
public final class SyntheticScenes {
    private SyntheticScenes() {}

    /**
     * A scene background, float RGB in 0..255, HWC, {@code w x h}: a pure function of (scene, size, seed, keys).
     */
    public static float[] background(Scene scene, int w, int h, long seed, long... keys) {
        float[] px = new float[w * h * 3];
        SyntheticRenderer.background(px, w, h, scene, Rng.of(seed, keys));
        return px;
    }

    /** Whether ({@code u}, {@code v}) (subject frame: u right, v down, the shape inside the unit disc) is inside {@code shape}. */
    public static boolean inside(Shape shape, double u, double v) {
        return SyntheticShapes.inside(shape, u, v);
    }
}
