package dev.moa.moa;

import java.util.Locale;

/** How MoA layers combine their experts (spec section 2). */
public enum MoaMode {
    /** Router-weighted mix of the prior and personalized experts. */
    MOA,
    /** The prior expert alone: exactly the base model. */
    PRIOR,
    /** The personalized expert alone (router forced to (0, 1)). */
    PERSONAL;

    public static MoaMode parse(String s) {
        try {
            return valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown MoA mode '" + s + "' (use moa, prior or personal)");
        }
    }

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
