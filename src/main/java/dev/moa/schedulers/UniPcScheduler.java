package dev.moa.schedulers;

import ai.djl.ndarray.NDArray;
import com.google.gson.JsonElement;
import dev.moa.tensor.NoiseSource;
import java.util.HashSet;
import java.util.Set;

/**
 * UniPC (arXiv 2302.04867) as diffusers' {@code UniPCMultistepScheduler}: a UniP predictor of order up to
 * {@code solver_order} and, from the second step on, a UniC corrector applied to the incoming sample with the
 * new model output before predicting again (the corrected sample is not returned to the caller, as in
 * diffusers). B(h) variants bh1 / bh2, data (predict_x0) or noise prediction.
 */
public final class UniPcScheduler extends MultistepScheduler {

    private final boolean predictX0;
    private final boolean bh1;
    private final Set<Integer> disableCorrector = new HashSet<>();
    private NDArray lastSample;
    private int thisOrder;

    public UniPcScheduler(SchedulerConfig config) {
        super(config, SchedulerKind.UNIPC, "unipc", config.useKarrasSigmas() ? "UniPC Karras" : "UniPC");
        this.predictX0 = config.bool("predict_x0");
        String solver = config.str("solver_type");
        if (!solver.equals("bh1") && !solver.equals("bh2")) {
            throw new IllegalArgumentException("solver_type " + solver + " is not implemented for UniPC");
        }
        this.bh1 = solver.equals("bh1");
        for (JsonElement e : config.get("disable_corrector").getAsJsonArray()) {   // an array: checked on load
            if (!(e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber())) {
                throw new IllegalArgumentException("scheduler config 'disable_corrector': expected step numbers, got " + e);
            }
            disableCorrector.add(e.getAsInt());
        }
        if (!predictX0 && config.str("final_sigmas_type").equals("zero")) {
            // the noise-prediction update multiplies sigma_t = 0 by e^h = inf at the last step: diffusers gives
            // NaN there, so refuse the combination as DPM-Solver does for its noise-prediction variant
            throw new IllegalArgumentException("predict_x0 false needs final_sigmas_type sigma_min");
        }
        if (!config.isNull("solver_p")) {
            throw new UnsupportedOperationException("solver_p is not supported");
        }
        resetState();
    }

    @Override
    protected boolean roundsMappedTimesteps() {
        return true;
    }

    @Override
    protected double sigmaMinFinal(double lastScheduleSigma, float[] trainSigmas) {
        return lastScheduleSigma;
    }

    @Override
    protected void resetState() {
        super.resetState();
        lastSample = null;
        thisOrder = 0;
    }

    @Override
    protected NDArray doStep(NDArray modelOutput, int callIndex, NDArray sample, NoiseSource generator) {
        int i = callIndex;
        boolean useCorrector = i > 0 && !disableCorrector.contains(i - 1) && lastSample != null;
        double sigma = sigmas[i];
        NDArray converted;
        if (predictX0) {
            converted = x0From(modelOutput, sample, sigma);
            if (config.bool("thresholding")) {
                converted = threshold(converted);
            }
        } else {
            converted = epsFrom(modelOutput, sample, sigma);
        }
        NDArray x = sample;
        if (useCorrector) {
            x = corrector(i, converted, lastSample, sample, thisOrder);
        }
        pushModelOutput(converted, modelOutput, sample);
        int order = config.bool("lower_order_final") ? Math.min(solverOrder, timesteps.length - i) : solverOrder;
        thisOrder = Math.min(order, lowerOrderNums + 1);
        drop(lastSample);
        lastSample = keep(x, sample);
        NDArray prev = predictor(i, lastSample, thisOrder);
        if (lowerOrderNums < solverOrder) {
            lowerOrderNums++;
        }
        setPredOriginal(predictX0 ? output(0).duplicate() : sample.sub(output(0).mul((float) sigmaT(sigma))).div((float) alpha(sigma)));
        return prev;
    }

    /** The B(h)-dependent quantities shared by predictor and corrector. */
    private record Phi(double hh, double hPhi1, double bH, double[] b) {}

    private Phi phi(double h, int order) {
        double hh = predictX0 ? -h : h;
        double hPhi1 = Math.expm1(hh);
        double hPhiK = hPhi1 / hh - 1;
        double bH = bh1 ? hh : Math.expm1(hh);
        double[] b = new double[order];
        double factorial = 1;
        for (int k = 1; k <= order; k++) {
            b[k - 1] = hPhiK * factorial / bH;
            factorial *= k + 1;
            hPhiK = hPhiK / hh - 1 / factorial;
        }
        return new Phi(hh, hPhi1, bH, b);
    }

