package dev.moa.moa;

import ai.djl.ndarray.NDArray;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Per-UNet-call data for the MoA processors (passed as the UNet's attention kwargs): the mode, the plain
 * text context and what the fuser needs to build the multimodal one, and optional captures (router maps,
 * personalized attention probabilities for the object loss).
 */
public final class MoaCall {
    final MoaMode mode;
    final Fuser fuser;
    final NDArray text;
    final int[][] positions;
    final NDArray imageEmbeds;
    final float[] timesteps;
    private final Map<Integer, NDArray> fused = new HashMap<>();
    private final boolean captureRouter;
    private final Map<String, NDArray> routerPrior = new LinkedHashMap<>();
    private final Set<String> probLayers;
    private final Map<String, NDArray> personalProbs = new LinkedHashMap<>();

    /**
     * @param text T (B, L, D): must be the same tensor the UNet gets as context
     * @param positions (B) rows of subject token positions, -1 = none
     * @param imageEmbeds (B, S, Di) or null
     * @param timesteps t per row
     * @param captureRouter keep every layer's prior weight r0 (B, N)
     * @param probLayers cross layers whose personalized attention probabilities to keep (null = none)
     */
    public MoaCall(MoaMode mode, Fuser fuser, NDArray text, int[][] positions, NDArray imageEmbeds, float[] timesteps,
            boolean captureRouter, Set<String> probLayers) {
        this.mode = mode;
        this.fuser = fuser;
        this.text = text;
        this.positions = positions;
        this.imageEmbeds = imageEmbeds;
        this.timesteps = timesteps;
        this.captureRouter = captureRouter;
        this.probLayers = probLayers == null ? Set.of() : probLayers;
    }

    public MoaMode mode() {
        return mode;
    }

    /** T~(t, l), computed once per call and cross layer. */
    NDArray multimodal(int crossIndex) {
        return fused.computeIfAbsent(crossIndex, l -> fuser.fuse(text, positions, imageEmbeds, timesteps, l));
    }

    boolean capturesRouter() {
        return captureRouter;
    }

    boolean wantsProbs(String layer) {
        return probLayers.contains(layer);
    }

    void putRouter(String layer, NDArray r0) {
        routerPrior.put(layer, r0);
    }

    void putProbs(String layer, NDArray probs) {
        personalProbs.put(layer, probs);
    }

    /** Prior weights r0 (B, N) per MoA layer, in forward order (when captured). */
    public Map<String, NDArray> routerPrior() {
        return routerPrior;
    }

    /** Personalized attention probabilities (B, heads, N, L) per requested cross layer. */
    public Map<String, NDArray> personalProbs() {
        return personalProbs;
    }

    /** The multimodal prompt of a cross layer (for tests and inspection). */
    public NDArray fusedFor(int crossIndex) {
        return multimodal(crossIndex);
    }
}
