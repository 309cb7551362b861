package dev.moa.pipeline;

/** Receives progress of long work (sampling steps, training steps). Called on the working thread. */
@FunctionalInterface
public interface ProgressListener extends GenerationObserver {

    /**
     * @param done steps finished so far (1..total)
     * @param total steps in all
     * @param phase what is running, e.g. "sampling", "decoding"
     */
    @Override
    void onProgress(int done, int total, String phase);

    ProgressListener NONE = (d, t, p) -> { };
}
