package dev.moa.schedulers;

import ai.djl.ndarray.NDArray;
import dev.moa.tensor.NoiseSource;

/**
 * DDIM (arXiv 2010.02502) as diffusers' {@code DDIMScheduler}: integer timesteps, leading / trailing /
 * linspace spacing, eta (0 = deterministic; with eta &gt; 0 each step draws noise from the generator),
 * clip_sample / thresholding, and the three prediction types.
 */
public final class DdimScheduler extends BaseScheduler {

    private final double finalAlphaCumprod;
    private double eta;
    private long[] timesteps;
    private double[] asDouble;

    public DdimScheduler(SchedulerConfig config) {
        super(config, SchedulerKind.DDIM, "ddim", "DDIM");
        this.finalAlphaCumprod = config.bool("set_alpha_to_one") ? 1.0 : alphasCumprod[0];
    }

    /** DDIM's eta (a pipeline argument in diffusers, 0 by default): the weight of the noise added per step. */
    public DdimScheduler setEta(double eta) {
        if (eta < 0) {
            throw new IllegalArgumentException("eta must be >= 0: " + eta);
        }
        this.eta = eta;
        return this;
    }

    public double eta() {
        return eta;
    }

    @Override
    public boolean isStochastic() {
        return eta > 0;
    }

    @Override
    protected void buildSchedule(int n) {
        timesteps = Spacing.ddim(config.timestepSpacing(), config.numTrainTimesteps(), n, config.stepsOffset());
        asDouble = toDouble(timesteps);
    }

    @Override
    protected double[] schedule() {
        return asDouble;
    }

    private double alphaAt(long t) {
        return t >= 0 ? alphasCumprod[(int) t] : finalAlphaCumprod;
    }

    @Override
    protected NDArray doStep(NDArray modelOutput, int callIndex, NDArray sample, NoiseSource generator) {
        long t = timesteps[callIndex];
        // diffusers steps back by T // n whatever the spacing (so linspace spacing skips to a different t)
        long prev = t - config.numTrainTimesteps() / numInferenceSteps;
        double alphaProd = alphasCumprod[(int) t];
        double alphaPrev = alphaAt(prev);
        NDArray[] x0Eps = x0AndEps(modelOutput, sample, alphaProd);
        NDArray x0 = x0Eps[0];
        NDArray eps = x0Eps[1];
        if (config.bool("thresholding")) {
            x0 = Thresholding.apply(x0, config.dbl("dynamic_thresholding_ratio"), config.dbl("sample_max_value"));
        } else if (config.bool("clip_sample")) {
            double r = config.dbl("clip_sample_range");
            x0 = x0.clip(-r, r);
        }
        double betaProd = 1 - alphaProd;
        double variance = ((1 - alphaPrev) / betaProd) * (1 - alphaProd / alphaPrev);
        double std = eta * Math.sqrt(variance);
        NDArray prevSample = x0.mul((float) Math.sqrt(alphaPrev))
                .add(eps.mul((float) Math.sqrt(1 - alphaPrev - std * std)));
        if (eta > 0) {
            prevSample = prevSample.add(randnLike(generator, modelOutput).mul((float) std));
        }
        setPredOriginal(x0, modelOutput, sample);
        return prevSample;
    }

    @Override
    protected NDArray doAddNoise(NDArray original, NDArray noise, int callIndex) {
        return addNoiseAtTimestep(original, noise, (int) timesteps[callIndex]);
    }
}
