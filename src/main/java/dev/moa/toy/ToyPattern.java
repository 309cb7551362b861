package dev.moa.toy;

/**
 * The surface patterns of the toy world, coarse enough to survive a 4x-downsampling VAE: in the subject's own frame
 * (unit = the subject's radius, at least 0.3 x 64 = 19 px) the period is at least 0.66, i.e. 12.5 px or more.
 *
 * <p>The second colour is always the minority (stripes 40 % of the period, the lines of a windowpane check, dots, a
 * side band of about a third), so which colour is named first in "a red and blue striped disc" can be seen in the
 * picture. (A check of one cell in four looked like the dots: the pattern probes confused the two.) With
 * equal shares (50/50 checks, halves) the order is invisible: an image tower can then only learn the pair as a set,
 * and a probe for "the first colour" is capped at R^2 ~ 0.5 (measured on the first toy CLIP: 0.0 on checked and
 * two-tone subjects, 0.8 on the colours' mean).
 */
public enum ToyPattern {
    PLAIN("plain"), STRIPED("striped"), CHECKED("checked"), DOTTED("dotted"), HALVES("two-tone");

    /** Period of stripes and dots in subject units. */
    static final double PERIOD = 0.66;
    /** Period of the check's grid lines and the lines' share of it: wider than the stripes so the lines stay >= 4 px. */
    static final double CHECK_PERIOD = 1.0, CHECK_LINE = 0.22;

    public final String adjective;

    ToyPattern(String adjective) {
        this.adjective = adjective;
    }

    /** Whether the pattern shows its second colour at (u, v) of the subject frame. */
    public boolean secondColour(double u, double v) {
        switch (this) {
            case PLAIN:
                return false;
            case STRIPED:   // second-colour stripes of 0.4 of the period, centred at u = period / 2
                return Math.abs(u - (Math.floor(u / PERIOD) + 0.5) * PERIOD) <= 0.2 * PERIOD;
            case CHECKED: {   // a grid of lines (a windowpane check): lines 0.22 of a 1.0 period, 39 % of the area
                double p = CHECK_PERIOD, gu = u / p - Math.floor(u / p), gv = v / p - Math.floor(v / p);
                return gu < CHECK_LINE || gv < CHECK_LINE;
            }
            case DOTTED: {
                double p = PERIOD * 1.1;
                double gu = u - (Math.floor(u / p) + 0.5) * p, gv = v - (Math.floor(v / p) + 0.5) * p;
                return gu * gu + gv * gv <= 0.2 * 0.2;
            }
            case HALVES:   // a side band: the right third or so of the subject
                return u > 0.3;
            default:
                throw new IllegalStateException(toString());
        }
    }
}
