package dev.moa.pipeline;

import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;

/** A flag another thread (a UI, an HTTP interrupt) sets to stop a generation between steps. */
public final class Cancellation implements GenerationObserver {
    private final AtomicBoolean cancelled = new AtomicBoolean();

    public void cancel() {
        cancelled.set(true);
    }

    @Override
    public boolean isCancelled() {
        return cancelled.get();
    }

    /** Throws {@link CancellationException} if cancelled. */
    public void check() {
        if (cancelled.get()) {
            throw new CancellationException("generation cancelled");
        }
    }

    public static final Cancellation NEVER = new Cancellation();
}
