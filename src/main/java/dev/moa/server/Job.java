package dev.moa.server;

import dev.moa.pipeline.GenerationObserver;

/**
 * One accepted request: its progress (what {@code /sdapi/v1/progress} reports) and the three ways it can stop
 * early: interrupted (A1111's interrupt: return what is done), skipped (A1111's skip: drop the current image, go
 * on with the next) and abandoned (the client went away: nobody is waiting for the result).
 */
final class Job implements GenerationObserver {
    final long id;
    final String endpoint;
    final long accepted = System.nanoTime();
    volatile long started;
    volatile boolean interrupted;
    volatile boolean skipped;
    volatile boolean abandoned;
    volatile int step;
    volatile int steps;
    volatile int jobNo;
    volatile int jobCount = 1;
    volatile String phase = "queued";

    Job(long id, String endpoint) {
        this.id = id;
        this.endpoint = endpoint;
    }

    @Override
    public void onProgress(int done, int total, String phase) {
        if ("sampling".equals(phase)) {
            step = done;
            steps = total;
        }
        this.phase = phase;
    }

    @Override
    public boolean isCancelled() {
        return interrupted || skipped || abandoned;
    }

    /** Marks the start of image (or image batch) {@code no} of {@code count}. */
    void image(int no, int count) {
        jobNo = no;
        jobCount = count;
        step = 0;
    }

    /** Share of the job done, 0..1. */
    double progress() {
        int n = Math.max(1, jobCount);
        double within = steps > 0 ? Math.min(1.0, step / (double) steps) : 0;
        return Math.min(1.0, (jobNo + within) / n);
    }
}
