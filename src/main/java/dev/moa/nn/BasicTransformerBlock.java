package dev.moa.nn;

import ai.djl.ndarray.NDArray;
import dev.moa.io.Weights;

/** Self-attention, cross-attention and feed-forward, each pre-normed with a residual (diffusers layout). */
public final class BasicTransformerBlock {
    public final LayerNorm norm1;
    public final Attention attn1;
    public final LayerNorm norm2;
    public final Attention attn2;
    public final LayerNorm norm3;
    public final FeedForward ff;

    public BasicTransformerBlock(Weights w, String name, long dim, int heads, long dimHead, long crossDim) {
        Weights s = w.sub(name);
        norm1 = new LayerNorm(s, "norm1", dim, 1e-5);
        attn1 = new Attention(s, "attn1", dim, -1, heads, dimHead, false);
        norm2 = new LayerNorm(s, "norm2", dim, 1e-5);
        attn2 = new Attention(s, "attn2", dim, crossDim, heads, dimHead, false);
        norm3 = new LayerNorm(s, "norm3", dim, 1e-5);
        ff = new FeedForward(s, "ff", dim, 4, "geglu");
    }

    public NDArray forward(NDArray x, NDArray context, AttentionCall call) {
        x = attn1.forward(norm1.forward(x), null, call).add(x);
        x = attn2.forward(norm2.forward(x), context, call).add(x);
        return ff.forward(norm3.forward(x)).add(x);
    }
}
