package dev.moa.schedulers;

import ai.djl.ndarray.NDArray;

/**
 * The k-diffusion style schedulers (Euler, Euler ancestral, LMS, Heun): the sample lives at noise level sigma
 * (x = x0 + sigma * eps), the model input is scaled by 1 / sqrt(sigma^2 + 1), and the schedule is a list of
 * float32 sigmas ending in 0. The grid is built as diffusers builds it for these classes: float32 timesteps,
 * sigmas interpolated (np.interp, in double) from the training sigmas, or a Karras / exponential schedule whose
 * timesteps are mapped back through log-sigma interpolation.
 */
abstract class SigmaScheduler extends BaseScheduler {

    /** sigma per call, plus the final one (length = calls + 1); float32 as diffusers keeps them. */
    protected float[] sigmas;
    protected float[] callTimesteps;
    private double[] asDouble;

    SigmaScheduler(SchedulerConfig config, SchedulerKind kind, String cliName, String displayName) {
        super(config, kind, cliName, displayName);
    }

    /** Timesteps (float32) and sigmas (with the final sigma appended) for n steps. */
    protected final void buildSigmaGrid(int n) {
        int trainSteps = config.numTrainTimesteps();
        float[] ts = Spacing.sigmaFamily(config.timestepSpacing(), trainSteps, n, config.stepsOffset());
        float[] train = NoiseSchedule.trainSigmas(alphasCumprod);
        float[] logTrain = NoiseSchedule.logF32(train);
        double[] s;
        String interpolation = config.has("interpolation_type") ? config.str("interpolation_type") : "linear";
        if (interpolation.equals("linear")) {
            s = new double[ts.length];
            for (int i = 0; i < ts.length; i++) {
                s[i] = NoiseSchedule.interp(ts[i], train);
            }
        } else if (interpolation.equals("log_linear")) {
            // diffusers builds n + 1 sigmas here (a quirk kept as is): float32 linspace of log sigma, exp
            float[] l = NoiseSchedule.linspaceF32((float) Math.log(train[train.length - 1]), (float) Math.log(train[0]), n + 1);
            s = new double[l.length];
            for (int i = 0; i < l.length; i++) {
                s[i] = (float) Math.exp(l[i]);
            }
        } else {
            throw new IllegalArgumentException("interpolation_type " + interpolation + " is not implemented; use linear or log_linear");
        }
        boolean karras = config.bool("use_karras_sigmas", false);
        boolean exponential = config.bool("use_exponential_sigmas", false);
        if (config.bool("use_beta_sigmas", false)) {
            throw new UnsupportedOperationException("use_beta_sigmas is not supported");
        }
        if (karras && exponential) {
            throw new IllegalArgumentException("only one of use_karras_sigmas, use_exponential_sigmas can be set");
        }
        if (karras || exponential) {
            Double cfgMin = config.optDouble("sigma_min");
            Double cfgMax = config.optDouble("sigma_max");
            double sMin = cfgMin != null ? cfgMin : s[s.length - 1];
            double sMax = cfgMax != null ? cfgMax : s[0];
            s = karras ? NoiseSchedule.karras(sMin, sMax, n) : NoiseSchedule.exponential(sMin, sMax, n);
            ts = new float[s.length];
            for (int i = 0; i < s.length; i++) {
                ts[i] = (float) NoiseSchedule.sigmaToT(s[i], logTrain);
            }
        }
        String finalType = config.optString("final_sigmas_type");
        float last;
        if (finalType == null || finalType.equals("zero")) {
            last = 0f;
        } else if (finalType.equals("sigma_min")) {
            last = train[0];
        } else {
            throw new IllegalArgumentException("final_sigmas_type must be zero or sigma_min: " + finalType);
        }
        float[] sig = new float[s.length + 1];
        for (int i = 0; i < s.length; i++) {
            sig[i] = (float) s[i];
        }
        sig[s.length] = last;
        if ("continuous".equals(config.optString("timestep_type")) && config.predictionType().equals("v_prediction")) {
            // EDM-style timesteps: 0.25 * log(sigma), in float32
            ts = new float[sig.length - 1];
            for (int i = 0; i < ts.length; i++) {
                ts[i] = 0.25f * (float) Math.log(sig[i]);
            }
        }
        setGrid(ts, sig);
    }

    /** Sets the per-call grid (subclasses that repeat entries, like Heun). */
    protected final void setGrid(float[] timesteps, float[] sigmasWithFinal) {
        callTimesteps = timesteps;
        sigmas = sigmasWithFinal;
        asDouble = toDouble(timesteps);
    }

    @Override
    protected double[] schedule() {
        return asDouble;
    }

    /** The sigma used at each call and the final one (a copy). */
    public float[] sigmas() {
        requireTimesteps();
        return sigmas.clone();
    }

    @Override
    public double initNoiseSigma() {
        requireTimesteps();
        float max = 0;
        for (float v : sigmas) {
            max = Math.max(max, v);
        }
        String spacing = config.timestepSpacing();
        if (spacing.equals("linspace") || spacing.equals("trailing")) {
            return max;
        }
        return (float) Math.sqrt(max * max + 1f);
    }

    /** 1 / sqrt(sigma^2 + 1) as float32 torch computes the divisor. */
    protected static float inputDivisor(float sigma) {
        return (float) Math.sqrt(sigma * sigma + 1f);
    }

    @Override
    protected NDArray doScaleModelInput(NDArray sample, int callIndex) {
        return sample.div(inputDivisor(sigmas[callIndex]));
    }

    /** x0 from the model output at noise level sigma (k-diffusion's denoiser). */
    protected final NDArray denoised(NDArray modelOutput, NDArray sample, float sigma) {
        return switch (config.predictionType()) {
            case "epsilon" -> sample.sub(modelOutput.mul(sigma));
            // c_out = -sigma / sqrt(sigma^2 + 1), c_skip = 1 / (sigma^2 + 1)
            case "v_prediction" -> modelOutput.mul(-sigma / inputDivisor(sigma)).add(sample.div(sigma * sigma + 1f));
            case "sample", "original_sample" -> modelOutput;
            default -> throw badPrediction();
        };
    }

    @Override
    protected NDArray doAddNoise(NDArray original, NDArray noise, int callIndex) {
        return original.add(noise.mul(sigmas[callIndex]));
    }
}
