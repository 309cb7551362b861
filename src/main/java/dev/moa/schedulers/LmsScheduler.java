package dev.moa.schedulers;

import ai.djl.ndarray.NDArray;
import dev.moa.tensor.NoiseSource;
import java.util.ArrayList;
import java.util.List;

/**
 * Linear multistep (k-diffusion's sample_lms, order 4) as diffusers' {@code LMSDiscreteScheduler}. The
 * coefficients integrate the Lagrange basis polynomials through the last sigmas over [sigma_i, sigma_(i+1)];
 * diffusers does this numerically with scipy's quad, here the polynomials (degree &lt;= 3) are integrated exactly.
 */
public final class LmsScheduler extends SigmaScheduler {

    private static final int ORDER = 4;
    private final List<NDArray> derivatives = new ArrayList<>();

    public LmsScheduler(SchedulerConfig config) {
        super(config, SchedulerKind.LMS, "lms", config.useKarrasSigmas() ? "LMS Karras" : "LMS");
    }

    @Override
    protected void buildSchedule(int n) {
        buildSigmaGrid(n);
    }

    @Override
    protected void resetState() {
        derivatives.clear();
    }

    @Override
    protected NDArray doStep(NDArray modelOutput, int callIndex, NDArray sample, NoiseSource generator) {
        float sigma = sigmas[callIndex];
        NDArray x0 = denoised(modelOutput, sample, sigma);
        derivatives.add(keep(sample.sub(x0).div(sigma)));
        if (derivatives.size() > ORDER) {
            drop(derivatives.remove(0));
        }
        int order = Math.min(callIndex + 1, ORDER);
        // when starting part-way (img2img) there are fewer derivatives than the order: diffusers still uses
        // the order's coefficients and zips them with the derivatives it has
        int used = Math.min(order, derivatives.size());
        NDArray prev = sample;
        for (int k = 0; k < used; k++) {
            double coeff = coefficient(order, callIndex, k);
            // coefficient k pairs with the derivative k steps back
            NDArray d = derivatives.get(derivatives.size() - 1 - k);
            prev = prev.add(d.mul((float) coeff));
        }
        setPredOriginal(x0, modelOutput, sample);
        return prev;
    }

    /**
     * The integral over [sigma_t, sigma_(t+1)] of the Lagrange basis polynomial that is 1 at sigma_(t-j) and 0
     * at the other sigma_(t-k), k &lt; order.
     */
    double coefficient(int order, int t, int j) {
        // polynomial coefficients, lowest degree first
        double[] poly = {1.0};
        for (int k = 0; k < order; k++) {
            if (k == j) {
                continue;
            }
            double root = sigmas[t - k];
            double denom = (double) sigmas[t - j] - sigmas[t - k];
            double[] next = new double[poly.length + 1];
            for (int d = 0; d < poly.length; d++) {
                next[d + 1] += poly[d] / denom;
                next[d] -= poly[d] * root / denom;
            }
            poly = next;
        }
        double a = sigmas[t];
        double b = sigmas[t + 1];
        return antiderivative(poly, b) - antiderivative(poly, a);
    }

    private static double antiderivative(double[] poly, double x) {
        double sum = 0;
        for (int d = poly.length - 1; d >= 0; d--) {
            sum = sum * x + poly[d] / (d + 1);
        }
        return sum * x;
    }
}
