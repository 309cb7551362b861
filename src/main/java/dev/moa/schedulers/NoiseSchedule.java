package dev.moa.schedulers;

/**
 * The training noise schedule (betas, alphas_cumprod, sigmas) computed as diffusers computes it in float32
 * torch tensors, bit for bit where that is cheap: {@code torch.linspace} in float32 evaluates
 * {@code start + step * i} with one rounding from each end towards the middle, and {@code torch.cumprod}
 * accumulates in double on CPU and rounds each partial product to float.
 */
final class NoiseSchedule {
    private NoiseSchedule() {}

    /** {@code torch.linspace(start, end, n, dtype=torch.float32)} on CPU. */
    static float[] linspaceF32(double start, double end, int n) {
        float a = (float) start;
        float b = (float) end;
        float[] out = new float[n];
        if (n == 1) {
            out[0] = a;
            return out;
        }
        float step = (b - a) / (float) (n - 1);
        int half = n / 2;
        for (int i = 0; i < n; i++) {
            // the first half counts up from start, the second down from end; the product is exact in double
            out[i] = i < half ? (float) ((double) a + (double) step * i) : (float) ((double) b - (double) step * (n - i - 1));
        }
        return out;
    }

    /** {@code torch.cumprod} of a float32 vector on CPU (double accumulator). */
    static float[] cumprod(float[] x) {
        float[] out = new float[x.length];
        double acc = 1.0;
        for (int i = 0; i < x.length; i++) {
            acc *= x[i];
            out[i] = (float) acc;
        }
        return out;
    }

    /** The betas of a config (float32), including the zero-terminal-SNR rescale when configured. */
    static float[] betas(SchedulerConfig c) {
        int n = c.numTrainTimesteps();
        double[] trained = c.trainedBetas();
        float[] betas;
        if (trained != null) {
            betas = new float[trained.length];
            for (int i = 0; i < betas.length; i++) {
                betas[i] = (float) trained[i];
            }
        } else {
            switch (c.betaSchedule()) {
                case "linear" -> betas = linspaceF32(c.betaStart(), c.betaEnd(), n);
                case "scaled_linear" -> {
                    betas = linspaceF32(Math.sqrt(c.betaStart()), Math.sqrt(c.betaEnd()), n);
                    for (int i = 0; i < n; i++) {
                        betas[i] = betas[i] * betas[i];
                    }
                }
                case "squaredcos_cap_v2" -> betas = betasForAlphaBar(n, false);
                case "exp" -> {
                    if (c.kind() != SchedulerKind.HEUN) {
                        throw new IllegalArgumentException("beta_schedule exp is not implemented for " + c.className());
                    }
                    betas = betasForAlphaBar(n, true);
                }
                default -> throw new IllegalArgumentException(
                        "beta_schedule " + c.betaSchedule() + " is not implemented for " + c.className());
            }
        }
        if (c.rescaleBetasZeroSnr()) {
            betas = rescaleZeroTerminalSnr(betas);
        }
        return betas;
    }

    /** alphas_cumprod of a config as the scheduler classes hold it (float32). */
    static float[] alphasCumprod(SchedulerConfig c) {
        float[] betas = betas(c);
        float[] alphas = new float[betas.length];
        for (int i = 0; i < alphas.length; i++) {
            alphas[i] = 1f - betas[i];
        }
        float[] ac = cumprod(alphas);
        // the sigma-based classes keep the last value just above 0 so that the first sigma is finite;
        // DDIM, DDIM inverse and DDPM leave it at 0
        boolean lifts = switch (c.kind()) {
            case EULER, EULER_ANCESTRAL, DPM_SOLVER_MULTISTEP, UNIPC -> true;
            default -> false;
        };
        if (c.rescaleBetasZeroSnr() && lifts) {
            ac[ac.length - 1] = (float) Math.pow(2, -24);
        }
        return ac;
    }

    /** diffusers' betas_for_alpha_bar: the glide cosine schedule (or exp), in doubles, then float32. */
    private static float[] betasForAlphaBar(int n, boolean exp) {
        float[] betas = new float[n];
        for (int i = 0; i < n; i++) {
            double t1 = (double) i / n;
            double t2 = (double) (i + 1) / n;
            betas[i] = (float) Math.min(1 - alphaBar(t2, exp) / alphaBar(t1, exp), 0.999);
        }
        return betas;
    }

