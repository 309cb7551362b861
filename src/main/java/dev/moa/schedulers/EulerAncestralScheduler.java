package dev.moa.schedulers;

import ai.djl.ndarray.NDArray;
import dev.moa.tensor.NoiseSource;

/**
 * Ancestral Euler sampling (k-diffusion's sample_euler_ancestral, A1111 "Euler a") as diffusers'
 * {@code EulerAncestralDiscreteScheduler}: an Euler step down to sigma_down, then fresh noise of size sigma_up
 * drawn from the generator (also in the last step, where sigma_up is 0, as diffusers draws it anyway).
 */
public final class EulerAncestralScheduler extends SigmaScheduler {

    public EulerAncestralScheduler(SchedulerConfig config) {
        super(config, SchedulerKind.EULER_ANCESTRAL, "euler-a", "Euler a");
        if (config.predictionType().equals("sample")) {
            throw new UnsupportedOperationException("EulerAncestralDiscreteScheduler does not implement prediction_type sample");
        }
    }

    @Override
    public boolean isStochastic() {
        return true;
    }

    @Override
    protected void buildSchedule(int n) {
        buildSigmaGrid(n);
    }

    @Override
    protected NDArray doStep(NDArray modelOutput, int callIndex, NDArray sample, NoiseSource generator) {
        float sigma = sigmas[callIndex];
        float to = sigmas[callIndex + 1];
        NDArray x0 = denoised(modelOutput, sample, sigma);
        // float32 as diffusers computes them from its float32 sigma tensor
        float up = (float) Math.sqrt(to * to * (sigma * sigma - to * to) / (sigma * sigma));
        float down = (float) Math.sqrt(to * to - up * up);
        NDArray derivative = sample.sub(x0).div(sigma);
        NDArray prev = sample.add(derivative.mul(down - sigma));
        prev = prev.add(randnLike(generator, modelOutput).mul(up));
        setPredOriginal(x0, modelOutput, sample);
        return prev;
    }
}