    /** UniP: from sample at sigma[i] to sigma[i+1] with the last {@code order} converted outputs. */
    private NDArray predictor(int i, NDArray x, int order) {
        double sT = sigmas[i + 1];
        double s0 = sigmas[i];
        double alphaT = alpha(sT);
        double sigmaT = sigmaT(sT);
        double alphaS0 = alpha(s0);
        double sigmaS0 = sigmaT(s0);
        double lambdaS0 = lambda(s0);
        double h = lambda(sT) - lambdaS0;
        NDArray m0 = output(0);
        double[] rks = new double[order];
        NDArray[] d1s = new NDArray[order - 1];
        for (int k = 1; k < order; k++) {
            double rk = (lambda(sigmas[i - k]) - lambdaS0) / h;
            rks[k - 1] = rk;
            d1s[k - 1] = output(k).sub(m0).div((float) rk);
        }
        rks[order - 1] = 1.0;
        Phi p = phi(h, order);
        double[] rhos = null;
        if (order == 2) {
            rhos = new double[] {0.5};
        } else if (order > 2) {
            rhos = solve(vandermonde(rks, order - 1), java.util.Arrays.copyOf(p.b, order - 1));
        }
        NDArray xt;
        double coeff;
        if (predictX0) {
            xt = x.mul((float) (sigmaT / sigmaS0)).sub(m0.mul((float) (alphaT * p.hPhi1)));
            coeff = alphaT * p.bH;
        } else {
            xt = x.mul((float) (alphaT / alphaS0)).sub(m0.mul((float) (sigmaT * p.hPhi1)));
            coeff = sigmaT * p.bH;
        }
        // with no history the residual is 0; diffusers multiplies 0 by B(h), which is -inf for bh1 at a
        // final sigma of 0 (NaN there), so the term is skipped instead
        if (rhos != null) {
            NDArray res = weighted(rhos, d1s, d1s.length);
            xt = xt.sub(res.mul((float) coeff));
        }
        return xt;
    }

    /** UniC: corrects this_sample (at sigma[i]) using this step's converted output. */
    private NDArray corrector(int i, NDArray modelT, NDArray last, NDArray thisSample, int order) {
        double sT = sigmas[i];
        double s0 = sigmas[i - 1];
        double alphaT = alpha(sT);
        double sigmaT = sigmaT(sT);
        double alphaS0 = alpha(s0);
        double sigmaS0 = sigmaT(s0);
        double lambdaS0 = lambda(s0);
        double h = lambda(sT) - lambdaS0;
        NDArray m0 = output(0);
        double[] rks = new double[order];
        NDArray[] d1s = new NDArray[order - 1];
        for (int k = 1; k < order; k++) {
            double rk = (lambda(sigmas[i - (k + 1)]) - lambdaS0) / h;
            rks[k - 1] = rk;
            d1s[k - 1] = output(k).sub(m0).div((float) rk);
        }
        rks[order - 1] = 1.0;
        Phi p = phi(h, order);
        double[] rhos = order == 1 ? new double[] {0.5} : solve(vandermonde(rks, order), p.b);
        NDArray xt;
        double coeff;
        if (predictX0) {
            xt = last.mul((float) (sigmaT / sigmaS0)).sub(m0.mul((float) (alphaT * p.hPhi1)));
            coeff = alphaT * p.bH;
        } else {
            xt = last.mul((float) (alphaT / alphaS0)).sub(m0.mul((float) (sigmaT * p.hPhi1)));
            coeff = sigmaT * p.bH;
        }
        NDArray d1t = modelT.sub(m0);
        NDArray corr = d1t.mul((float) rhos[order - 1]);
        if (order > 1) {
            corr = corr.add(weighted(rhos, d1s, order - 1));
        }
        return xt.sub(corr.mul((float) coeff));
    }

    private static NDArray weighted(double[] w, NDArray[] xs, int n) {
        NDArray sum = xs[0].mul((float) w[0]);
        for (int k = 1; k < n; k++) {
            sum = sum.add(xs[k].mul((float) w[k]));
        }
        return sum;
    }

    /** R[p][k] = rks[k]^p for p, k &lt; size. */
    private static double[][] vandermonde(double[] rks, int size) {
        double[][] r = new double[size][size];
        for (int p = 0; p < size; p++) {
            for (int k = 0; k < size; k++) {
                r[p][k] = Math.pow(rks[k], p);
            }
        }
        return r;
    }

    /** Solves a small dense system by Gaussian elimination with partial pivoting. */
    static double[] solve(double[][] a, double[] b) {
        int n = b.length;
        double[][] m = new double[n][];
        for (int i = 0; i < n; i++) {
            m[i] = java.util.Arrays.copyOf(a[i], n + 1);
            m[i][n] = b[i];
        }
        for (int c = 0; c < n; c++) {
            int piv = c;
            for (int r = c + 1; r < n; r++) {
                if (Math.abs(m[r][c]) > Math.abs(m[piv][c])) {
                    piv = r;
                }
            }
            double[] tmp = m[c];
            m[c] = m[piv];
            m[piv] = tmp;
            for (int r = c + 1; r < n; r++) {
                double f = m[r][c] / m[c][c];
                for (int k = c; k <= n; k++) {
                    m[r][k] -= f * m[c][k];
                }
            }
        }
        double[] x = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double s = m[i][n];
            for (int k = i + 1; k < n; k++) {
                s -= m[i][k] * x[k];
            }
            x[i] = s / m[i][i];
        }
        return x;
    }
}
