package dev.moa.toy;

/**
 * The surface patterns of the toy world, coarse enough to survive a 4x-downsampling VAE: in the subject's own frame
 * (unit = the subject's radius, at least 0.3 x 64 = 19 px) the period is at least 0.66, i.e. 12.5 px or more.
 */
public enum ToyPattern {
    PLAIN("plain"), STRIPED("striped"), CHECKED("checked"), DOTTED("dotted"), HALVES("two-tone");

    /** Period of stripes, checks and dots in subject units. */
    static final double PERIOD = 0.66;

    public final String adjective;

    ToyPattern(String adjective) {
        this.adjective = adjective;
    }

    /** Whether the pattern shows its second colour at (u, v) of the subject frame. */
    public boolean secondColour(double u, double v) {
        switch (this) {
            case PLAIN:
                return false;
            case STRIPED:
                return Math.floorMod((long) Math.floor((u + 0.5 * PERIOD / 2) / (PERIOD / 2)), 2) == 1;
            case CHECKED: {
                long i = (long) Math.floor(u / (PERIOD / 2)), j = (long) Math.floor(v / (PERIOD / 2));
                return Math.floorMod(i + j, 2) == 1;
            }
            case DOTTED: {
                double p = PERIOD * 1.1;
                double gu = u - (Math.floor(u / p) + 0.5) * p, gv = v - (Math.floor(v / p) + 0.5) * p;
                return gu * gu + gv * gv <= 0.2 * 0.2;
            }
            case HALVES:
                return u > 0;
            default:
                throw new IllegalStateException(toString());
        }
    }
}
