package dev.moa.eval;

import dev.moa.toy.ToyColour;
import java.util.List;

/** Small colour helpers: CIE76 distances and k-means in CIELAB (deterministic). */
final class Colours {
    private Colours() {}

    static double dist(double[] a, double[] b) {
        double d0 = a[0] - b[0], d1 = a[1] - b[1], d2 = a[2] - b[2];
        return Math.sqrt(d0 * d0 + d1 * d1 + d2 * d2);
    }

    static double deltaE(int rgbA, double[] lab) {
        return dist(ToyColour.lab(rgbA), lab);
    }

    /**
     * k-means centres of {@code points}; seeded with the point farthest from the mean, then repeatedly the point
     * farthest from the chosen centres (no randomness: the same points give the same centres).
     */
    static double[][] kMeans(List<double[]> points, int k, int iterations) {
        int n = points.size();
        k = Math.min(k, n);
        double[][] c = new double[k][];
        double[] mean = new double[3];
        for (double[] p : points) {
            for (int d = 0; d < 3; d++) {
                mean[d] += p[d] / n;
            }
        }
        c[0] = farthest(points, new double[][] {mean}, 1).clone();
        for (int j = 1; j < k; j++) {
            c[j] = farthest(points, c, j).clone();
        }
        int[] assign = new int[n];
        for (int it = 0; it < iterations; it++) {
            double[][] sum = new double[k][3];
            int[] count = new int[k];
            for (int i = 0; i < n; i++) {
                int best = 0;
                double bd = Double.MAX_VALUE;
                for (int j = 0; j < k; j++) {
                    double d = dist(points.get(i), c[j]);
                    if (d < bd) {
                        bd = d;
                        best = j;
                    }
                }
                assign[i] = best;
                count[best]++;
                for (int d = 0; d < 3; d++) {
                    sum[best][d] += points.get(i)[d];
                }
            }
            for (int j = 0; j < k; j++) {
                if (count[j] > 0) {
                    for (int d = 0; d < 3; d++) {
                        c[j][d] = sum[j][d] / count[j];
                    }
                }
            }
        }
        return c;
    }

    private static double[] farthest(List<double[]> points, double[][] from, int used) {
        double[] best = points.get(0);
        double bd = -1;
        for (double[] p : points) {
            double d = Double.MAX_VALUE;
            for (int j = 0; j < used; j++) {
                d = Math.min(d, dist(p, from[j]));
            }
            if (d > bd) {
                bd = d;
                best = p;
            }
        }
        return best;
    }
}
