package dev.moa.eval;

/**
 * Multinomial logistic regression on standardized features, trained by full-batch gradient descent with a small
 * L2 penalty: deterministic, dependency-free, and plenty for a few dozen features.
 */
final class Softmax {
    private final double[] mean;
    private final double[] std;
    private final double[][] w;   // classes x (features + 1)

    private Softmax(double[] mean, double[] std, double[][] w) {
        this.mean = mean;
        this.std = std;
        this.w = w;
    }

    static Softmax train(double[][] x, int[] y, int classes, int iterations, double lr, double l2) {
        int n = x.length, f = x[0].length;
        double[] mean = new double[f], std = new double[f];
        for (double[] r : x) {
            for (int j = 0; j < f; j++) {
                mean[j] += r[j] / n;
            }
        }
        for (double[] r : x) {
            for (int j = 0; j < f; j++) {
                std[j] += (r[j] - mean[j]) * (r[j] - mean[j]) / n;
            }
        }
        for (int j = 0; j < f; j++) {
            std[j] = Math.sqrt(std[j]) + 1e-9;
        }
        double[][] z = new double[n][];
        for (int i = 0; i < n; i++) {
            z[i] = standardize(x[i], mean, std);
        }
        double[][] w = new double[classes][f + 1];
        for (int it = 0; it < iterations; it++) {
            double[][] g = new double[classes][f + 1];
            for (int i = 0; i < n; i++) {
                double[] p = probabilities(w, z[i]);
                for (int c = 0; c < classes; c++) {
                    double d = p[c] - (y[i] == c ? 1 : 0);
                    for (int j = 0; j < f; j++) {
                        g[c][j] += d * z[i][j] / n;
                    }
                    g[c][f] += d / n;
                }
            }
            for (int c = 0; c < classes; c++) {
                for (int j = 0; j <= f; j++) {
                    w[c][j] -= lr * (g[c][j] + (j < f ? l2 * w[c][j] : 0));
                }
            }
        }
        return new Softmax(mean, std, w);
    }

    private static double[] standardize(double[] r, double[] mean, double[] std) {
        double[] z = new double[r.length];
        for (int j = 0; j < r.length; j++) {
            double v = (r[j] - mean[j]) / std[j];
            z[j] = Double.isFinite(v) ? Math.max(-10, Math.min(10, v)) : 0;
        }
        return z;
    }

    private static double[] probabilities(double[][] w, double[] z) {
        double[] s = new double[w.length];
        double max = -Double.MAX_VALUE;
        for (int c = 0; c < w.length; c++) {
            double v = w[c][z.length];
            for (int j = 0; j < z.length; j++) {
                v += w[c][j] * z[j];
            }
            s[c] = v;
            max = Math.max(max, v);
        }
        double sum = 0;
        for (int c = 0; c < s.length; c++) {
            s[c] = Math.exp(s[c] - max);
            sum += s[c];
        }
        for (int c = 0; c < s.length; c++) {
            s[c] /= sum;
        }
        return s;
    }

    int predict(double[] x) {
        double[] p = probabilities(w, standardize(x, mean, std));
        int best = 0;
        for (int c = 1; c < p.length; c++) {
            if (p[c] > p[best]) {
                best = c;
            }
        }
        return best;
    }
}
