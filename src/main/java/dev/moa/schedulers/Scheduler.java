package dev.moa.schedulers;

import ai.djl.ndarray.NDArray;
import dev.moa.tensor.NoiseSource;

/**
 * A diffusion sampler shaped for a sampling loop, with parity to the diffusers scheduler of the same name:
 *
 * <pre>{@code
 * scheduler.setTimesteps(steps);
 * double[] ts = scheduler.timesteps();
 * NDArray x = noise.mul(scheduler.initNoiseSigma());
 * for (int i = scheduler.beginIndex(strength); i < ts.length; i++) {   // 0 for text-to-image
 *     NDArray eps = unet(scheduler.scaleModelInput(x, i), ts[i]);
 *     x = scheduler.step(eps, i, x, generator);
 * }
 * }</pre>
 *
 * Call indices count model calls: Heun makes two per step (2n - 1 in all), PNDM with PRK warm-up more. The
 * arrays that {@link #step} and {@link #scaleModelInput} return belong to the sample's NDManager and to the
 * caller; state kept between steps (multistep history) lives in a manager of the scheduler's own, released by
 * {@link #setTimesteps} and {@link #close}. Not thread-safe.
 */
public interface Scheduler extends AutoCloseable {

    /** Builds the schedule for this many denoising steps and resets all state (history, counters). */
    void setTimesteps(int numInferenceSteps);

    /** The number of denoising steps of the current schedule. */
    int numInferenceSteps();

    /** The timestep passed to the model at each model call (a copy). */
    double[] timesteps();

    /** Model calls per denoising step, as diffusers' {@code scheduler.order} (2 for Heun). */
    int order();

    /** The scale of the initial noise (latents = randn * initNoiseSigma()); depends on the schedule, so after setTimesteps. */
    double initNoiseSigma();

    /** The model input for call {@code callIndex} (a new array; the sample itself is not changed). */
    NDArray scaleModelInput(NDArray sample, int callIndex);

    /**
     * Advances the sample with the model output of call {@code callIndex}. The generator is needed only by
     * stochastic schedulers ({@link #isStochastic()}), which draw {@code randn(modelOutput.shape)} from it as
     * diffusers does from the pipeline's generator; it may be null otherwise.
     */
    NDArray step(NDArray modelOutput, int callIndex, NDArray sample, NoiseSource generator);

    /**
     * The x0 estimate of the last step if the scheduler has one (for previews), else null. Owned by the
     * scheduler and valid until the next step; duplicate it to keep it.
     */
    NDArray predOriginalSample();

    /** Whether {@link #step} draws random numbers (then it needs a generator). */
    boolean isStochastic();

    SchedulerConfig config();

    /** The CLI name, e.g. {@code dpm++2m-karras}. */
    String cliName();

    /** The A1111-style name for image metadata, e.g. {@code DPM++ 2M Karras}. */
    String displayName();

    /**
     * The call index to start at for image-to-image with this strength (in (0, 1]), as diffusers'
     * img2img {@code get_timesteps}: {@code t_start * order} with
     * {@code t_start = n - min(int(n * strength), n)}. Requires {@link #setTimesteps} first.
     */
    default int beginIndex(double strength) {
        if (!(strength >= 0 && strength <= 1)) {
            throw new IllegalArgumentException("strength must be in [0, 1]: " + strength);
        }
        int n = numInferenceSteps();
        int init = Math.min((int) (n * strength), n);
        int tStart = Math.max(n - init, 0);
        return tStart * order();
    }

    /**
     * Noises a clean sample to the noise level of call {@code callIndex} with this scheduler's own rule
     * (alphas_cumprod for DDIM/PNDM, {@code x + sigma * noise} for the sigma schedulers, alpha/sigma for
     * DPM-Solver and UniPC), as diffusers' {@code add_noise} after {@code set_begin_index(callIndex)}.
     */
    NDArray addNoise(NDArray original, NDArray noise, int callIndex);

    /** Releases the scheduler's state arrays. */
    @Override
    void close();
}
