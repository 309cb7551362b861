package dev.moa.train.data;

/**
 * Light, independent augmentations of a subject's reference image during training; each is off at 0 /
 * false. They are deliberately milder than FastComposer's (which zooms up to 2x, rotates up to 30
 * degrees, jitters colour by 0.5, blurs, greys and warps), so that the reference still looks like the
 * inference-time reference (a padded photo of the subject).
 *
 * @param scaleJitter the crop box is scaled by a factor uniform in {@code [1 - s, 1 + s]} around its
 *     centre (same factor for width and height), so the subject appears a little larger or smaller
 * @param translateJitter the crop box is moved by up to {@code t} times its width (and height)
 * @param flip mirror the reference left-right with probability 1/2 (independently of the picture's flip)
 * @param rotationDegrees rotate by an angle uniform in {@code [-r, r]} degrees (bilinear, black corners)
 * @param brightness multiply pixel values by a factor uniform in {@code [1 - b, 1 + b]}
 * @param contrast scale the difference to the mean grey level by a factor uniform in {@code [1 - c, 1 + c]}
 * @param saturation scale the difference to each pixel's grey level by a factor uniform in {@code [1 - s, 1 + s]}
 */
public record ReferenceAugmentation(double scaleJitter, double translateJitter, boolean flip, double rotationDegrees,
        double brightness, double contrast, double saturation) {

    public ReferenceAugmentation {
        check("scaleJitter", scaleJitter, 0.9);
        check("translateJitter", translateJitter, 0.5);
        check("rotationDegrees", rotationDegrees, 180);
        check("brightness", brightness, 1);
        check("contrast", contrast, 1);
        check("saturation", saturation, 1);
    }

    private static void check(String name, double v, double max) {
        if (!(v >= 0 && v <= max)) {
            throw new IllegalArgumentException(name + " must be in [0, " + max + "], got " + v);
        }
    }

    /** The training defaults: scale 0.1, translation 0.05, flip, rotation 10 degrees, colour 0.1 each. */
    public static ReferenceAugmentation defaults() {
        return new ReferenceAugmentation(0.1, 0.05, true, 10, 0.1, 0.1, 0.1);
    }

    /** No augmentation (evaluation). */
    public static ReferenceAugmentation none() {
        return new ReferenceAugmentation(0, 0, false, 0, 0, 0, 0);
    }

    public boolean isNone() {
        return scaleJitter == 0 && translateJitter == 0 && !flip && rotationDegrees == 0 && brightness == 0
                && contrast == 0 && saturation == 0;
    }

    public ReferenceAugmentation withScaleJitter(double v) {
        return new ReferenceAugmentation(v, translateJitter, flip, rotationDegrees, brightness, contrast, saturation);
    }

    public ReferenceAugmentation withTranslateJitter(double v) {
        return new ReferenceAugmentation(scaleJitter, v, flip, rotationDegrees, brightness, contrast, saturation);
    }

    public ReferenceAugmentation withFlip(boolean v) {
        return new ReferenceAugmentation(scaleJitter, translateJitter, v, rotationDegrees, brightness, contrast, saturation);
    }

    public ReferenceAugmentation withRotationDegrees(double v) {
        return new ReferenceAugmentation(scaleJitter, translateJitter, flip, v, brightness, contrast, saturation);
    }

    /** Brightness, contrast and saturation all set to {@code v}. */
    public ReferenceAugmentation withColorJitter(double v) {
        return new ReferenceAugmentation(scaleJitter, translateJitter, flip, rotationDegrees, v, v, v);
    }
}
