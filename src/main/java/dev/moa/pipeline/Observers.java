package dev.moa.pipeline;

import ai.djl.ndarray.NDArray;
import java.util.List;
import java.util.Map;

/** Several observers as one. */
final class Observers implements GenerationObserver {
    private final List<GenerationObserver> all;

    private Observers(List<GenerationObserver> all) {
        this.all = all;
    }

    static GenerationObserver of(GenerationObserver... observers) {
        if (observers == null || observers.length == 0) {
            return ProgressListener.NONE;
        }
        return observers.length == 1 ? observers[0] : new Observers(List.of(observers));
    }

    @Override
    public void onStart(Start start) {
        all.forEach(o -> o.onStart(start));
    }

    @Override
    public void onProgress(int done, int total, String phase) {
        all.forEach(o -> o.onProgress(done, total, phase));
    }

    @Override
    public boolean isCancelled() {
        return all.stream().anyMatch(GenerationObserver::isCancelled);
    }

    @Override
    public boolean wantsRouter() {
        return all.stream().anyMatch(GenerationObserver::wantsRouter);
    }

    @Override
    public void onRouter(Map<String, NDArray> priorWeights, int firstConditional) {
        for (GenerationObserver o : all) {
            if (o.wantsRouter()) {
                o.onRouter(priorWeights, firstConditional);
            }
        }
    }

    @Override
    public void onLatents(int callIndex, NDArray latents) {
        all.forEach(o -> o.onLatents(callIndex, latents));
    }

    @Override
    public void onFinish() {
        all.forEach(GenerationObserver::onFinish);
    }
}
