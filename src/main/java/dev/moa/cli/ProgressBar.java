package dev.moa.cli;

import dev.moa.pipeline.ProgressListener;
import java.io.PrintStream;

/**
 * A progress bar with rate and ETA on a terminal; on a pipe or file it prints a plain line every ~10%
 * instead, so logs stay readable.
 */
final class ProgressBar implements ProgressListener {
    private final PrintStream out;
    private final boolean terminal;
    private final String unit;
    private long start;
    private String phase;
    private int lastPercentShown = -1;

    ProgressBar(PrintStream out, String unit) {
        this(out, System.console() != null, unit);
    }

    ProgressBar(PrintStream out, boolean terminal, String unit) {
        this.out = out;
        this.terminal = terminal;
        this.unit = unit;
    }

    @Override
    public synchronized void onProgress(int done, int total, String phase) {
        long now = System.nanoTime();
        if (!phase.equals(this.phase)) {
            if (this.phase != null && terminal) {
                out.println();
            }
            this.phase = phase;
            this.start = now;
            this.lastPercentShown = -1;
        }
        if (done == 0) {
            return;
        }
        double elapsed = Math.max(1e-9, (now - start) / 1e9);
        if (total == 1) {
            // one-shot phases (decoding): just say how long they took
            if (terminal) {
                out.printf("\r%-9s done in %s%n", phase, seconds(elapsed));
            } else {
                out.printf("%s done in %s%n", phase, seconds(elapsed));
            }
            this.phase = null;
            return;
        }
        double per = elapsed / done;
        double eta = per * (total - done);
        int pct = (int) (100L * done / total);
        String rate = per >= 1 ? String.format("%.2f s/%s", per, unit) : String.format("%.2f %s/s", done / elapsed, unit);
        if (terminal) {
            int width = 30;
            int fill = (int) ((long) width * done / total);
            out.printf("\r%-9s [%s%s] %d/%d %s, ETA %s   ", phase, "#".repeat(fill), ".".repeat(width - fill),
                    done, total, rate, clock(eta));
            if (done == total) {
                out.printf("(%s)%n", clock(elapsed));
                this.phase = null;
            }
            out.flush();
        } else if (pct / 10 > lastPercentShown / 10 || done == total) {
            lastPercentShown = pct;
            out.printf("%s %d/%d (%d%%) %s, ETA %s%n", phase, done, total, pct, rate, clock(eta));
        }
    }

    static String seconds(double s) {
        return s < 60 ? String.format("%.2f s", s) : clock(s);
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
                : String.format("%d:%02d", s / 60, s % 60);
    }
}
