package dev.moa.nn;

import ai.djl.ndarray.NDArray;
import dev.moa.io.Weights;

/** Nearest-neighbour 2x (or to an explicit size) then a 3x3 conv. */
public final class Upsample2D {
    private final Conv2d conv;

    public Upsample2D(Weights w, String name, long channels) {
        this.conv = new Conv2d(w.sub(name), "conv", channels, channels, 3, 1, 1);
    }

    /** @param size target (h, w), or null for 2x */
    public NDArray forward(NDArray x, long[] size) {
        NDArray up = size == null ? Nn.upsampleNearest2x(x) : Nn.upsampleNearest(x, size[0], size[1]);
        return conv.forward(up);
    }
}
