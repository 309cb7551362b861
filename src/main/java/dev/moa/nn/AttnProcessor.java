package dev.moa.nn;

import ai.djl.ndarray.NDArray;

/**
 * Computes an attention layer's output from its input, the way diffusers' attention processors do: the
 * {@link Attention} module keeps the (frozen) weights, the processor decides what to compute with them.
 * MoA installs a processor that adds the personalized expert and the router; the base model's code path
 * does not change.
 */
@FunctionalInterface
public interface AttnProcessor {

    /**
     * @param attn the layer (weights, heads, path)
     * @param hidden input (B, N, C), already normed by the block
     * @param context cross-attention context (B, L, D), or null for self-attention
     * @param call per-call data passed through the UNet unchanged (diffusers' cross_attention_kwargs, typed);
     *     null for a plain call
     */
    NDArray process(Attention attn, NDArray hidden, NDArray context, AttentionCall call);

    /** Standard multi-head attention with the layer's own weights (fused SDPA when available). */
    AttnProcessor DEFAULT = (attn, hidden, context, call) -> attn.attend(
            attn.toQ, attn.toK, attn.toV, attn.toOut, hidden, context == null ? hidden : context);
}
