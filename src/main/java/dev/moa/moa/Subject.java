package dev.moa.moa;

import ai.djl.ndarray.NDArray;
import java.nio.file.Path;

/**
 * One subject ready for generation: its word in the prompt (null with {@code <|image|>} markers), the
 * reference photo it came from (for metadata; null when it was made in memory) and its CLIP image embedding
 * (Di), kept where it was computed. Closing the subject frees the embedding.
 */
public record Subject(String word, Path image, NDArray embedding) implements AutoCloseable {

    @Override
    public void close() {
        embedding.close();
    }
}
