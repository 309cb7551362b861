package dev.moa.train.data;

import dev.moa.image.RgbImage;

/**
 * One subject of a {@link SourceExample}, as the data set describes it, before preprocessing.
 *
 * @param word the subject word as the data set names it, or null when only {@code end} locates it
 *     (FFHQ-wild); the word actually bound is the caption's word at that place
 * @param end character offset in the caption where the subject's phrase ends (FFHQ-wild's {@code end}),
 *     or -1 to find {@code word} in the caption instead (its first occurrence not already taken by an
 *     earlier subject of the same example)
 * @param mask the subject's pixels, at the example image's size
 * @param bbox the region the reference image is cropped from (the data set's, else the mask's bounds)
 * @param reference a separate reference photo, or null to cut the reference out of the example image
 * @param label the data set's class label (FFHQ-wild's {@code coco_label}), or null
 */
public record SourceSubject(String word, int end, BinaryMask mask, Box bbox, RgbImage reference, String label) {
    public SourceSubject {
        if (word == null && end < 0) {
            throw new IllegalArgumentException("a subject needs a word or an end offset");
        }
        if (mask == null || bbox == null) {
            throw new IllegalArgumentException("a subject needs a mask and a box");
        }
    }
}
