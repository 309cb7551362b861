package dev.moa.schedulers;

import ai.djl.ndarray.NDArray;
import dev.moa.tensor.NoiseSource;

/**
 * Euler's method on the probability-flow ODE (Karras et al. 2022, algorithm 2, without churn) as diffusers'
 * {@code EulerDiscreteScheduler}; Karras / exponential sigmas, log-linear interpolation and final sigma type
 * as configured.
 */
public final class EulerScheduler extends SigmaScheduler {

    public EulerScheduler(SchedulerConfig config) {
        super(config, SchedulerKind.EULER, "euler", config.useKarrasSigmas() ? "Euler Karras" : "Euler");
    }

    @Override
    protected void buildSchedule(int n) {
        buildSigmaGrid(n);
    }

    @Override
    protected NDArray doStep(NDArray modelOutput, int callIndex, NDArray sample, NoiseSource generator) {
        float sigma = sigmas[callIndex];
        NDArray x0 = denoised(modelOutput, sample, sigma);
        NDArray derivative = sample.sub(x0).div(sigma);
        float dt = sigmas[callIndex + 1] - sigma;
        NDArray prev = sample.add(derivative.mul(dt));
        setPredOriginal(x0, modelOutput, sample);
        return prev;
    }
}
