package dev.moa.moa;

import java.nio.file.Path;

/**
 * One subject: its word in the prompt (may be null with {@code <|image|>} markers), the reference image
 * it came from (for metadata; may be null) and its CLIP image embedding.
 */
public record Subject(String word, Path image, float[] embedding) {}
