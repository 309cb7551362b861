package dev.moa.nn;

import dev.moa.tensor.Scalars;
import ai.djl.ndarray.NDArray;
import dev.moa.io.Weights;

/** diffusers' ResnetBlock2D (default time-scale-shift, output scale 1). */
public final class ResnetBlock2D {
    private final GroupNorm norm1;
    private final Conv2d conv1;
    private final Linear timeEmbProj;   // null without a time embedding (VAE)
    private final GroupNorm norm2;
    private final Conv2d conv2;
    private final Conv2d shortcut;      // 1x1 when channels change
    private final double outputScale;

    public ResnetBlock2D(Weights w, String name, long in, long out, long tembChannels, int groups, double eps,
            double outputScale) {
        Weights s = w.sub(name);
        norm1 = new GroupNorm(s, "norm1", groups, in, eps);
        conv1 = new Conv2d(s, "conv1", in, out, 3, 1, 1);
        timeEmbProj = tembChannels > 0 ? new Linear(s, "time_emb_proj", tembChannels, out, true) : null;
        norm2 = new GroupNorm(s, "norm2", groups, out, eps);
        conv2 = new Conv2d(s, "conv2", out, out, 3, 1, 1);
        shortcut = in != out ? new Conv2d(s, "conv_shortcut", in, out, 1, 1, 0) : null;
        this.outputScale = outputScale;
    }

    /** @param temb time embedding (B, T), or null */
    public NDArray forward(NDArray x, NDArray temb) {
        NDArray h = conv1.forward(norm1.forwardSilu(x));
        if (timeEmbProj != null && temb != null) {
            NDArray t = Nn.own(timeEmbProj.forward(Nn.silu(temb)), h);
            h = h.add(t.expandDims(2).expandDims(3));
        }
        h = conv2.forward(norm2.forwardSilu(h));
        NDArray skip = shortcut == null ? x : shortcut.forward(x);
        NDArray y = skip.add(h);
        return outputScale == 1.0 ? y : Scalars.div(y, outputScale);
    }
}
