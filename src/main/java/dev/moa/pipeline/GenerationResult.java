package dev.moa.pipeline;

import java.util.List;

/**
 * What a generation produced: images (H, W, 3) floats in [0, 1], one seed per image (image i reproduces
 * alone with seed i), the final latents, the settings used and any warnings (e.g. prompt truncation).
 */
public record GenerationResult(List<float[]> images, int width, int height, long[] seeds, float[] finalLatents,
        long[] latentShape, String schedulerName, GenerationOptions options, List<String> warnings) {}
