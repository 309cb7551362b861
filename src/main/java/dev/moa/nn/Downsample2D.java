package dev.moa.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.moa.io.Weights;

/** Stride-2 3x3 conv. With padding 0 (VAE encoder) the input is first padded right and bottom by one. */
public final class Downsample2D {
    private final Conv2d conv;
    private final int padding;

    public Downsample2D(Weights w, String name, long channels, int padding) {
        this.conv = new Conv2d(w.sub(name), "conv", channels, channels, 3, 2, padding);
        this.padding = padding;
    }

    public NDArray forward(NDArray x) {
        if (padding == 0) {
            x = x.pad(new Shape(0, 1, 0, 1), 0);
        }
        return conv.forward(x);
    }
}
