package dev.moa.train;

import java.util.Locale;

/**
 * How a training step draws its diffusion timestep from a generator's 32 random bits.
 *
 * <ul>
 *   <li>{@link #UNIFORM}: every timestep equally often (the spec's objective, diffusers' training scripts).</li>
 *   <li>{@link #CUBIC}: {@code t = (1 - u^3) T} with {@code u} uniform, T2I-Adapter's non-uniform sampling (Mou et al.
 *       2023, section 3.4): about 79 % of the draws fall in the noisier half. What a condition decides (layout
 *       there, the subject's colours here) is settled in the first, noisiest sampling steps, while an epsilon loss
 *       weights those steps least (an x0 error shows in epsilon scaled by sqrt(SNR), SNR ~ 0.005 at t = 999), so
 *       uniform draws spend most of an adapter's training where the reference hardly matters.</li>
 * </ul>
 */
public enum TimestepSampling {
    UNIFORM,
    CUBIC;

    /** A timestep in [0, numTrainTimesteps) from 32 uniform random bits (an unsigned value in a long). */
    public int sample(long uint32, int numTrainTimesteps) {
        if (this == UNIFORM) {
            return (int) (uint32 % numTrainTimesteps);
        }
        double u = (uint32 & 0xffffffffL) / 4294967296.0;      // [0, 1)
        int t = (int) Math.floor((1 - u * u * u) * numTrainTimesteps);
        return Math.min(numTrainTimesteps - 1, Math.max(0, t));
    }

    /** Parses "uniform" or "cubic" (any case), naming the choices otherwise. */
    public static TimestepSampling parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown timestep sampling '" + s + "': use uniform or cubic");
        }
    }
}
