package dev.moa.train.data;

import java.io.IOException;

/**
 * A list of training entries that can be loaded one at a time ({@link FfhqWildDataset},
 * {@link ManifestDataset}). Implementations must be safe to call from several threads at once and must
 * return the same example for the same index every time (the loader's determinism relies on it).
 */
public interface SourceDataset {
    /** Number of entries. */
    int size();

    /** The id of entry {@code index} (for messages and {@link TrainingExample#id()}). */
    String id(int index);

    /**
     * Loads entry {@code index}.
     *
     * @throws DataFormatException (an {@link IOException}) naming the file when the entry is missing or corrupt
     */
    SourceExample load(int index) throws IOException;
}
