package dev.moa.moa;

import ai.djl.ndarray.NDArray;
import dev.moa.nn.AttentionCall;
import java.util.HashMap;
import java.util.Map;

/**
 * What one MoA UNet call gives its processors: the mode and subject strength, the plain text context and what
 * the fuser needs to build the multimodal one. What the call records goes to its {@link MoaCapture}.
 */
public final class MoaCall implements AttentionCall {
    final MoaMode mode;
    final double strength;
    final Fuser fuser;
    final NDArray text;
    final int[][] positions;
    final float[][] weights;
    final NDArray imageEmbeds;
    final float[] timesteps;
    final MoaCapture capture;
    private final Map<Integer, NDArray> fused = new HashMap<>();

    /**
     * @param strength scale of the personalized branch's router weight: 1 = MoA as trained, 0 = the prior
     * @param text T (B, L, D): must be the same tensor the UNet gets as context
     * @param positions (B) rows of subject token positions, -1 = none
     * @param imageEmbeds (B, S, Di) or null
     * @param timesteps t per row
     * @param capture what to record (router weights, attention probabilities)
     */
    public MoaCall(MoaMode mode, double strength, Fuser fuser, NDArray text, int[][] positions, NDArray imageEmbeds,
            float[] timesteps, MoaCapture capture) {
        this(mode, strength, fuser, text, positions, null, imageEmbeds, timesteps, capture);
    }

    /** @param weights per row and subject slot, the share of the subject's reference in its token (null = all 1) */
    public MoaCall(MoaMode mode, double strength, Fuser fuser, NDArray text, int[][] positions, float[][] weights,
            NDArray imageEmbeds, float[] timesteps, MoaCapture capture) {
        if (!(strength >= 0 && strength <= 1)) {
            throw new IllegalArgumentException("subject strength must be between 0 and 1, got " + strength);
        }
        this.mode = mode;
        this.strength = strength;
        this.fuser = fuser;
        this.text = text;
        this.positions = positions;
        this.weights = weights;
        this.imageEmbeds = imageEmbeds;
        this.timesteps = timesteps;
        this.capture = capture == null ? MoaCapture.nothing() : capture;
    }

    /** MoA at full strength. */
    public MoaCall(MoaMode mode, Fuser fuser, NDArray text, int[][] positions, NDArray imageEmbeds, float[] timesteps,
            MoaCapture capture) {
        this(mode, 1.0, fuser, text, positions, imageEmbeds, timesteps, capture);
    }

    public MoaMode mode() {
        return mode;
    }

    public MoaCapture capture() {
        return capture;
    }

    /** T~(t, l), computed once per call and cross layer. */
    NDArray multimodal(int crossIndex) {
        return fused.computeIfAbsent(crossIndex, l -> fuser.fuse(text, positions, weights, imageEmbeds, timesteps, l));
    }

    /** The multimodal prompt of a cross layer (for tests and inspection). */
    public NDArray fusedFor(int crossIndex) {
        return multimodal(crossIndex);
    }
}
