package dev.moa.schedulers;

import ai.djl.ndarray.NDArray;
import dev.moa.tensor.NoiseSource;

/**
 * DDIM run backwards (image to noise, for inversion) as diffusers' {@code DDIMInverseScheduler}: ascending
 * timesteps, each step goes from {@code t - T/n} (or the initial alpha for the first) up to {@code t}.
 */
public final class DdimInverseScheduler extends BaseScheduler {

    private final double initialAlphaCumprod;
    private long[] timesteps;
    private double[] asDouble;

    public DdimInverseScheduler(SchedulerConfig config) {
        super(config, SchedulerKind.DDIM_INVERSE, "ddim-inverse", "DDIM Inverse");
        this.initialAlphaCumprod = config.bool("set_alpha_to_one") ? 1.0 : alphasCumprod[0];
    }

    @Override
    protected void buildSchedule(int n) {
        int trainSteps = config.numTrainTimesteps();
        String spacing = config.timestepSpacing();
        timesteps = new long[n];
        if (spacing.equals("leading")) {
            int ratio = trainSteps / n;
            for (int i = 0; i < n; i++) {
                timesteps[i] = (long) i * ratio + config.stepsOffset();
            }
        } else if (spacing.equals("trailing")) {
            double[] a = Spacing.arangeDown(trainSteps, (double) trainSteps / n);
            timesteps = new long[a.length];
            for (int i = 0; i < a.length; i++) {
                timesteps[i] = (long) Math.rint(a[a.length - 1 - i]) - 1;
            }
        } else {
            throw new IllegalArgumentException("timestep_spacing " + spacing
                    + " is not supported by DDIMInverseScheduler; choose leading or trailing");
        }
        asDouble = toDouble(timesteps);
    }

    @Override
    protected double[] schedule() {
        return asDouble;
    }

    @Override
    protected NDArray doStep(NDArray modelOutput, int callIndex, NDArray sample, NoiseSource generator) {
        long target = timesteps[callIndex];
        long from = Math.min(target - config.numTrainTimesteps() / numInferenceSteps, config.numTrainTimesteps() - 1);
        double alphaProd = from >= 0 ? alphasCumprod[(int) from] : initialAlphaCumprod;
        double alphaNext = alphasCumprod[(int) target];
        NDArray[] x0Eps = x0AndEps(modelOutput, sample, alphaProd);
        NDArray x0 = x0Eps[0];
        if (config.bool("clip_sample")) {
            double r = config.dbl("clip_sample_range");
            x0 = x0.clip(-r, r);
        }
        NDArray next = x0.mul((float) Math.sqrt(alphaNext)).add(x0Eps[1].mul((float) Math.sqrt(1 - alphaNext)));
        setPredOriginal(x0, modelOutput, sample);
        return next;
    }

    @Override
    protected NDArray doAddNoise(NDArray original, NDArray noise, int callIndex) {
        return addNoiseAtTimestep(original, noise, (int) timesteps[callIndex]);
    }
}
