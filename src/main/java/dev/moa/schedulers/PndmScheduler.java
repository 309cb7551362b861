package dev.moa.schedulers;

import ai.djl.ndarray.NDArray;
import dev.moa.tensor.NoiseSource;
import java.util.ArrayList;
import java.util.List;

/**
 * Pseudo numerical methods (PNDM, arXiv 2202.09778) as diffusers' {@code PNDMScheduler}. With
 * {@code skip_prk_steps} it is PLMS: a second-order warm-up that evaluates the first timestep twice, then linear
 * multistep of up to 4th order. Without it, the first steps are Runge-Kutta (PRK, 4 model calls per step over
 * the last 3 intervals) before PLMS takes over; that needs at least 4 steps. Its state advances with each call
 * (a counter, like diffusers), so calls must come in order. As in diffusers, a part-way start (img2img) only
 * makes sense with PLMS: the PRK warm-up takes its source timestep from its own call counter.
 */
public final class PndmScheduler extends BaseScheduler {

    private final double finalAlphaCumprod;
    private final boolean skipPrk;
    private long[] prkTimesteps;
    private long[] timesteps;
    private double[] asDouble;

    private int counter;
    private final List<NDArray> ets = new ArrayList<>();
    private NDArray curSample;
    private NDArray curModelOutput;

    public PndmScheduler(SchedulerConfig config) {
        super(config, SchedulerKind.PNDM, "pndm", "PLMS");
        this.finalAlphaCumprod = config.bool("set_alpha_to_one") ? 1.0 : alphasCumprod[0];
        this.skipPrk = config.bool("skip_prk_steps");
        String p = config.predictionType();
        if (!p.equals("epsilon") && !p.equals("v_prediction")) {
            throw badPrediction();
        }
    }

    @Override
    protected void buildSchedule(int n) {
        int trainSteps = config.numTrainTimesteps();
        long[] base = new long[n];
        switch (config.timestepSpacing()) {
            case "linspace" -> {
                double[] l = Spacing.linspace(0, trainSteps - 1, n);
                for (int i = 0; i < n; i++) {
                    base[i] = (long) Math.rint(l[i]);
                }
            }
            case "leading" -> {
                int ratio = trainSteps / n;
                for (int i = 0; i < n; i++) {
                    base[i] = (long) i * ratio + config.stepsOffset();
                }
            }
            case "trailing" -> {
                double[] a = Spacing.arangeDown(trainSteps, (double) trainSteps / n);
                base = new long[a.length];
                for (int i = 0; i < a.length; i++) {
                    base[i] = (long) Math.rint(a[a.length - 1 - i]) - 1;
                }
            }
            default -> throw Spacing.unsupported(config.timestepSpacing());
        }
        int m = base.length;
        List<Long> prk = new ArrayList<>();
        List<Long> plms = new ArrayList<>();
        if (skipPrk) {
            // ascending t0..t(n-2), t(n-2) again, t(n-1); then reversed: the first timestep is evaluated twice
            for (int i = 0; i < m - 1; i++) {
                plms.add(base[i]);
            }
            if (m >= 2) {
                plms.add(base[m - 2]);
            }
            plms.add(base[m - 1]);
            java.util.Collections.reverse(plms);
        } else {
            int order = 4;
            if (m < order) {
                throw new IllegalArgumentException("PNDM with PRK warm-up (skip_prk_steps false) needs at least 4 steps");
            }
            long half = trainSteps / n / 2;
            List<Long> pairs = new ArrayList<>();
            for (int i = m - order; i < m; i++) {
                pairs.add(base[i]);
                pairs.add(base[i] + half);
            }
            pairs.remove(pairs.size() - 1);
            List<Long> doubled = new ArrayList<>();
            for (long v : pairs) {
                doubled.add(v);
                doubled.add(v);
            }
            prk.addAll(doubled.subList(1, doubled.size() - 1));
            java.util.Collections.reverse(prk);
            for (int i = m - 4; i >= 0; i--) {
                plms.add(base[i]);
            }
        }
        prkTimesteps = prk.stream().mapToLong(Long::longValue).toArray();
        timesteps = new long[prk.size() + plms.size()];
        for (int i = 0; i < prk.size(); i++) {
            timesteps[i] = prk.get(i);
        }
        for (int i = 0; i < plms.size(); i++) {
            timesteps[prk.size() + i] = plms.get(i);
        }
        asDouble = toDouble(timesteps);
    }

    @Override
    protected double[] schedule() {
        return asDouble;
    }

    @Override
    protected void resetState() {
        counter = 0;
        ets.clear();
        curSample = null;
        curModelOutput = null;
    }

