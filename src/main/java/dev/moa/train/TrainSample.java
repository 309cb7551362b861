package dev.moa.train;

/**
 * One training example as the trainer consumes it.
 *
 * @param image (3, R, R) in [-1, 1]
 * @param resolution R
 * @param caption the caption the text encoder sees (empty when conditioning was dropped)
 * @param words subject words, for validation sheets and logs
 * @param positions token position of each subject in the caption
 * @param masks per subject (R, R) in {0, 1}
 * @param references per subject (3, S, S), CLIP-normalized for the image encoder
 */
public record TrainSample(float[] image, int resolution, String caption, String[] words, int[] positions,
        float[][] masks, float[][] references) {

    public int subjects() {
        return positions.length;
    }
}
