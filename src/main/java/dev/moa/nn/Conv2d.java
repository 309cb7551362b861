package dev.moa.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.moa.io.Weights;

/**
 * 2-D convolution with torch's (out, in, kh, kw) weights, square kernel, stride and padding.
 *
 * <p>Convolutions whose output channel count is not a multiple of {@value #OUT_BLOCK} run with the weight padded
 * by zero filters to the next multiple, and the extra output channels are sliced off. The reason is a libtorch
 * 2.7.1 / oneDNN defect seen on an AMD EPYC (Zen 5, AVX-512) virtual machine where PyTorch's cpuinfo cannot
 * identify the CPU ("Could not initialize NNPACK! Reason: Unsupported hardware"): there a 3x3 convolution with,
 * say, 4 output channels (every UNet's {@code conv_out}, every VAE's {@code conv_out} with 3) computes wrong bf16
 * outputs (30-70 % error) and wrong or NaN fp32 input gradients, while multiples of 16 are right. The padding
 * changes nothing else: the extra filters are zeros, their outputs are dropped, and the gradient of the real
 * filters is untouched. {@code ConvChannelBlockingTest} checks both against float64 on the machine it runs on.
 */
public final class Conv2d {
    public final NDArray weight;
    public final NDArray bias;
    private final Shape stride;
    private final Shape padding;
    private static final Shape DILATION = new Shape(1, 1);
    /** Output channels are padded to a multiple of this (oneDNN's channel block on AVX-512). */
    static final int OUT_BLOCK = 16;

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
        return conv2d(x, weight, bias, stride, padding);
    }

    /** torch's conv2d (dilation 1, one group), with the output-channel padding described above. */
    static NDArray conv2d(NDArray x, NDArray weight, NDArray bias, Shape stride, Shape padding) {
        long out = weight.getShape().get(0);
        long extra = (OUT_BLOCK - out % OUT_BLOCK) % OUT_BLOCK;
        if (extra == 0) {
            return ai.djl.nn.convolutional.Conv2d.conv2d(x, weight, bias, stride, padding, DILATION, 1)
                    .singletonOrThrow();
        }
        // pad is differentiable and keeps the dtype (bf16 included); pad order is torch's, last dimension first
        // (op results land in the first operand's manager: keep the padded copies with the input's, so they are
        // freed with the caller's scope and never pile up next to the weights)
        NDArray w = weight.pad(new Shape(0, 0, 0, 0, 0, 0, 0, extra), 0);
        w.attach(x.getManager());
        NDArray b = null;
        if (bias != null) {
            b = bias.pad(new Shape(0, extra), 0);
            b.attach(x.getManager());
        }
        NDArray y = ai.djl.nn.convolutional.Conv2d.conv2d(x, w, b, stride, padding, DILATION, 1).singletonOrThrow();
        return y.get(":, 0:" + out);
    }
}
