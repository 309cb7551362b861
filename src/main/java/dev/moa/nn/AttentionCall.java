package dev.moa.nn;

/**
 * What one UNet call hands to every attention processor (diffusers' {@code cross_attention_kwargs}, typed).
 * A plain call passes {@code null}; MoA passes a {@link dev.moa.moa.MoaCall}. Processors ignore calls that are
 * not theirs.
 */
public interface AttentionCall {}
