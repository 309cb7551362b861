package dev.moa.server;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * One generation at a time on the loaded model (its MoA processors and memory are not shared between threads),
 * with at most {@code capacity} jobs waiting behind it. A job beyond that is refused at once ({@link Full}), so a
 * client learns within milliseconds to come back later; an accepted job always ends in its future: a result,
 * or the exception that stopped it.
 */
final class JobQueue implements AutoCloseable {
    private final ThreadPoolExecutor worker;
    private final AtomicLong ids = new AtomicLong();
    private final AtomicLong finished = new AtomicLong();
    private final AtomicLong busyNanos = new AtomicLong();
    private volatile Job current;

    /** Thrown by {@link #submit} when the queue is full; {@code retryAfter} is a guess in seconds. */
    static final class Full extends RuntimeException {
        final long retryAfter;

        Full(long retryAfter) {
            super("the queue is full");
            this.retryAfter = retryAfter;
        }
    }

    JobQueue(int capacity) {
        worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                capacity == 0 ? new java.util.concurrent.SynchronousQueue<>() : new ArrayBlockingQueue<>(capacity),
                r -> {
                    Thread t = new Thread(r, "moa-generation");
                    t.setDaemon(true);
                    return t;
                });
    }

    Job newJob(String endpoint) {
        return new Job(ids.incrementAndGet(), endpoint);
    }

    /** Queues {@code work}; the future completes with its result or the exception that stopped it. */
    <T> CompletableFuture<T> submit(Job job, Function<Job, T> work) {
        Task<T> task = new Task<>(job, work);
        try {
            worker.execute(task);
        } catch (RejectedExecutionException e) {
            throw new Full(retryAfterSeconds());
        }
        return task.future;
    }

    private final class Task<T> implements Runnable {
        final Job job;
        final Function<Job, T> work;
        final CompletableFuture<T> future = new CompletableFuture<>();

        Task(Job job, Function<Job, T> work) {
            this.job = job;
            this.work = work;
        }

        @Override
        public void run() {
            if (job.abandoned) {
                future.completeExceptionally(new CancellationException("the client went away"));
                return;
            }
            current = job;
            job.started = System.nanoTime();
            job.phase = "running";
            try {
                future.complete(work.apply(job));
            } catch (Throwable t) {
                future.completeExceptionally(t);
            } finally {
                busyNanos.addAndGet(System.nanoTime() - job.started);
                finished.incrementAndGet();
                job.phase = "done";
                current = null;
            }
        }
    }

    /** The running job, or null when idle. */
    Job current() {
        return current;
    }

    int waiting() {
        return worker.getQueue().size();
    }

    /** Seconds until a slot is likely free: the waiting jobs plus the running one at the mean job time so far. */
    long retryAfterSeconds() {
        long n = finished.get();
        double mean = n == 0 ? 5 : busyNanos.get() / 1e9 / n;
        return Math.max(1, Math.round(mean * (waiting() + 1)));
    }

    @Override
    public void close() {
        Job j = current;
        if (j != null) {
            j.abandoned = true;
        }
        for (Runnable r : worker.shutdownNow()) {   // jobs still waiting are told, not dropped
            if (r instanceof Task<?> t) {
                t.future.completeExceptionally(new CancellationException("the server is shutting down"));
            }
        }
    }
}
