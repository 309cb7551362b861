package dev.moa.pipeline;

import ai.djl.ndarray.NDArray;
import java.util.List;

/** The model as a sampler sees it: scaled latents and a timestep in, the (guided) model output out. */
public interface Denoiser {

    /**
     * @param scaledLatents latents after the scheduler's scale_model_input, (B, C, h, w)
     * @param t the timestep value passed to the UNet
     * @param callIndex index of this model call in the schedule
     */
    NDArray predict(NDArray scaledLatents, double t, int callIndex);

    /** Long-lived arrays predict() reads (prompt embeddings, ...); the sampler scopes them per step. */
    List<NDArray> pinned();
}
