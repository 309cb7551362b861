package dev.moa.pipeline;

import ai.djl.ndarray.NDArray;
import java.util.Map;
import java.util.TreeMap;

/** Copies the latents after every sampling step to the host: the reference trajectory of a {@link LatentAnchor}. */
public final class TrajectoryRecorder implements GenerationObserver {
    private final Map<Integer, float[]> latents = new TreeMap<>();

    @Override
    public void onLatents(int callIndex, NDArray after) {
        latents.put(callIndex, after.toFloatArray());
    }

    /** Call index -> latents after that call. */
    public Map<Integer, float[]> trajectory() {
        return latents;
    }
}
