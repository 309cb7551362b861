package dev.moa.train.data;

import dev.moa.image.RgbImage;
import java.util.List;

/**
 * One data set entry as stored: the picture (stored pixels, no EXIF rotation, so it lines up with masks
 * made from the file), its caption and its subjects. {@link Preprocessor} turns it into a {@link
 * TrainingExample}.
 */
public record SourceExample(String id, RgbImage image, String caption, List<SourceSubject> subjects) {
    public SourceExample {
        subjects = List.copyOf(subjects);
        for (SourceSubject s : subjects) {
            if (s.mask().width() != image.width() || s.mask().height() != image.height()) {
                throw new IllegalArgumentException(id + ": a subject mask is " + s.mask().width() + "x"
                        + s.mask().height() + " but the image is " + image.width() + "x" + image.height());
            }
        }
    }
}
