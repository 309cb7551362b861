package dev.moa.moa;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import dev.moa.io.Weights;
import dev.moa.nn.Attention;
import dev.moa.nn.AttentionCall;
import dev.moa.nn.AttnProcessor;
import dev.moa.nn.Linear;
import dev.moa.nn.Nn;
import dev.moa.tensor.Ops;
import dev.moa.tensor.Precision;

/**
 * A MoA layer (spec section 2) as an attention processor: the prior expert is the attention module's own
 * frozen weights; this processor holds the personalized expert ({@code personal.to_q/to_k/to_v/to_out.0})
 * and the per-pixel router ({@code router.0}, SiLU, {@code router.2}, softmax; index 0 = prior).
 * Without a {@link MoaCall} it computes the prior alone, so the UNet stays the base model.
 */
public final class MoaProcessor implements AttnProcessor {
    final String layer;
    final int crossIndex;
    final Linear toQ;
    final Linear toK;
    final Linear toV;
    final Linear toOut;
    final Linear router0;
    final Linear router2;
    /** The precision the layer computes in (the UNet's); the weights may be fp32 masters beside it (training). */
    final Precision precision;
    private final boolean castWeights;

    MoaProcessor(Weights w, String layer, int crossIndex, long queryDim, long contextDim, long inner, int routerHidden) {
        this(w, layer, crossIndex, queryDim, contextDim, inner, routerHidden, w.precision());
    }

    /**
     * @param compute the UNet's precision; when it differs from the weights' (fp32 master weights on a bf16 UNet, for
     *     mixed-precision training) every call computes with differentiable casts of the weights, so the gradients
     *     reach the fp32 masters
     */
    MoaProcessor(Weights w, String layer, int crossIndex, long queryDim, long contextDim, long inner, int routerHidden,
            Precision compute) {
        this.layer = layer;
        this.crossIndex = crossIndex;
        Weights s = w.sub("unet." + layer);
        Weights p = s.sub("personal");
        toQ = new Linear(p, "to_q", queryDim, inner, false);
        toK = new Linear(p, "to_k", contextDim, inner, false);
        toV = new Linear(p, "to_v", contextDim, inner, false);
        toOut = new Linear(p, "to_out.0", inner, queryDim, true);
        Weights r = s.sub("router");
        router0 = new Linear(r, "0", queryDim, routerHidden, true);
        router2 = new Linear(r, "2", routerHidden, 2, true);
        precision = compute;
        castWeights = compute != w.precision();
    }

    /** {@code l} in the compute precision: itself, or (mixed precision) a differentiable cast of its weights. */
    private Linear compute(Linear l) {
        if (!castWeights) {
            return l;
        }
        return new Linear(Ops.get().cast(l.weight, precision), l.bias == null ? null : Ops.get().cast(l.bias, precision));
    }

    public String layer() {
        return layer;
    }

    public boolean isCross() {
        return crossIndex >= 0;
    }

    @Override
    public NDArray process(Attention attn, NDArray x, NDArray context, AttentionCall attentionCall) {
        NDArray ctx0 = context == null ? x : context;
        if (!(attentionCall instanceof MoaCall)) {
            return AttnProcessor.DEFAULT.process(attn, x, context, attentionCall);
        }
        MoaCall call = (MoaCall) attentionCall;
        // strength 0 is the prior exactly: skip the personalized branch rather than weight it by zero
        MoaMode mode = call.mode == MoaMode.MOA && call.strength == 0 ? MoaMode.PRIOR : call.mode;
        NDArray a0 = mode == MoaMode.PERSONAL ? null : attn.attend(attn.toQ, attn.toK, attn.toV, attn.toOut, x, ctx0);
        if (mode == MoaMode.PRIOR) {
            return a0;
        }
        NDArray ctx1 = crossIndex >= 0 ? toCompute(call.multimodal(crossIndex)) : x;
        MoaCapture capture = call.capture;
        Linear q = compute(toQ), k = compute(toK), v = compute(toV), out = compute(toOut);
        NDArray a1;
        if (capture.wantsProbs(layer)) {
            NDArray probs = attn.probabilities(q, k, x, ctx1);
            capture.putProbs(layer, precision == Precision.FP32 ? probs : Ops.get().cast(probs, Precision.FP32));
            a1 = attn.applyProbabilities(probs, v, out, ctx1);
        } else {
            a1 = attn.attend(q, k, v, out, x, ctx1);
        }
        if (mode == MoaMode.PERSONAL) {
            return a1;
        }
        NDArray r = Ops.get().softmax(compute(router2).forward(Nn.silu(compute(router0).forward(x))), -1);   // (B, N, 2)
        NDList w = r.split(2, 2);
        NDArray r0 = w.get(0);
        NDArray r1 = w.get(1);
        if (call.strength != 1) {
            // subject strength s: the personalized weight becomes s * r1, the prior keeps the rest
            r1 = dev.moa.tensor.Scalars.mul(r1, call.strength);
            r0 = r1.neg().add(1f);
        }
        if (capture.wantsRouter()) {
            NDArray r0s = r0.squeeze(2);
            capture.putRouter(layer, precision == Precision.FP32 ? r0s : Ops.get().cast(r0s, Precision.FP32));
        }
        return a0.mul(r0).add(a1.mul(r1));
    }

    /** The fuser works in fp32; a reduced-precision UNet needs its output in its own precision. */
    private NDArray toCompute(NDArray x) {
        return precision == Precision.FP32 ? x : Ops.get().cast(x, precision);
    }
}
