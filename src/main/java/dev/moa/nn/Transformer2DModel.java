package dev.moa.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.moa.io.Weights;
import java.util.ArrayList;
import java.util.List;

/** diffusers' Transformer2DModel for continuous input: group norm, proj_in, transformer blocks, proj_out, residual. */
public final class Transformer2DModel {
    private final GroupNorm norm;
    private final boolean linearProjection;
    private final Conv2d projInConv;
    private final Conv2d projOutConv;
    private final Linear projInLinear;
    private final Linear projOutLinear;
    public final List<BasicTransformerBlock> blocks = new ArrayList<>();

    public Transformer2DModel(Weights w, String name, long channels, int heads, long dimHead, long crossDim,
            int layers, int groups, boolean linearProjection) {
        Weights s = w.sub(name);
        long inner = heads * dimHead;
        this.norm = new GroupNorm(s, "norm", groups, channels, 1e-6);
        this.linearProjection = linearProjection;
        if (linearProjection) {
            projInLinear = new Linear(s, "proj_in", channels, inner, true);
            projOutLinear = new Linear(s, "proj_out", inner, channels, true);
            projInConv = null;
            projOutConv = null;
        } else {
            projInConv = new Conv2d(s, "proj_in", channels, inner, 1, 1, 0);
            projOutConv = new Conv2d(s, "proj_out", inner, channels, 1, 1, 0);
            projInLinear = null;
            projOutLinear = null;
        }
        for (int i = 0; i < layers; i++) {
            blocks.add(new BasicTransformerBlock(s, "transformer_blocks." + i, inner, heads, dimHead, crossDim));
        }
    }

    public NDArray forward(NDArray x, NDArray context, AttentionCall call) {
        Shape s = x.getShape();
        long b = s.get(0);
        long h = s.get(2);
        long w = s.get(3);
        NDArray hs = norm.forward(x);
        long inner;
        if (linearProjection) {
            hs = hs.transpose(0, 2, 3, 1).reshape(b, h * w, s.get(1));
            hs = projInLinear.forward(hs);
            inner = hs.getShape().get(2);
        } else {
            hs = projInConv.forward(hs);
            inner = hs.getShape().get(1);
            hs = hs.transpose(0, 2, 3, 1).reshape(b, h * w, inner);
        }
        for (BasicTransformerBlock blk : blocks) {
            hs = blk.forward(hs, context, call);
        }
        if (linearProjection) {
            hs = projOutLinear.forward(hs);
            hs = hs.reshape(b, h, w, s.get(1)).transpose(0, 3, 1, 2);
        } else {
            hs = hs.reshape(b, h, w, inner).transpose(0, 3, 1, 2);
            hs = projOutConv.forward(hs);
        }
        return hs.add(x);
    }
}
