package dev.moa.schedulers;

/**
 * The inference timestep grids of diffusers' {@code timestep_spacing} options ("linspace", "leading",
 * "trailing", see table 2 of arXiv 2305.08891). The scheduler families build them slightly differently, and
 * those differences are kept: numpy rounds half to even ({@link Math#rint}).
 */
final class Spacing {
    private Spacing() {}

    /** {@code np.linspace(start, stop, num)} in double. */
    static double[] linspace(double start, double stop, int num) {
        double[] y = new double[num];
        if (num == 1) {
            y[0] = start;
            return y;
        }
        double step = (stop - start) / (num - 1);
        for (int i = 0; i < num; i++) {
            y[i] = i * step + start;
        }
        y[num - 1] = stop;
        return y;
    }

    /** {@code np.arange(start, 0, -step)} for a float step. */
    static double[] arangeDown(double start, double step) {
        int len = (int) Math.ceil(start / step);
        double[] y = new double[len];
        for (int i = 0; i < len; i++) {
            y[i] = start + i * -step;
        }
        return y;
    }

    /** DDIM / DDPM: n integer timesteps, descending. */
    static long[] ddim(String spacing, int trainSteps, int n, int stepsOffset) {
        long[] t = new long[n];
        switch (spacing) {
            case "linspace" -> {
                double[] l = linspace(0, trainSteps - 1, n);
                for (int i = 0; i < n; i++) {
                    t[i] = (long) Math.rint(l[n - 1 - i]);
                }
            }
            case "leading" -> {
                int ratio = trainSteps / n;
                for (int i = 0; i < n; i++) {
                    t[i] = (long) (n - 1 - i) * ratio + stepsOffset;
                }
            }
            case "trailing" -> {
                double[] a = arangeDown(trainSteps, (double) trainSteps / n);
                t = new long[a.length];
                for (int i = 0; i < a.length; i++) {
                    t[i] = (long) Math.rint(a[i]) - 1;
                }
            }
            default -> throw unsupported(spacing);
        }
        return t;
    }

    /** Euler, Euler ancestral, LMS, Heun: n float32 timesteps, descending. */
    static float[] sigmaFamily(String spacing, int trainSteps, int n, int stepsOffset) {
        float[] t = new float[n];
        switch (spacing) {
            case "linspace" -> {
                double[] l = linspace(0, trainSteps - 1, n);
                for (int i = 0; i < n; i++) {
                    t[i] = (float) l[n - 1 - i];
                }
            }
            case "leading" -> {
                int ratio = trainSteps / n;
                for (int i = 0; i < n; i++) {
                    t[i] = (float) ((n - 1 - i) * ratio) + stepsOffset;
                }
            }
            case "trailing" -> {
                double[] a = arangeDown(trainSteps, (double) trainSteps / n);
                t = new float[a.length];
                for (int i = 0; i < a.length; i++) {
                    t[i] = (float) Math.rint(a[i]) - 1f;
                }
            }
            default -> throw unsupported(spacing);
        }
        return t;
    }

    /**
     * DPM-Solver and UniPC: n + 1 grid points with the last dropped (so the final step goes to sigma 0).
     * {@code lastTimestep} is the training length, or less when DPM clips small lambdas.
     */
    static long[] multistep(String spacing, int trainSteps, int lastTimestep, int n, int stepsOffset) {
        long[] t = new long[n];
        switch (spacing) {
            case "linspace" -> {
                double[] l = linspace(0, lastTimestep - 1, n + 1);
                for (int i = 0; i < n; i++) {
                    t[i] = (long) Math.rint(l[n - i]);
                }
            }
            case "leading" -> {
                int ratio = lastTimestep / (n + 1);
                for (int i = 0; i < n; i++) {
                    t[i] = (long) (n - i) * ratio + stepsOffset;
                }
            }
            case "trailing" -> {
                double[] a = arangeDown(lastTimestep, (double) trainSteps / n);
                t = new long[a.length];
                for (int i = 0; i < a.length; i++) {
                    t[i] = (long) Math.rint(a[i]) - 1;
                }
            }
            default -> throw unsupported(spacing);
        }
        return t;
    }

    static IllegalArgumentException unsupported(String spacing) {
        return new IllegalArgumentException(
                "timestep_spacing " + spacing + " is not supported; choose one of linspace, leading, trailing");
    }
}
