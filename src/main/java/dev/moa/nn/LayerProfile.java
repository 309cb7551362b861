package dev.moa.nn;

import java.util.EnumMap;
import java.util.Map;

/**
 * Time and FLOPs per layer type, recorded by the modules while a profile is active (for the benchmark).
 * libtorch's CPU ops are synchronous, so wall time around each call is the op's time. When no profile is
 * active the cost is one volatile read per module call.
 *
 * <p>FLOPs count multiply-adds as 2: convolutions, linear layers and the two attention matmuls (QK^T and
 * AV). Norms and elementwise ops are timed but not counted.
 */
public final class LayerProfile {

    /** Leaf operation types; {@link #OTHER} is whatever the caller's total leaves unaccounted. */
    public enum Kind {
        CONV("conv"), LINEAR("linear"), ATTENTION("attention (sdpa)"), GROUP_NORM("group norm (+ fused silu)"),
        LAYER_NORM("layer norm"), ACTIVATION("silu / gelu"), OTHER("other (adds, concat, copies, upsample)");

        public final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    private static volatile LayerProfile active;

    private final long[] nanos = new long[Kind.values().length];
    private final long[] flops = new long[Kind.values().length];
    private final long[] calls = new long[Kind.values().length];

    /** Starts recording into a fresh profile (replacing any active one). */
    public static LayerProfile start() {
        LayerProfile p = new LayerProfile();
        active = p;
        return p;
    }

    /** Stops recording. */
    public void stop() {
        if (active == this) {
            active = null;
        }
    }

    static boolean on() {
        return active != null;
    }

    static void record(Kind k, long t0, long flopCount) {
        LayerProfile p = active;
        if (p != null) {
            p.nanos[k.ordinal()] += System.nanoTime() - t0;
            p.flops[k.ordinal()] += flopCount;
            p.calls[k.ordinal()]++;
        }
    }

    public long nanos(Kind k) {
        return nanos[k.ordinal()];
    }

    public long flops(Kind k) {
        return flops[k.ordinal()];
    }

    public long calls(Kind k) {
        return calls[k.ordinal()];
    }

    public long totalFlops() {
        long s = 0;
        for (long f : flops) {
            s += f;
        }
        return s;
    }

    /** Time of every recorded kind (OTHER is not recorded by modules). */
    public long recordedNanos() {
        long s = 0;
        for (long n : nanos) {
            s += n;
        }
        return s;
    }

    /** Nanoseconds per kind, with OTHER = {@code totalNanos} minus everything recorded. */
    public Map<Kind, Long> breakdown(long totalNanos) {
        Map<Kind, Long> m = new EnumMap<>(Kind.class);
        for (Kind k : Kind.values()) {
            if (k != Kind.OTHER) {
                m.put(k, nanos[k.ordinal()]);
            }
        }
        m.put(Kind.OTHER, Math.max(0, totalNanos - recordedNanos()));
        return m;
    }

    // FLOP formulas, from shapes

    static long convFlops(long outElements, long inPerGroup, long kh, long kw) {
        return 2L * outElements * inPerGroup * kh * kw;
    }

    static long linearFlops(long inElements, long in, long out) {
        return 2L * (inElements / in) * in * out;
    }

    /** QK^T and AV for q (..., Nq, D), k/v (..., Nk, D[v]). */
    static long attentionFlops(long batchHeads, long nq, long nk, long d, long dv) {
        return 2L * batchHeads * nq * nk * d + 2L * batchHeads * nq * nk * dv;
    }
}
