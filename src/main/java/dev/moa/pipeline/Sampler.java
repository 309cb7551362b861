package dev.moa.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.moa.schedulers.Scheduler;
import dev.moa.tensor.Devices;
import dev.moa.tensor.Grads;
import dev.moa.tensor.NoiseSource;
import java.util.concurrent.CancellationException;

/**
 * The denoising loop shared by text-to-image and MoA generation.
 *
 * <p>Each model call runs inside its own NDManager scope, with the latents and the denoiser's long-lived
 * inputs temporarily attached, so every intermediate of the UNet is freed at the end of the step and
 * memory stays flat however many steps run.
 */
public final class Sampler {
    private Sampler() {}

    /**
     * Runs the scheduler's whole schedule.
     *
     * @param latents initial latents, already multiplied by init_noise_sigma; left untouched
     * @return the final latents, in the same manager as {@code latents}
     */
    @SuppressWarnings("try")   // the scope only restores the grad mode
    public static NDArray sample(Scheduler scheduler, NDArray latents, Denoiser denoiser, NoiseSource noise,
            GenerationObserver observer) {
        return sample(scheduler, latents, 0, denoiser, noise, observer);
    }

    /** Runs the schedule from call {@code begin} on (image-to-image starts part-way). */
    public static NDArray sample(Scheduler scheduler, NDArray latents, int begin, Denoiser denoiser, NoiseSource noise,
            GenerationObserver observer) {
        return sample(scheduler, latents, begin, scheduler.timesteps().length, denoiser, noise, observer);
    }

    /** Runs calls {@code [begin, end)} of the schedule (a partial DDIM inversion stops early). */
    @SuppressWarnings("try")
    public static NDArray sample(Scheduler scheduler, NDArray latents, int begin, int end, Denoiser denoiser,
            NoiseSource noise, GenerationObserver observer) {
        return sample(scheduler, latents, begin, end, denoiser, noise, observer, null);
    }

    /** As above, with the latents pinned to a reference trajectory where {@code anchor} says so (null = none). */
    @SuppressWarnings("try")
    public static NDArray sample(Scheduler scheduler, NDArray latents, int begin, int end, Denoiser denoiser,
            NoiseSource noise, GenerationObserver observer, LatentAnchor anchor) {
        try (Grads.Scope noGrad = Grads.disabled()) {
            return run(scheduler, latents, begin, end, denoiser, noise, observer, anchor);
        }
    }

    /** Throws {@link CancellationException} when the observer says the run is cancelled. */
    static void checkCancelled(GenerationObserver observer) {
        if (observer.isCancelled()) {
            throw new CancellationException("generation cancelled");
        }
    }

    private static void checkFinite(NDArray latents, int step, int total) {
        if (latents.isNaN().logicalOr(latents.isInfinite()).any().getBoolean()) {
            throw new IllegalStateException("sampling produced non-finite latents (NaN or infinity) at step " + step
                    + " of " + total + "; with --precision bf16/fp16, try fp32");
        }
    }

    private static NDArray run(Scheduler scheduler, NDArray latents, int begin, int end, Denoiser denoiser,
            NoiseSource noise, GenerationObserver observer, LatentAnchor anchor) {
        NDManager outer = latents.getManager();
        double[] ts = scheduler.timesteps();
        NDArray current = latents;
        int total = end - begin;
        observer.onProgress(0, total, "sampling");
        for (int i = begin; i < end; i++) {
            checkCancelled(observer);
            NDArray prev = current;
            try (NDManager step = outer.newSubManager()) {
                prev.tempAttach(step);
                for (NDArray p : denoiser.pinned()) {
                    p.tempAttach(step);
                }
                NDArray in = scheduler.scaleModelInput(prev, i);
                NDArray out = denoiser.predict(in, ts[i], i);
                NDArray next = scheduler.step(out, i, prev, noise);
                // on a CPU every step is checked (free: nothing is queued); on a GPU a read would wait for the step,
                // so only the final latents are, after the loop
                if (!Devices.readsSynchronize(next.getDevice()) || i == end - 1) {
                    checkFinite(next, i - begin + 1, end - begin);
                }
                if (anchor != null) {
                    next = anchor.apply(next, i, step);
                }
                observer.onLatents(i, next);
                next.attach(outer);
                current = next;
            }
            if (prev != latents) {
                prev.close();
            }
            observer.onProgress(i + 1 - begin, total, "sampling");
        }
        return current;
    }
}
