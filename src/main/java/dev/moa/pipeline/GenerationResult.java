package dev.moa.pipeline;

import dev.moa.image.RgbImage;
import dev.moa.moa.SubjectPrompt;
import java.util.List;

/**
 * What a generation produced: images (H, W, 3) floats in [0, 1], one seed per image (image i reproduces
 * alone with seed i), the final latents, the settings and conditioning used, how MoA bound the subjects (null
 * without MoA) and any warnings (e.g. prompt truncation).
 */
public record GenerationResult(List<float[]> images, int width, int height, long[] seeds, float[] finalLatents,
        long[] latentShape, String schedulerName, GenerationOptions options, Conditioning conditioning,
        SubjectPrompt binding, List<String> warnings) {

    /** Image {@code i} as 8-bit RGB. */
    public RgbImage image(int i) {
        return RgbImage.fromFloatHwc(images.get(i), height, width);
    }
}
