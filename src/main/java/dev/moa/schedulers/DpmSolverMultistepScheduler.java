package dev.moa.schedulers;

import ai.djl.ndarray.NDArray;
import dev.moa.tensor.NoiseSource;

/**
 * Multistep DPM-Solver (arXiv 2206.00927) and DPM-Solver++ (arXiv 2211.01095) as diffusers'
 * {@code DPMSolverMultistepScheduler}: orders 1 to 3, midpoint / heun second-order variants, the SDE variants
 * (which draw noise from the generator every step), lower-order final steps, Karras / exponential / LU sigmas.
 * With {@code dpmsolver++}, order 2, midpoint this is A1111's "DPM++ 2M" ("DPM++ 2M Karras" with Karras sigmas).
 */
public final class DpmSolverMultistepScheduler extends MultistepScheduler {

    private final String algorithm;
    private final boolean dataPrediction;
    private final boolean sde;

    public DpmSolverMultistepScheduler(SchedulerConfig config) {
        super(config, SchedulerKind.DPM_SOLVER_MULTISTEP, cliNameOf(config), displayNameOf(config));
        this.algorithm = config.str("algorithm_type");
        switch (algorithm) {
            case "dpmsolver", "dpmsolver++", "sde-dpmsolver", "sde-dpmsolver++" -> { }
            default -> throw new IllegalArgumentException("algorithm_type " + algorithm + " is not implemented");
        }
        this.dataPrediction = algorithm.endsWith("++");
        this.sde = algorithm.startsWith("sde-");
        String solver = config.str("solver_type");
        if (!solver.equals("midpoint") && !solver.equals("heun")) {
            throw new IllegalArgumentException("solver_type " + solver + " is not implemented");
        }
        if (!dataPrediction && config.str("final_sigmas_type").equals("zero")) {
            throw new IllegalArgumentException("final_sigmas_type zero is not supported for algorithm_type "
                    + algorithm + "; choose sigma_min");
        }
        if (!config.isNull("variance_type")) {
            throw new UnsupportedOperationException("variance_type (learned variance) is not supported");
        }
        if (config.predictionType().equals("flow_prediction")) {
            throw new UnsupportedOperationException("flow_prediction is not supported");
        }
        resetState();
    }

    private static String cliNameOf(SchedulerConfig c) {
        return c.useKarrasSigmas() ? "dpm++2m-karras" : "dpm++2m";
    }

    private static String displayNameOf(SchedulerConfig c) {
        String algo = c.str("algorithm_type");
        String base = switch (algo) {
            case "dpmsolver++" -> "DPM++ " + c.integer("solver_order") + "M";
            case "sde-dpmsolver++" -> "DPM++ " + c.integer("solver_order") + "M SDE";
            case "dpmsolver" -> "DPM " + c.integer("solver_order") + "M";
            default -> "DPM " + c.integer("solver_order") + "M SDE";
        };
        return c.useKarrasSigmas() ? base + " Karras" : base;
    }

    @Override
    public boolean isStochastic() {
        return sde;
    }

    @Override
    protected int lastTimestep() {
        // the grid ends where lambda(t) drops below lambda_min_clipped (matters for the cosine schedule)
        double clip = config.dbl("lambda_min_clipped");
        int n = alphasCumprod.length;
        int clipped = 0;
        for (int i = 0; i < n; i++) {
            float ac = alphasCumprod[n - 1 - i];
            float lam = (float) Math.log((float) Math.sqrt(ac)) - (float) Math.log((float) Math.sqrt(1f - ac));
            if (lam < clip) {
                clipped++;
            }
        }
        return config.numTrainTimesteps() - clipped;
    }

    @Override
    protected boolean roundsMappedTimesteps() {
        return !config.betaSchedule().equals("squaredcos_cap_v2");
    }

    @Override
    protected double sigmaMinFinal(double lastScheduleSigma, float[] trainSigmas) {
        return trainSigmas[0];
    }

