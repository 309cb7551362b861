package dev.moa.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Map;

/**
 * Keeps the prior's background exactly: a {@link LatentAnchor} whose mask is MoA's own router. After every step the
 * latents are blended with the prior run's latents of that step (same seed and prompt, mode prior) wherever the router
 * did not personalize.
 *
 * <p>The mask comes from the personalized weight r1 = 1 - r0 of every MoA layer, upsampled to the latent grid and
 * averaged over layers and over the steps so far (the picture {@code --router-maps} saves). Per image it is divided by
 * its maximum, mapped linearly from {@code low} (keep the prior) to {@code high} (MoA's own latents), and grown by one
 * latent cell (a 3x3 maximum), so the subject's edge and its shadow stay MoA's. Where MoA routed a pixel to the prior
 * in every layer, the result there is the prior image's; the subject itself is unconstrained. Hand-written: it needs
 * the router's weights of this very generation, which no library has.
 */
public final class RouterAnchor implements LatentAnchor, GenerationObserver {
    /** Default thresholds on the normalised router map. */
    public static final double LOW = 0.3;
    public static final double HIGH = 0.5;

    private final Map<Integer, float[]> trajectory;
    private final double low;
    private final double high;
    private int batch;
    private int height;
    private int width;
    private NDArray pending;    // (B, 1, h, w): this call's r1 summed over layers
    private int pendingLayers;
    private NDArray sum;        // (B, 1, h, w): sum over calls of the calls' layer means
    private int calls;
    private float[] lastKeep;

    /** @param trajectory the prior run's latents after each call (a {@link TrajectoryRecorder}'s) */
    public RouterAnchor(Map<Integer, float[]> trajectory) {
        this(trajectory, LOW, HIGH);
    }

    public RouterAnchor(Map<Integer, float[]> trajectory, double low, double high) {
        if (!(low >= 0 && low < high && high <= 1)) {
            throw new IllegalArgumentException("router anchor thresholds must satisfy 0 <= low < high <= 1, got "
                    + low + " and " + high);
        }
        this.trajectory = trajectory;
        this.low = low;
        this.high = high;
    }

    @Override
    public void onStart(Start start) {
        batch = start.batch();
        height = start.latentHeight();
        width = start.latentWidth();
        pending = start.manager().zeros(new Shape(batch, 1, height, width));
        sum = start.manager().zeros(new Shape(batch, 1, height, width));
        pendingLayers = 0;
        calls = 0;
        lastKeep = null;
    }

    @Override
    public boolean wantsRouter() {
        return true;
    }

    @Override
    public void onRouter(Map<String, NDArray> priorWeights, int firstConditional) {
        for (NDArray r0 : priorWeights.values()) {
            NDArray up = RouterMapCapture.LayerWeights.of(r0, firstConditional, batch, height, width).onGrid(height, width);
            pending.addi(up.toType(pending.getDataType(), false));
            pendingLayers++;
        }
    }

    @Override
    public NDArray apply(NDArray latents, int callIndex, NDManager scope) {
        if (pendingLayers > 0) {
            NDArray mean = pending.div(pendingLayers);
            mean.attach(scope);
            sum.addi(mean);
            pending.muli(0f);
            pendingLayers = 0;
            calls++;
        }
        if (calls == 0) {
            throw new IllegalStateException("the router anchor saw no router weights before call " + callIndex
                    + " (is the generation in MoA mode?)");
        }
        NDArray avg = sum.div(calls);
        avg.attach(scope);
        return LatentAnchor.blend(latents, LatentAnchor.reference(trajectory, callIndex, latents, scope), keep(avg));
    }

    @Override
    public void onFinish() {   // one host copy, not one per step
        if (calls > 0) {
            try (NDManager m = sum.getManager().newSubManager()) {
                NDArray avg = sum.div(calls);
                avg.attach(m);
                lastKeep = keep(avg).toFloatArray();
            }
        }
    }

    /** keep = 1 - grow(clamp((m / max m - low) / (high - low), 0, 1)) of the mean map m (B, 1, h, w). */
    NDArray keep(NDArray mean) {
        Shape s = mean.getShape();
        NDArray max = mean.reshape(s.get(0), 1, s.get(2) * s.get(3)).max(new int[] {2}, true)
                .reshape(s.get(0), 1, 1, 1).maximum(1e-6f);
        NDArray personal = mean.div(max).sub((float) low).div((float) (high - low)).clip(0f, 1f);
        NDArray grown = personal.getNDArrayInternal().maxPool(new Shape(3, 3), new Shape(1, 1), new Shape(1, 1), false);
        return grown.neg().add(1f);
    }

    /** The keep-weights (B * h * w) of the last step, e.g. to show them; null until the generation finished. */
    public float[] lastKeep() {
        return lastKeep;
    }
}
