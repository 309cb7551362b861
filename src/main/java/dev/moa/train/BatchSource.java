package dev.moa.train;

import dev.moa.train.data.TrainingExample;
import java.util.List;

/**
 * Training batches by index: batch i is always the same (given the source's seed), which is what makes
 * resuming exact (the trainer only needs to remember how many batches it consumed).
 */
public interface BatchSource extends AutoCloseable {
    /** The {@code index}-th batch. */
    List<TrainingExample> batch(long index);

    /** Examples per batch. */
    int batchSize();

    /** A few fixed examples for validation sheets (may be empty). */
    List<TrainingExample> validationSamples(int count);

    /** What the data is, for logs. */
    default String description() {
        return getClass().getSimpleName();
    }

    /** The data problems skipped so far, in a line ("none" when there were none); null for generated data. */
    default String dataProblems() {
        return null;
    }

    /** Frees what the source holds (worker threads, files); nothing by default. */
    @Override
    default void close() {}
}