    @Override
    protected NDArray doStep(NDArray modelOutput, int callIndex, NDArray sample, NoiseSource generator) {
        int len = timesteps.length;
        boolean fewSteps = config.bool("lower_order_final") && len < 15;
        boolean lowerOrderFinal = callIndex == len - 1
                && (config.bool("euler_at_final") || fewSteps || config.str("final_sigmas_type").equals("zero"));
        boolean lowerOrderSecond = callIndex == len - 2 && fewSteps;

        double sigma = sigmas[callIndex];
        NDArray converted;
        NDArray x0;
        if (dataPrediction) {
            converted = x0From(modelOutput, sample, sigma);
            if (config.bool("thresholding")) {
                converted = threshold(converted);
            }
            // a copy: the converted output itself is history that is dropped on its own schedule
            x0 = converted.duplicate();
        } else {
            converted = epsFrom(modelOutput, sample, sigma);
            if (config.bool("thresholding")) {
                double a = alpha(sigma);
                double st = sigmaT(sigma);
                NDArray t = threshold(sample.sub(converted.mul((float) st)).div((float) a));
                converted = sample.sub(t.mul((float) a)).div((float) st);
            }
            x0 = sample.sub(converted.mul((float) sigmaT(sigma))).div((float) alpha(sigma));
        }
        pushModelOutput(converted, modelOutput, sample);
        NDArray noise = sde ? randnLike(generator, modelOutput) : null;

        NDArray prev;
        if (solverOrder == 1 || lowerOrderNums < 1 || lowerOrderFinal) {
            prev = firstOrder(callIndex, sample, noise);
        } else if (solverOrder == 2 || lowerOrderNums < 2 || lowerOrderSecond) {
            prev = secondOrder(callIndex, sample, noise);
        } else {
            prev = thirdOrder(callIndex, sample, noise);
        }
        if (lowerOrderNums < solverOrder) {
            lowerOrderNums++;
        }
        setPredOriginal(x0, modelOutput, sample);
        return prev;
    }

    private NDArray firstOrder(int i, NDArray sample, NDArray noise) {
        double sT = sigmas[i + 1];
        double sS = sigmas[i];
        double alphaT = alpha(sT);
        double sigmaT = sigmaT(sT);
        double alphaS = alpha(sS);
        double sigmaS = sigmaT(sS);
        double h = lambda(sT) - lambda(sS);
        NDArray m = output(0);
        switch (algorithm) {
            case "dpmsolver++":
                return sample.mul((float) (sigmaT / sigmaS)).sub(m.mul((float) (alphaT * (Math.exp(-h) - 1.0))));
            case "dpmsolver":
                return sample.mul((float) (alphaT / alphaS)).sub(m.mul((float) (sigmaT * (Math.exp(h) - 1.0))));
            case "sde-dpmsolver++":
                return sample.mul((float) (sigmaT / sigmaS * Math.exp(-h)))
                        .add(m.mul((float) (alphaT * (1 - Math.exp(-2.0 * h)))))
                        .add(noise.mul((float) (sigmaT * Math.sqrt(1.0 - Math.exp(-2 * h)))));
            default: // sde-dpmsolver
                return sample.mul((float) (alphaT / alphaS))
                        .sub(m.mul((float) (2.0 * sigmaT * (Math.exp(h) - 1.0))))
                        .add(noise.mul((float) (sigmaT * Math.sqrt(Math.exp(2 * h) - 1.0))));
        }
    }

    private NDArray secondOrder(int i, NDArray sample, NDArray noise) {
        double sT = sigmas[i + 1];
        double s0 = sigmas[i];
        double s1 = sigmas[i - 1];
        double alphaT = alpha(sT);
        double sigmaT = sigmaT(sT);
        double alphaS0 = alpha(s0);
        double sigmaS0 = sigmaT(s0);
        double lambdaT = lambda(sT);
        double lambdaS0 = lambda(s0);
        double lambdaS1 = lambda(s1);
        NDArray m0 = output(0);
        NDArray m1 = output(1);
        double h = lambdaT - lambdaS0;
        double h0 = lambdaS0 - lambdaS1;
        double r0 = h0 / h;
        NDArray d0 = m0;
        NDArray d1 = m0.sub(m1).mul((float) (1.0 / r0));
        boolean midpoint = config.str("solver_type").equals("midpoint");
        double em = Math.exp(-h);
        double ep = Math.exp(h);
        switch (algorithm) {
            case "dpmsolver++": {
                NDArray x = sample.mul((float) (sigmaT / sigmaS0)).sub(d0.mul((float) (alphaT * (em - 1.0))));
                return midpoint
                        ? x.sub(d1.mul((float) (0.5 * (alphaT * (em - 1.0)))))
                        : x.add(d1.mul((float) (alphaT * ((em - 1.0) / h + 1.0))));
            }
            case "dpmsolver": {
                NDArray x = sample.mul((float) (alphaT / alphaS0)).sub(d0.mul((float) (sigmaT * (ep - 1.0))));
                return midpoint
                        ? x.sub(d1.mul((float) (0.5 * (sigmaT * (ep - 1.0)))))
                        : x.sub(d1.mul((float) (sigmaT * ((ep - 1.0) / h - 1.0))));
            }
            case "sde-dpmsolver++": {
                double e2 = Math.exp(-2.0 * h);
                NDArray x = sample.mul((float) (sigmaT / sigmaS0 * em)).add(d0.mul((float) (alphaT * (1 - e2))));
                x = midpoint
                        ? x.add(d1.mul((float) (0.5 * (alphaT * (1 - e2)))))
                        : x.add(d1.mul((float) (alphaT * ((1.0 - e2) / (-2.0 * h) + 1.0))));
                return x.add(noise.mul((float) (sigmaT * Math.sqrt(1.0 - e2))));
            }
            default: { // sde-dpmsolver
                NDArray x = sample.mul((float) (alphaT / alphaS0)).sub(d0.mul((float) (2.0 * (sigmaT * (ep - 1.0)))));
                x = midpoint
                        ? x.sub(d1.mul((float) (sigmaT * (ep - 1.0))))
                        : x.sub(d1.mul((float) (2.0 * (sigmaT * ((ep - 1.0) / h - 1.0)))));
                return x.add(noise.mul((float) (sigmaT * Math.sqrt(Math.exp(2 * h) - 1.0))));
            }
        }
    }

