package dev.moa.train.data;

/**
 * One subject of a {@link TrainingExample}.
 *
 * @param word the caption word the subject is bound to (as written in the caption)
 * @param tokenPosition position of the word's last token in {@link TrainingExample#inputIds()} (1..76)
 * @param mask {@code R x R} floats, 1 on the subject and 0 elsewhere, aligned with the training picture
 *     (same crop and flip)
 * @param reference {@code 3 x S x S} CLIP-normalised reference image (CHW), ready for the image encoder
 * @param sourceIndex index of the subject in {@link SourceExample#subjects()}
 */
public record SubjectSample(String word, int tokenPosition, float[] mask, float[] reference, int sourceIndex) {}
