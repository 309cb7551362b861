package dev.moa.train.data;

import java.util.List;

/**
 * One preprocessed training example, as the trainer consumes it.
 *
 * @param id the data set entry it came from
 * @param image {@code 3 x R x R} floats in [-1, 1] (CHW, RGB): what the VAE encodes
 * @param resolution R
 * @param caption the caption the text encoder sees: the entry's caption, or "" for an unconditional example
 * @param inputIds the caption's {@code 77} token ids (start, content, end, padding), as
 *     {@code ClipTokenizer.encodePadded(caption)}; subject token positions index into these
 * @param subjects at most 4 subjects, in caption order (by token position); empty for an unconditional or
 *     text-only example
 * @param referenceSize S, the side of each subject's reference image
 * @param unconditional whether condition dropout emptied this example (caption "" and no subjects)
 * @param flipped whether picture and masks were mirrored
 */
public record TrainingExample(String id, float[] image, int resolution, String caption, int[] inputIds,
        List<SubjectSample> subjects, int referenceSize, boolean unconditional, boolean flipped) {
    public TrainingExample {
        subjects = List.copyOf(subjects);
    }
}
