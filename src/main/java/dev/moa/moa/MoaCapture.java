package dev.moa.moa;

import ai.djl.ndarray.NDArray;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What one MoA UNet call records, apart from what it is given ({@link MoaCall}): the router's prior weights
 * per layer (router maps, the router loss) and the personalized attention probabilities of chosen cross layers
 * (the object loss). The tensors stay where they were computed; nothing is copied to the host here.
 */
public final class MoaCapture {
    private static final MoaCapture NOTHING = new MoaCapture(false, Set.of());

    private final boolean router;
    private final Set<String> probLayers;
    private final Map<String, NDArray> routerPrior = new LinkedHashMap<>();
    private final Map<String, NDArray> personalProbs = new LinkedHashMap<>();

    private MoaCapture(boolean router, Set<String> probLayers) {
        this.router = router;
        this.probLayers = probLayers;
    }

    /** Records nothing (plain sampling). Shared: it never holds anything. */
    public static MoaCapture nothing() {
        return NOTHING;
    }

    /** Records every layer's router prior weights r0 (router maps). */
    public static MoaCapture router() {
        return new MoaCapture(true, Set.of());
    }

    /** Training: router weights for the router loss and the probabilities of {@code probLayers} for the object loss. */
    public static MoaCapture forLosses(Set<String> probLayers) {
        return new MoaCapture(true, probLayers == null ? Set.of() : Set.copyOf(probLayers));
    }

    boolean wantsRouter() {
        return router;
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

    /** Prior weights r0 (B, N) per MoA layer, in forward order (empty unless asked for). */
    public Map<String, NDArray> routerPrior() {
        return routerPrior;
    }

    /** Personalized attention probabilities (B, heads, N, L) per requested cross layer. */
    public Map<String, NDArray> personalProbs() {
        return personalProbs;
    }
}
