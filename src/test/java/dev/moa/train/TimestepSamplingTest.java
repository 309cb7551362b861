package dev.moa.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Timestep draws: uniform is the spec's modulo (unchanged), cubic favours the noisy steps as T2I-Adapter's does. */
class TimestepSamplingTest {
    @Test
    void uniformIsTheModuloOfTheRandomBits() {
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 10_000; i++) {
            long bits = r.nextLong() & 0xffffffffL;
            assertEquals((int) (bits % 1000), TimestepSampling.UNIFORM.sample(bits, 1000));
        }
    }

    @Test
    void cubicFollowsOneMinusUCubed() {
        assertEquals(999, TimestepSampling.CUBIC.sample(0, 1000), "u = 0 is the noisiest step (clamped)");
        assertEquals(0, TimestepSampling.CUBIC.sample(0xffffffffL, 1000), "u -> 1 is the cleanest");
        assertEquals(875, TimestepSampling.CUBIC.sample(1L << 31, 1000), "u = 0.5: (1 - 0.125) * 1000");
        // the share of draws in the noisier half is P(u^3 < 1/2) = 2^(-1/3) = 0.7937; the mean is 3/4 of T
        SplittableRandom r = new SplittableRandom(7);
        int n = 200_000, noisy = 0;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            int t = TimestepSampling.CUBIC.sample(r.nextLong() & 0xffffffffL, 1000);
            assertTrue(t >= 0 && t < 1000);
            noisy += t >= 500 ? 1 : 0;
            sum += t;
        }
        // binomial standard error at n = 200k is 0.0009; 0.005 is over five of them
        assertEquals(Math.pow(2, -1.0 / 3), noisy / (double) n, 0.005);
        assertEquals(749.5, sum / n, 2.0);
    }

    @Test
    void parseNamesTheChoices() {
        assertEquals(TimestepSampling.CUBIC, TimestepSampling.parse(" Cubic "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TimestepSampling.parse("sqrt"));
        assertTrue(e.getMessage().contains("'sqrt'") && e.getMessage().contains("uniform or cubic"), e.getMessage());
    }
}
