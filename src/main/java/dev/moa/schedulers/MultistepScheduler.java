package dev.moa.schedulers;

import ai.djl.ndarray.NDArray;

/**
 * DPM-Solver and UniPC: integer timesteps on an n + 1 point grid, float32 sigmas ending at the final sigma,
 * and the VP view of a sigma: alpha = 1 / sqrt(sigma^2 + 1), sigma_t = sigma * alpha, lambda = log(alpha / sigma_t).
 * Keeps the last {@code solver_order} converted model outputs.
 */
abstract class MultistepScheduler extends BaseScheduler {

    protected long[] timesteps;
    private double[] asDouble;
    /** sigma per step plus the final one (float32). */
    protected float[] sigmas;
    /** The last converted model outputs, oldest first; entries are null until filled. */
    protected NDArray[] modelOutputs;
    protected int lowerOrderNums;
    protected final int solverOrder;

    MultistepScheduler(SchedulerConfig config, SchedulerKind kind, String cliName, String displayName) {
        super(config, kind, cliName, displayName);
        this.solverOrder = config.integer("solver_order");
        if (solverOrder < 1) {
            throw new IllegalArgumentException("solver_order must be >= 1");
        }
        if (config.bool("use_flow_sigmas", false) || config.bool("use_dynamic_shifting", false)) {
            throw new UnsupportedOperationException("flow sigmas / dynamic shifting are not supported");
        }
        if (config.bool("use_beta_sigmas", false)) {
            throw new UnsupportedOperationException("use_beta_sigmas is not supported");
        }
        int sigmaTypes = (config.bool("use_karras_sigmas", false) ? 1 : 0) + (config.bool("use_exponential_sigmas", false) ? 1 : 0)
                + (config.bool("use_lu_lambdas", false) ? 1 : 0);
        if (sigmaTypes > 1) {
            throw new IllegalArgumentException("only one of use_karras_sigmas, use_exponential_sigmas, use_lu_lambdas can be set");
        }
    }

    /** The last training timestep the grid may use (DPM clips small lambdas). */
    protected int lastTimestep() {
        return config.numTrainTimesteps();
    }

    /** Whether Karras / LU timesteps are rounded to integers before the int64 cast (else truncated). */
    protected abstract boolean roundsMappedTimesteps();

    /** The final sigma for "sigma_min" when a Karras / exponential schedule is used. */
    protected abstract double sigmaMinFinal(double lastScheduleSigma, float[] trainSigmas);

    @Override
    protected void buildSchedule(int n) {
        int trainSteps = config.numTrainTimesteps();
        long[] ts = Spacing.multistep(config.timestepSpacing(), trainSteps, lastTimestep(), n, config.stepsOffset());
        float[] train = NoiseSchedule.trainSigmas(alphasCumprod);
        float[] logTrain = NoiseSchedule.logF32(train);
        double[] s;
        boolean mapped = true;
        Double cfgMin = config.optDouble("sigma_min");
        Double cfgMax = config.optDouble("sigma_max");
        double sMin = cfgMin != null ? cfgMin : train[0];
        double sMax = cfgMax != null ? cfgMax : train[train.length - 1];
        if (config.bool("use_karras_sigmas", false)) {
            s = NoiseSchedule.karras(sMin, sMax, n);
        } else if (config.bool("use_exponential_sigmas", false)) {
            s = NoiseSchedule.exponential(sMin, sMax, n);
        } else if (config.bool("use_lu_lambdas", false)) {
            // uniform in log sigma between the extreme training sigmas (diffusers' _convert_to_lu with rho 1)
            double lMin = logTrain[0];
            double lMax = logTrain[logTrain.length - 1];
            s = new double[n];
            for (int i = 0; i < n; i++) {
                double ramp = n == 1 ? 0 : (double) i / (n - 1);
                s[i] = Math.exp(lMax + ramp * (lMin - lMax));
            }
        } else {
            mapped = false;
            s = new double[ts.length];
            for (int i = 0; i < ts.length; i++) {
                s[i] = train[(int) ts[i]];
            }
        }
        boolean rounded = config.bool("use_karras_sigmas", false) || config.bool("use_lu_lambdas", false);
        if (mapped) {
            ts = new long[s.length];
            for (int i = 0; i < s.length; i++) {
                double t = NoiseSchedule.sigmaToT(s[i], logTrain);
                ts[i] = rounded && roundsMappedTimesteps() ? (long) Math.rint(t) : (long) t;
            }
        }
        String finalType = config.str("final_sigmas_type");
        double last;
        if (finalType.equals("zero")) {
            last = 0;
        } else if (finalType.equals("sigma_min")) {
            last = mapped ? sigmaMinFinal(s[s.length - 1], train) : train[0];
        } else {
            throw new IllegalArgumentException("final_sigmas_type must be zero or sigma_min: " + finalType);
        }
        sigmas = new float[s.length + 1];
        for (int i = 0; i < s.length; i++) {
            sigmas[i] = (float) s[i];
        }
        sigmas[s.length] = (float) last;
        timesteps = ts;
        asDouble = toDouble(ts);
        // diffusers resets num_inference_steps to the grid length
        numInferenceSteps = ts.length;
    }

