package dev.moa.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/** Where Gaussian noise comes from: one seeded generator, or one per batch row. */
@FunctionalInterface
public interface NoiseSource {
    /** Standard normal noise of the given shape. */
    NDArray randn(NDManager manager, Shape shape);
}
