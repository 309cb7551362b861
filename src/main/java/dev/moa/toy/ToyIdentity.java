package dev.moa.toy;

import dev.moa.train.data.SyntheticDataset.Shape;
import java.util.Locale;

/**
 * A subject's identity: shape, pattern and a colour pair from a continuous range. For {@link ToyPattern#PLAIN} the
 * secondary colour is not visible and not part of the description.
 */
public record ToyIdentity(Shape shape, ToyPattern pattern, ToyColour primary, ToyColour secondary) {

    /** The class word the diffusion captions use ("disc"). */
    public String classWord() {
        return shape.word();
    }

    /** The full description CLIP trains on: "a red and blue striped disc", "a plain green star". */
    public String description() {
        if (pattern == ToyPattern.PLAIN) {
            return "a plain " + primary.name() + " " + shape.word();
        }
        return "a " + primary.name() + " and " + secondary.name() + " " + pattern.adjective + " " + shape.word();
    }

    /** The same identity with another shape / pattern / colours (for attribute probes). */
    public ToyIdentity withShape(Shape s) {
        return new ToyIdentity(s, pattern, primary, secondary);
    }

    public ToyIdentity withPattern(ToyPattern p) {
        return new ToyIdentity(shape, p, primary, secondary);
    }

    /** The quantized combination the held-out split is decided on: (hue bin 1, hue bin 2 or -1 when plain, pattern, shape). */
    public int[] combination() {
        return new int[] {primary.hueBin(), pattern == ToyPattern.PLAIN ? -1 : secondary.hueBin(), pattern.ordinal(),
            shape.ordinal()};
    }

    /** A short id for file names: {@code disc-striped-h012-h345}. */
    public String tag() {
        return String.format(Locale.ROOT, "%s-%s-%03d-%03d", shape.word(), pattern.name().toLowerCase(Locale.ROOT),
                (int) (primary.hue() * 360), (int) (secondary.hue() * 360));
    }
}
