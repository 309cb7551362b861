package dev.moa.train.data;

import dev.moa.image.ClipImageProcessor;

/**
 * How {@link Preprocessor} turns a {@link SourceExample} into a {@link TrainingExample}. Immutable; use
 * {@link #training()} or {@link #evaluation()} and the {@code with...} methods.
 *
 * @param resolution side R of the square training picture (and of the subject masks)
 * @param crop how the R x R square is taken from the picture once its shorter side is R
 * @param flip mirror picture and masks together, left-right, with probability 1/2
 * @param referenceProcessor the image encoder's CLIP preprocessing; its (square) output size S is the
 *     reference size, and its normalisation is applied to the reference (pass {@code
 *     SubjectEncoder.processor()} so training sees exactly what inference sees)
 * @param background what replaces the picture around the subject in a reference cut from the picture
 * @param augmentation reference augmentations
 * @param unconditionalProbability chance that an example gets the empty caption and no subjects
 * @param textOnlyProbability chance that an example keeps its caption but gets no subjects
 *     (FastComposer's {@code text_only_prob}; 0 in the MoA spec)
 * @param subjectDropProbability chance that each remaining subject is dropped (its word stays in the caption
 *     as plain text)
 * @param maxSubjects at most this many subjects per example (a random choice if there are more)
 * @param minVisibleFraction a subject whose mask keeps less than this fraction of its area after the crop
 *     is dropped (its word stays as plain text), counted as {@link DataWarnings.Kind#CROPPED_OUT}
 */
