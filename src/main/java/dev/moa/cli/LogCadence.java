package dev.moa.cli;

/**
 * When a trainer prints a progress line: the first and the last step always, then every {@code --log-every} steps
 * when given, else about every {@link #DEFAULT_SECONDS} seconds (a step may take 0.1 s or 30 s, so a fixed step
 * count floods the log on one model and is silent for minutes on another).
 */
final class LogCadence {
    static final double DEFAULT_SECONDS = 10;

    private final Integer everySteps;
    private final double everySeconds;
    private long lastNanos = System.nanoTime();

    LogCadence(Integer everySteps) {
        this(everySteps, DEFAULT_SECONDS);
    }

    LogCadence(Integer everySteps, double everySeconds) {
        if (everySteps != null && everySteps < 1) {
            throw new IllegalArgumentException("--log-every must be >= 1, got " + everySteps);
        }
        this.everySteps = everySteps;
        this.everySeconds = everySeconds;
    }

    /** Whether step {@code step} of a run that started after {@code start} and ends at {@code total} gets a line. */
    boolean due(long step, long total, long start) {
        long now = System.nanoTime();
        boolean due = step == start + 1 || step == total
                || (everySteps != null ? step % everySteps == 0 : (now - lastNanos) / 1e9 >= everySeconds);
        if (due) {
            lastNanos = now;
        }
        return due;
    }
}