    private NDArray thirdOrder(int i, NDArray sample, NDArray noise) {
        double sT = sigmas[i + 1];
        double s0 = sigmas[i];
        double s1 = sigmas[i - 1];
        double s2 = sigmas[i - 2];
        double alphaT = alpha(sT);
        double sigmaT = sigmaT(sT);
        double alphaS0 = alpha(s0);
        double sigmaS0 = sigmaT(s0);
        double lambdaT = lambda(sT);
        double lambdaS0 = lambda(s0);
        double lambdaS1 = lambda(s1);
        double lambdaS2 = lambda(s2);
        NDArray m0 = output(0);
        NDArray m1 = output(1);
        NDArray m2 = output(2);
        double h = lambdaT - lambdaS0;
        double h0 = lambdaS0 - lambdaS1;
        double h1 = lambdaS1 - lambdaS2;
        double r0 = h0 / h;
        double r1 = h1 / h;
        NDArray d10 = m0.sub(m1).mul((float) (1.0 / r0));
        NDArray d11 = m1.sub(m2).mul((float) (1.0 / r1));
        NDArray d1 = d10.add(d10.sub(d11).mul((float) (r0 / (r0 + r1))));
        NDArray d2 = d10.sub(d11).mul((float) (1.0 / (r0 + r1)));
        double em = Math.exp(-h);
        double ep = Math.exp(h);
        switch (algorithm) {
            case "dpmsolver++":
                return sample.mul((float) (sigmaT / sigmaS0))
                        .sub(m0.mul((float) (alphaT * (em - 1.0))))
                        .add(d1.mul((float) (alphaT * ((em - 1.0) / h + 1.0))))
                        .sub(d2.mul((float) (alphaT * ((em - 1.0 + h) / (h * h) - 0.5))));
            case "dpmsolver":
                return sample.mul((float) (alphaT / alphaS0))
                        .sub(m0.mul((float) (sigmaT * (ep - 1.0))))
                        .sub(d1.mul((float) (sigmaT * ((ep - 1.0) / h - 1.0))))
                        .sub(d2.mul((float) (sigmaT * ((ep - 1.0 - h) / (h * h) - 0.5))));
            case "sde-dpmsolver++": {
                double e2 = Math.exp(-2.0 * h);
                return sample.mul((float) (sigmaT / sigmaS0 * em))
                        .add(m0.mul((float) (alphaT * (1.0 - e2))))
                        .add(d1.mul((float) (alphaT * ((1.0 - e2) / (-2.0 * h) + 1.0))))
                        .add(d2.mul((float) (alphaT * ((1.0 - e2 - 2.0 * h) / ((2.0 * h) * (2.0 * h)) - 0.5))))
                        .add(noise.mul((float) (sigmaT * Math.sqrt(1.0 - e2))));
            }
            default:
                // diffusers has no third-order sde-dpmsolver update (it returns nothing); use second order
                return secondOrder(i, sample, noise);
        }
    }
}