    @Override
    protected NDArray doStep(NDArray modelOutput, int callIndex, NDArray sample, NoiseSource generator) {
        long t = timesteps[callIndex];
        if (counter < prkTimesteps.length && !skipPrk) {
            return stepPrk(modelOutput, t, sample);
        }
        return stepPlms(modelOutput, t, sample);
    }

    private NDArray stepPrk(NDArray modelOutput, long t, NDArray sample) {
        int stride = config.numTrainTimesteps() / numInferenceSteps;
        long diffToPrev = counter % 2 != 0 ? 0 : stride / 2;
        long prev = t - diffToPrev;
        long from = prkTimesteps[counter / 4 * 4];
        NDArray eps = modelOutput;
        switch (counter % 4) {
            case 0 -> {
                accumulate(modelOutput, 1.0f / 6, modelOutput, sample);
                ets.add(keep(modelOutput, modelOutput, sample));
                replaceCurSample(sample);
            }
            case 1, 2 -> accumulate(modelOutput, 1.0f / 3, modelOutput, sample);
            default -> {
                eps = curModelOutput.add(modelOutput.mul(1.0f / 6));
                drop(curModelOutput);
                curModelOutput = null;
            }
        }
        NDArray base = curSample != null ? curSample : sample;
        NDArray prevSample = prevSample(base, from, prev, eps);
        counter++;
        return prevSample;
    }

    private void accumulate(NDArray modelOutput, float weight, NDArray... callerArrays) {
        NDArray term = modelOutput.mul(weight);
        NDArray sum = curModelOutput == null ? term : curModelOutput.add(term);
        drop(curModelOutput);
        curModelOutput = keep(sum, callerArrays);
    }

    private void replaceCurSample(NDArray sample) {
        drop(curSample);
        curSample = keep(sample.duplicate());
    }

    private NDArray stepPlms(NDArray modelOutput, long t, NDArray sample) {
        if (!skipPrk && ets.size() < 3) {
            throw new IllegalStateException("PLMS needs the PRK warm-up first: call the steps in order");
        }
        int stride = config.numTrainTimesteps() / numInferenceSteps;
        long prev = t - stride;
        long from = t;
        if (counter != 1) {
            while (ets.size() > 3) {
                drop(ets.remove(0));
            }
            ets.add(keep(modelOutput, modelOutput, sample));
        } else {
            // the warm-up's second call re-does the first interval with the averaged noise estimate
            prev = t;
            from = t + stride;
        }
        NDArray eps;
        NDArray x = sample;
        int k = ets.size();
        if (k == 1 && counter == 0) {
            eps = modelOutput;
            replaceCurSample(sample);
        } else if (k == 1 && counter == 1) {
            eps = modelOutput.add(ets.get(0)).div(2f);
            x = curSample;
        } else if (k == 2) {
            eps = ets.get(1).mul(3f).sub(ets.get(0)).div(2f);
        } else if (k == 3) {
            eps = ets.get(2).mul(23f).sub(ets.get(1).mul(16f)).add(ets.get(0).mul(5f)).div(12f);
        } else {
            eps = ets.get(3).mul(55f).sub(ets.get(2).mul(59f)).add(ets.get(1).mul(37f)).sub(ets.get(0).mul(9f))
                    .mul(1f / 24);
        }
        NDArray prevSample = prevSample(x, from, prev, eps);
        if (k == 1 && counter == 1) {
            drop(curSample);
            curSample = null;
        }
        counter++;
        return prevSample;
    }

    /** Formula (9) of the PNDM paper: the transfer from t to prev given a noise estimate. */
    private NDArray prevSample(NDArray sample, long t, long prev, NDArray eps) {
        double a = alphasCumprod[(int) t];
        double aPrev = prev >= 0 ? alphasCumprod[(int) prev] : finalAlphaCumprod;
        double b = 1 - a;
        double bPrev = 1 - aPrev;
        if (config.predictionType().equals("v_prediction")) {
            eps = eps.mul((float) Math.sqrt(a)).add(sample.mul((float) Math.sqrt(b)));
        }
        double sampleCoeff = Math.sqrt(aPrev / a);
        double denom = a * Math.sqrt(bPrev) + Math.sqrt(a * b * aPrev);
        return sample.mul((float) sampleCoeff).sub(eps.mul((float) ((aPrev - a) / denom)));
    }

    @Override
    protected NDArray doAddNoise(NDArray original, NDArray noise, int callIndex) {
        return addNoiseAtTimestep(original, noise, (int) timesteps[callIndex]);
    }
}