    private static double alphaBar(double t, boolean exp) {
        if (exp) {
            return Math.exp(t * -12.0);
        }
        double c = Math.cos((t + 0.008) / 1.008 * Math.PI / 2);
        return c * c;
    }

    /** rescale_zero_terminal_snr (arXiv 2305.08891, algorithm 1) in float32 as torch does it. */
    static float[] rescaleZeroTerminalSnr(float[] betas) {
        int n = betas.length;
        float[] alphas = new float[n];
        for (int i = 0; i < n; i++) {
            alphas[i] = 1f - betas[i];
        }
        float[] ac = cumprod(alphas);
        float[] s = new float[n];
        for (int i = 0; i < n; i++) {
            s[i] = (float) Math.sqrt(ac[i]);
        }
        float s0 = s[0];
        float sT = s[n - 1];
        float scale = s0 / (s0 - sT);
        float[] bar = new float[n];
        for (int i = 0; i < n; i++) {
            float v = (s[i] - sT) * scale;
            bar[i] = v * v;
        }
        float[] out = new float[n];
        out[0] = 1f - bar[0];
        for (int i = 1; i < n; i++) {
            out[i] = 1f - bar[i] / bar[i - 1];
        }
        return out;
    }

    /** {@code ((1 - ac) / ac) ** 0.5} in float32, indexed by training timestep. */
    static float[] trainSigmas(float[] alphasCumprod) {
        float[] s = new float[alphasCumprod.length];
        for (int i = 0; i < s.length; i++) {
            float a = alphasCumprod[i];
            s[i] = (float) Math.sqrt((1f - a) / a);
        }
        return s;
    }

    /** {@code np.log} of a float32 array (float32 result). */
    static float[] logF32(float[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) Math.log(x[i]);
        }
        return out;
    }

    /** {@code np.interp(x, arange(len(fp)), fp)} in double. */
    static double interp(double x, float[] fp) {
        int n = fp.length;
        if (x <= 0) {
            return fp[0];
        }
        if (x >= n - 1) {
            return fp[n - 1];
        }
        int j = (int) Math.floor(x);
        if (x == j) {
            return fp[j];
        }
        double slope = ((double) fp[j + 1] - fp[j]);
        return slope * (x - j) + fp[j];
    }

    /** Karras et al. (2022) sigmas, rho 7, from sigma_max down to sigma_min, in double. */
    static double[] karras(double sigmaMin, double sigmaMax, int n) {
        double rho = 7.0;
        double minInv = Math.pow(sigmaMin, 1 / rho);
        double maxInv = Math.pow(sigmaMax, 1 / rho);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            double ramp = n == 1 ? 0 : (double) i / (n - 1);
            out[i] = Math.pow(maxInv + ramp * (minInv - maxInv), rho);
        }
        return out;
    }

    /** Log-uniform sigmas from sigma_max to sigma_min (diffusers' exponential sigmas). */
    static double[] exponential(double sigmaMin, double sigmaMax, int n) {
        double[] out = new double[n];
        double a = Math.log(sigmaMax);
        double b = Math.log(sigmaMin);
        for (int i = 0; i < n; i++) {
            double r = n == 1 ? 0 : (double) i / (n - 1);
            out[i] = Math.exp(a + (b - a) * r);
        }
        return out;
    }

    /**
     * diffusers' _sigma_to_t: the fractional training timestep whose log-sigma matches, interpolating
     * linearly in log sigma between neighbours. {@code logSigmas} is float32 as in diffusers, where the
     * neighbour difference is also taken in float32.
     */
    static double sigmaToT(double sigma, float[] logSigmas) {
        double logSigma = Math.log(Math.max(sigma, 1e-10));
        int n = logSigmas.length;
        // argmax of the cumulative count of (log_sigma >= log_sigmas[i]): the last such index, or 0
        int low = 0;
        for (int i = 0; i < n; i++) {
            if (logSigma - logSigmas[i] >= 0) {
                low = i;
            }
        }
        low = Math.min(low, n - 2);
        int high = low + 1;
        float lo = logSigmas[low];
        float hi = logSigmas[high];
        double w = (lo - logSigma) / (double) (lo - hi);
        w = Math.max(0, Math.min(1, w));
        return (1 - w) * low + w * high;
    }
}