public record PreprocessOptions(int resolution, CropMode crop, boolean flip, ClipImageProcessor referenceProcessor,
        ReferenceBackground background, ReferenceAugmentation augmentation, double unconditionalProbability,
        double textOnlyProbability, double subjectDropProbability, int maxSubjects, double minVisibleFraction) {

    /** How the training square is cut from the resized picture (shorter side = R). */
    public enum CropMode {
        /** A uniformly random R x R window (training). */
        RANDOM,
        /** The centre window; an odd surplus leaves the extra pixel right or bottom (evaluation). */
        CENTER,
        /**
         * No crop: the picture is padded to a square with black (centred) and resized to R x R.
         * FastComposer does this for portrait pictures (and centre-crops landscape ones).
         */
        PAD
    }

    /** The background of a reference cut out of the picture. */
    public enum ReferenceBackground {
        /** Uniform random noise per pixel and channel, as FastComposer's {@code RandomSegmentProcessor}. */
        NOISE,
        /** Black. */
        BLACK,
        /** The picture itself (no masking). */
        KEEP
    }

    /** The spec's maximum number of subjects. */
    public static final int MAX_SUBJECTS = 4;

    public PreprocessOptions {
        if (resolution < 8) {
            throw new IllegalArgumentException("resolution " + resolution + " is too small");
        }
        if (crop == null || background == null || augmentation == null || referenceProcessor == null) {
            throw new IllegalArgumentException("crop, background, augmentation and referenceProcessor are required");
        }
        referenceProcessor.size(); // fails for a non-square output
        prob("unconditionalProbability", unconditionalProbability);
        prob("textOnlyProbability", textOnlyProbability);
        prob("subjectDropProbability", subjectDropProbability);
        prob("minVisibleFraction", minVisibleFraction);
        if (unconditionalProbability + textOnlyProbability > 1) {
            throw new IllegalArgumentException("unconditionalProbability + textOnlyProbability exceed 1");
        }
        if (maxSubjects < 0) {
            throw new IllegalArgumentException("maxSubjects " + maxSubjects);
        }
    }

    private static void prob(String name, double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException(name + " must be in [0, 1], got " + p);
        }
    }

    /**
     * Training defaults (spec section 4 and FastComposer): 512, random crop, flip, CLIP ViT-L/14
     * preprocessing (224), noise background, {@link ReferenceAugmentation#defaults()}, 10% unconditional,
     * 10% subject drop, at most 4 subjects, subjects with less than a quarter of their area left after
     * the crop dropped.
     */
    public static PreprocessOptions training() {
        return new PreprocessOptions(512, CropMode.RANDOM, true, ClipImageProcessor.defaults(), ReferenceBackground.NOISE,
                ReferenceAugmentation.defaults(), 0.1, 0.0, 0.1, MAX_SUBJECTS, 0.25);
    }

    /**
     * Evaluation: centre crop, no flip, no augmentation, no dropout. The reference background is still
     * noise (as in training), drawn from the example's seed.
     */
    public static PreprocessOptions evaluation() {
        return new PreprocessOptions(512, CropMode.CENTER, false, ClipImageProcessor.defaults(),
                ReferenceBackground.NOISE, ReferenceAugmentation.none(), 0, 0, 0, MAX_SUBJECTS, 0.25);
    }

    public PreprocessOptions withResolution(int r) {
        return new PreprocessOptions(r, crop, flip, referenceProcessor, background, augmentation,
                unconditionalProbability, textOnlyProbability, subjectDropProbability, maxSubjects, minVisibleFraction);
    }

    public PreprocessOptions withCrop(CropMode c) {
        return new PreprocessOptions(resolution, c, flip, referenceProcessor, background, augmentation,
                unconditionalProbability, textOnlyProbability, subjectDropProbability, maxSubjects, minVisibleFraction);
    }

    public PreprocessOptions withFlip(boolean f) {
        return new PreprocessOptions(resolution, crop, f, referenceProcessor, background, augmentation,
                unconditionalProbability, textOnlyProbability, subjectDropProbability, maxSubjects, minVisibleFraction);
    }

    public PreprocessOptions withReferenceProcessor(ClipImageProcessor p) {
        return new PreprocessOptions(resolution, crop, flip, p, background, augmentation,
                unconditionalProbability, textOnlyProbability, subjectDropProbability, maxSubjects, minVisibleFraction);
    }

    public PreprocessOptions withBackground(ReferenceBackground b) {
        return new PreprocessOptions(resolution, crop, flip, referenceProcessor, b, augmentation,
                unconditionalProbability, textOnlyProbability, subjectDropProbability, maxSubjects, minVisibleFraction);
    }

    public PreprocessOptions withAugmentation(ReferenceAugmentation a) {
        return new PreprocessOptions(resolution, crop, flip, referenceProcessor, background, a,
                unconditionalProbability, textOnlyProbability, subjectDropProbability, maxSubjects, minVisibleFraction);
    }

    /** Condition dropout: unconditional-example and per-subject drop probabilities (text-only stays as is). */
    public PreprocessOptions withDropout(double unconditional, double subjectDrop) {
        return new PreprocessOptions(resolution, crop, flip, referenceProcessor, background, augmentation,
                unconditional, textOnlyProbability, subjectDrop, maxSubjects, minVisibleFraction);
    }

    public PreprocessOptions withTextOnlyProbability(double p) {
        return new PreprocessOptions(resolution, crop, flip, referenceProcessor, background, augmentation,
                unconditionalProbability, p, subjectDropProbability, maxSubjects, minVisibleFraction);
    }

    public PreprocessOptions withMaxSubjects(int n) {
        return new PreprocessOptions(resolution, crop, flip, referenceProcessor, background, augmentation,
                unconditionalProbability, textOnlyProbability, subjectDropProbability, n, minVisibleFraction);
    }

    public PreprocessOptions withMinVisibleFraction(double f) {
        return new PreprocessOptions(resolution, crop, flip, referenceProcessor, background, augmentation,
                unconditionalProbability, textOnlyProbability, subjectDropProbability, maxSubjects, f);
    }

    /** The reference side S (the processor's output size). */
    public int referenceSize() {
        return referenceProcessor.size();
    }
}
