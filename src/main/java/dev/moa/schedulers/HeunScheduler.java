package dev.moa.schedulers;

import ai.djl.ndarray.NDArray;
import dev.moa.tensor.NoiseSource;

/**
 * Heun's method (Karras et al. 2022, algorithm 1 without churn) as diffusers' {@code HeunDiscreteScheduler}:
 * two model calls per step, an Euler predictor and a trapezoidal corrector, except the last step which stays
 * first order (its corrector would sit at sigma 0). Timesteps and sigmas repeat each inner grid point, so
 * n steps make 2n - 1 calls. Calls must come in order (the corrector uses the predictor's state).
 */
public final class HeunScheduler extends SigmaScheduler {

    private NDArray prevDerivative;
    private NDArray savedSample;
    private Float dt;

    public HeunScheduler(SchedulerConfig config) {
        super(config, SchedulerKind.HEUN, "heun", config.useKarrasSigmas() ? "Heun Karras" : "Heun");
    }

    @Override
    public int order() {
        return 2;
    }

    @Override
    protected void buildSchedule(int n) {
        buildSigmaGrid(n);
        float[] s = sigmas;
        float[] t = callTimesteps;
        // sigmas: s0, s1, s1, ..., s(n-1), s(n-1), 0; timesteps: t0, t1, t1, ..., t(n-1), t(n-1)
        float[] rs = new float[2 * (s.length - 2) + 2];
        rs[0] = s[0];
        for (int i = 1; i < s.length - 1; i++) {
            rs[2 * i - 1] = s[i];
            rs[2 * i] = s[i];
        }
        rs[rs.length - 1] = s[s.length - 1];
        float[] rt = new float[2 * t.length - 1];
        rt[0] = t[0];
        for (int i = 1; i < t.length; i++) {
            rt[2 * i - 1] = t[i];
            rt[2 * i] = t[i];
        }
        setGrid(rt, rs);
    }

    @Override
    protected void resetState() {
        prevDerivative = null;
        savedSample = null;
        dt = null;
    }

    /** True when the next call is a predictor (first-order) call. */
    public boolean isFirstOrderNext() {
        return dt == null;
    }

    @Override
    protected NDArray doStep(NDArray modelOutput, int callIndex, NDArray sample, NoiseSource generator) {
        boolean first = dt == null;
        float sigma = first ? sigmas[callIndex] : sigmas[callIndex - 1];
        float sigmaNext = first ? sigmas[callIndex + 1] : sigmas[callIndex];
        // the x0 estimate is made at the noise level of the sample the model saw
        NDArray x0 = denoised(modelOutput, sample, first ? sigma : sigmaNext);
        if (config.bool("clip_sample")) {
            double r = config.dbl("clip_sample_range");
            x0 = x0.clip(-r, r);
        }
        NDArray prev;
        if (first) {
            NDArray derivative = sample.sub(x0).div(sigma);
            float step = sigmaNext - sigma;
            prev = sample.add(derivative.mul(step));
            drop(prevDerivative);
            drop(savedSample);
            prevDerivative = keep(derivative);
            savedSample = keep(sample, sample);
            dt = step;
        } else {
            NDArray derivative = sample.sub(x0).div(sigmaNext);
            NDArray avg = prevDerivative.add(derivative).div(2f);
            prev = savedSample.add(avg.mul(dt));
            drop(prevDerivative);
            drop(savedSample);
            prevDerivative = null;
            savedSample = null;
            dt = null;
        }
        setPredOriginal(x0, modelOutput, sample);
        return prev;
    }
}
