package dev.moa.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.moa.io.Weights;

/** 2-D convolution with torch's (out, in, kh, kw) weights, square kernel, stride and padding. */
public final class Conv2d {
    public final NDArray weight;
    public final NDArray bias;
    private final Shape stride;
    private final Shape padding;
    private static final Shape DILATION = new Shape(1, 1);

    public Conv2d(Weights w, String name, long in, long out, int kernel, int stride, int padding, boolean bias) {
        Weights s = w.sub(name);
        this.weight = s.take("weight", out, in, kernel, kernel);
        this.bias = bias ? s.take("bias", out) : null;
        this.stride = new Shape(stride, stride);
        this.padding = new Shape(padding, padding);
    }

    public Conv2d(Weights w, String name, long in, long out, int kernel, int stride, int padding) {
        this(w, name, in, out, kernel, stride, padding, true);
    }

    public NDArray forward(NDArray x) {
        if (!LayerProfile.on()) {
            return conv(x);
        }
        long t0 = System.nanoTime();
        NDArray y = conv(x);
        Shape w = weight.getShape();
        LayerProfile.record(LayerProfile.Kind.CONV, t0, LayerProfile.convFlops(y.size(), w.get(1), w.get(2), w.get(3)));
        return y;
    }

    private NDArray conv(NDArray x) {
        return ai.djl.nn.convolutional.Conv2d.conv2d(x, weight, bias, stride, padding, DILATION, 1).singletonOrThrow();
    }
}
