package dev.moa.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Map;

/**
 * Watches one generation: progress, cancellation, and (for MoA) the router's weights of every UNet call. All
 * methods have no-op defaults; callbacks run on the generating thread.
 */
public interface GenerationObserver {

    /** What is being generated, before the first step. Arrays an observer keeps belong in {@code manager}. */
    record Start(int batch, int latentHeight, int latentWidth, NDManager manager) {}

    default void onStart(Start start) {}

    /**
     * @param done steps finished so far
     * @param total steps in all
     * @param phase "sampling" or "decoding"
     */
    default void onProgress(int done, int total, String phase) {}

    /** Polled between steps; true stops the generation with a {@link java.util.concurrent.CancellationException}. */
    default boolean isCancelled() {
        return false;
    }

    /** Whether MoA should record the router's weights for {@link #onRouter}. */
    default boolean wantsRouter() {
        return false;
    }

    /**
     * Every MoA layer's prior weight r0 (rows, N) of one UNet call, still on the device; rows
     * {@code [firstConditional, firstConditional + batch)} are the images' conditional rows. The arrays are freed
     * after the step: keep sums, not references.
     */
    default void onRouter(Map<String, NDArray> priorWeights, int firstConditional) {}

    /**
     * The latents after sampling call {@code callIndex} (the scheduler's step index), still on the device and freed
     * after the step: copy what you keep.
     */
    default void onLatents(int callIndex, NDArray latents) {}

    /** After sampling and decoding, while {@link Start#manager()} is still open. */
    default void onFinish() {}
}