    @Override
    protected double[] schedule() {
        return asDouble;
    }

    @Override
    protected void resetState() {
        modelOutputs = new NDArray[solverOrder];
        lowerOrderNums = 0;
    }

    /** Pushes a converted model output (kept as state), dropping the oldest. */
    protected final void pushModelOutput(NDArray converted, NDArray... callerArrays) {
        drop(modelOutputs[0]);
        System.arraycopy(modelOutputs, 1, modelOutputs, 0, solverOrder - 1);
        modelOutputs[solverOrder - 1] = keep(converted, callerArrays);
    }

    /** The converted output k steps back (0 = latest). */
    protected final NDArray output(int back) {
        return modelOutputs[solverOrder - 1 - back];
    }

    protected static double alpha(double sigma) {
        return 1 / Math.sqrt(sigma * sigma + 1);
    }

    protected static double sigmaT(double sigma) {
        return sigma * alpha(sigma);
    }

    protected static double lambda(double sigma) {
        return Math.log(alpha(sigma)) - Math.log(sigmaT(sigma));
    }

    /** x0 from a model output at this sigma (VP parameterisation). */
    protected final NDArray x0From(NDArray modelOutput, NDArray sample, double sigma) {
        float a = (float) alpha(sigma);
        float st = (float) sigmaT(sigma);
        return switch (config.predictionType()) {
            case "epsilon" -> sample.sub(modelOutput.mul(st)).div(a);
            case "sample" -> modelOutput;
            case "v_prediction" -> sample.mul(a).sub(modelOutput.mul(st));
            default -> throw badPrediction();
        };
    }

    /** epsilon from a model output at this sigma. */
    protected final NDArray epsFrom(NDArray modelOutput, NDArray sample, double sigma) {
        float a = (float) alpha(sigma);
        float st = (float) sigmaT(sigma);
        return switch (config.predictionType()) {
            case "epsilon" -> modelOutput;
            case "sample" -> sample.sub(modelOutput.mul(a)).div(st);
            case "v_prediction" -> modelOutput.mul(a).add(sample.mul(st));
            default -> throw badPrediction();
        };
    }

    protected final NDArray threshold(NDArray x0) {
        return Thresholding.apply(x0, config.dbl("dynamic_thresholding_ratio"), config.dbl("sample_max_value"));
    }

    @Override
    protected NDArray doAddNoise(NDArray original, NDArray noise, int callIndex) {
        double s = sigmas[callIndex];
        return original.mul((float) alpha(s)).add(noise.mul((float) sigmaT(s)));
    }
}
