package dev.moa.train.data;

/**
 * A small, fast, fully specified random generator (SplitMix64), so that data randomness never depends
 * on the JDK version. {@link #of} derives independent streams from a seed and any number of keys (epoch,
 * index, purpose), which is what makes every example's randomness a pure function of (seed, epoch,
 * index) and lets the loader resume anywhere.
 */
public final class Rng {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private long state;

    private Rng(long state) {
        this.state = state;
    }

    /** A stream for {@code seed} and {@code keys}; different keys give unrelated streams. */
    public static Rng of(long seed, long... keys) {
        long h = mix(seed ^ 0x5DEECE66DL);
        for (long k : keys) {
            h = mix(h + GOLDEN + mix(k));
        }
        return new Rng(h);
    }

    /** Stafford's mix13, SplitMix64's finaliser. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public long nextLong() {
        state += GOLDEN;
        return mix(state);
    }

    /** Uniform in [0, 1), 53 bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [lo, hi). */
    public double uniform(double lo, double hi) {
        return lo + (hi - lo) * nextDouble();
    }

    /** True with probability {@code p}. */
    public boolean chance(double p) {
        return nextDouble() < p;
    }

    /** Uniform in [0, bound), without modulo bias. */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound " + bound);
        }
        long r = nextLong() >>> 1;
        long limit = Long.MAX_VALUE - (Long.MAX_VALUE % bound);
        while (r >= limit) {
            r = nextLong() >>> 1;
        }
        return (int) (r % bound);
    }

    /** Uniform in [lo, hi] (both inclusive). */
    public int between(int lo, int hi) {
        return lo + nextInt(hi - lo + 1);
    }

    /** Standard normal (Box-Muller, one value per call). */
    public double gaussian() {
        double u1 = 1.0 - nextDouble();
        double u2 = nextDouble();
        return Math.sqrt(-2.0 * StrictMath.log(u1)) * StrictMath.cos(2.0 * Math.PI * u2); // StrictMath: same bits on every JVM
    }

    /** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
    public int[] permutation(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
