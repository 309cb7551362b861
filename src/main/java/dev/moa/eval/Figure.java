package dev.moa.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A figure with its 95 % interval over identities: per-identity means, their mean, and the 2.5 / 97.5 percentiles
 * of 2000 bootstrap resamples of the identities (fixed seed, so the same values give the same interval).
 *
 * @param images values that went in (NaN values, e.g. no subject found, are left out)
 * @param identities identities with at least one value
 */
public record Figure(String name, double mean, double low, double high, int images, int identities) {

    /** One empty builder per figure name, in order. */
    static Map<String, Builder> builders(List<String> names) {
        Map<String, Builder> f = new LinkedHashMap<>();
        names.forEach(n -> f.put(n, new Builder(n)));
        return f;
    }

    /** Every builder's figure, in the same order. */
    static Map<String, Figure> buildAll(Map<String, Builder> builders) {
        Map<String, Figure> figures = new LinkedHashMap<>();
        builders.forEach((k, b) -> figures.put(k, b.build()));
        return figures;
    }

    /** Collects values by identity. */
    public static final class Builder {
        private final String name;
        private final Map<String, List<Double>> byIdentity = new LinkedHashMap<>();

        public Builder(String name) {
            this.name = name;
        }

        public Builder add(String identity, double value) {
            if (!Double.isNaN(value)) {
                byIdentity.computeIfAbsent(identity, k -> new ArrayList<>()).add(value);
            }
            return this;
        }

        public Figure build() {
            List<Double> means = new ArrayList<>();
            int images = 0;
            for (List<Double> v : byIdentity.values()) {
                double s = 0;
                for (double x : v) {
                    s += x;
                }
                means.add(s / v.size());
                images += v.size();
            }
            int n = means.size();
            if (n == 0) {
                return new Figure(name, Double.NaN, Double.NaN, Double.NaN, 0, 0);
            }
            double mean = 0;
            for (double m : means) {
                mean += m / n;
            }
            double[] boot = new double[2000];
            SplittableRandom r = new SplittableRandom(12345);
            for (int b = 0; b < boot.length; b++) {
                double s = 0;
                for (int i = 0; i < n; i++) {
                    s += means.get(r.nextInt(n));
                }
                boot[b] = s / n;
            }
            java.util.Arrays.sort(boot);
            return new Figure(name, mean, boot[(int) (0.025 * boot.length)], boot[(int) (0.975 * boot.length) - 1],
                    images, n);
        }
    }
}
