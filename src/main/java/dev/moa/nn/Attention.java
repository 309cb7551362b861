package dev.moa.nn;

import dev.moa.tensor.Scalars;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.moa.io.Weights;
import dev.moa.tensor.Ops;
import dev.moa.tensor.Precision;

/**
 * diffusers' Attention module: holds {@code to_q}, {@code to_k}, {@code to_v}, {@code to_out.0} and a
 * swappable {@link AttnProcessor}. {@link #path} is the module path as in the state dict, e.g.
 * {@code down_blocks.1.attentions.0.transformer_blocks.0.attn2}.
 */
public final class Attention {
    public final String path;
    public final Linear toQ;
    public final Linear toK;
    public final Linear toV;
    public final Linear toOut;
    public final int heads;
    public final long dimHead;
    public final long queryDim;
    public final long contextDim;
    public final boolean isCross;
    public final double scale;
    /** Precision of the projections' weights, and so of the activations this layer sees. */
    public final Precision precision;
    private AttnProcessor processor = AttnProcessor.DEFAULT;

    /**
     * @param contextDim cross-attention input width, or -1 for self-attention
     * @param qkvBias whether to_q/to_k/to_v have biases (false in SD UNets)
     */
    public Attention(Weights w, String name, long queryDim, long contextDim, int heads, long dimHead, boolean qkvBias) {
        Weights s = w.sub(name);
        this.path = s.prefix().substring(0, s.prefix().length() - 1);
        this.isCross = contextDim > 0;
        this.queryDim = queryDim;
        this.contextDim = isCross ? contextDim : queryDim;
        this.heads = heads;
        this.dimHead = dimHead;
        long inner = heads * dimHead;
        this.toQ = new Linear(s, "to_q", queryDim, inner, qkvBias);
        this.toK = new Linear(s, "to_k", this.contextDim, inner, qkvBias);
        this.toV = new Linear(s, "to_v", this.contextDim, inner, qkvBias);
        this.toOut = new Linear(s, "to_out.0", inner, queryDim, true);
        this.scale = 1.0 / Math.sqrt(dimHead);
        this.precision = s.precision();
    }

    public AttnProcessor processor() {
        return processor;
    }

    public void setProcessor(AttnProcessor processor) {
        this.processor = processor == null ? AttnProcessor.DEFAULT : processor;
    }

    public NDArray forward(NDArray hidden, NDArray context, AttentionCall call) {
        return processor.process(this, hidden, context, call);
    }

    /** (B, N, H*D) -> (B, H, N, D). */
    public NDArray splitHeads(NDArray t) {
        Shape s = t.getShape();
        return t.reshape(s.get(0), s.get(1), heads, s.get(2) / heads).transpose(0, 2, 1, 3);
    }

    /** (B, H, N, D) -> (B, N, H*D). */
    public NDArray mergeHeads(NDArray t) {
        Shape s = t.getShape();
        return t.transpose(0, 2, 1, 3).reshape(s.get(0), s.get(2), s.get(1) * s.get(3));
    }

    /** Multi-head attention of {@code hidden} over {@code context} with the given projections. */
    public NDArray attend(Linear q, Linear k, Linear v, Linear out, NDArray hidden, NDArray context) {
        NDArray qh = splitHeads(q.forward(hidden));
        NDArray kh = splitHeads(k.forward(context));
        NDArray vh = splitHeads(v.forward(context));
        NDArray o = sdpa(qh, kh, vh);
        return out.forward(mergeHeads(o));
    }

    /** The attention core on split heads, (B, H, N, D). */
    private NDArray sdpa(NDArray qh, NDArray kh, NDArray vh) {
        if (!LayerProfile.on()) {
            return Ops.get().attention(qh, kh, vh, scale, false);
        }
        long t0 = System.nanoTime();
        NDArray o = Ops.get().attention(qh, kh, vh, scale, false);
        Shape q = qh.getShape();
        Shape k = kh.getShape();
        LayerProfile.record(LayerProfile.Kind.ATTENTION, t0, LayerProfile.attentionFlops(q.get(0) * q.get(1),
                q.get(2), k.get(2), q.get(3), vh.getShape().get(3)));
        return o;
    }

    /**
     * Attention probabilities softmax(q k^T * scale), (B, H, Nq, Nk), for callers that need the maps
     * themselves (object loss, visualisations). Always fp32: scores and softmax are computed in fp32 for a
     * reduced-precision layer.
     */
    public NDArray probabilities(Linear q, Linear k, NDArray hidden, NDArray context) {
        NDArray qh = toFp32(splitHeads(q.forward(hidden)));
        NDArray kh = toFp32(splitHeads(k.forward(context)));
        return Scalars.mul(qh.matMul(kh.swapAxes(-1, -2)), scale).softmax(-1);
    }

    /** Output from precomputed (fp32) probabilities: out(probs @ v(context)). */
    public NDArray applyProbabilities(NDArray probs, Linear v, Linear out, NDArray context) {
        NDArray p = precision == Precision.FP32 ? probs : Ops.get().cast(probs, precision);
        return out.forward(mergeHeads(p.matMul(splitHeads(v.forward(context)))));
    }

    private NDArray toFp32(NDArray x) {
        return precision == Precision.FP32 ? x : Ops.get().cast(x, Precision.FP32);
    }

    @Override
    public String toString() {
        return path + (isCross ? " (cross, " : " (self, ") + heads + "x" + dimHead + ")";
    }
}
