package dev.moa.train;

import java.nio.file.Path;

/** Progress of a training run. All methods have empty defaults. */
public interface TrainingListener {
    default void onStep(StepStats stats, long totalSteps) {}

    default void onCheckpoint(Path dir) {}

    default void onValidation(Path sheet) {}

    TrainingListener NONE = new TrainingListener() {};
}
