package dev.moa.train.data;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts of the data problems that are skipped rather than fatal, by kind. The first few of each kind
 * are logged (slf4j, WARN) with details; after that they are only counted. Thread-safe. Counts are per
 * occurrence: a subject dropped in every epoch counts once per epoch, and a loader that prefetches
 * counts the batches it prepared ahead.
 */
public final class DataWarnings {
    private static final Logger LOG = LoggerFactory.getLogger(DataWarnings.class);

    /** What was skipped. */
    public enum Kind {
        /** An entry that could not be loaded was replaced by the next one ({@link DataLoader} with skipping on). */
        BAD_ENTRY("entry could not be loaded and was skipped"),
        /** A subject's token lies beyond the text encoder's 77 positions; the subject was dropped. */
        TOKEN_BEYOND_LIMIT("subject token beyond the 77-token limit; subject dropped"),
        /** A subject's word is not in the caption (or every occurrence is taken); the subject was dropped. */
        WORD_NOT_IN_CAPTION("subject word not found in the caption; subject dropped"),
        /** Two subjects bind the same token; the later one was dropped. */
        SAME_TOKEN("two subjects on the same token; the later one dropped"),
        /** A subject's mask has no pixel; the subject was dropped. */
        EMPTY_MASK("subject mask is empty; subject dropped"),
        /** Too little of a subject is left after the crop; the subject was dropped for this example. */
        CROPPED_OUT("subject (mostly) cropped out; subject dropped for this example");

        public final String description;

        Kind(String description) {
            this.description = description;
        }
    }

    private final AtomicLongArray counts = new AtomicLongArray(Kind.values().length);
    private final int logFirst;

    /** Logs the first 5 occurrences of each kind. */
    public DataWarnings() {
        this(5);
    }

    /** Logs the first {@code logFirst} occurrences of each kind (0: never log). */
    public DataWarnings(int logFirst) {
        this.logFirst = logFirst;
    }

    /** Records one occurrence; {@code detail} names the entry (and subject). */
    public void add(Kind kind, String detail) {
        long n = counts.incrementAndGet(kind.ordinal());
        if (n <= logFirst) {
            LOG.warn("{}: {}{}", detail, kind.description,
                    n == logFirst ? " (further warnings of this kind are only counted)" : "");
        }
    }

    public long count(Kind kind) {
        return counts.get(kind.ordinal());
    }

    /** All kinds with a nonzero count. */
    public Map<Kind, Long> snapshot() {
        Map<Kind, Long> m = new EnumMap<>(Kind.class);
        for (Kind k : Kind.values()) {
            long n = count(k);
            if (n > 0) {
                m.put(k, n);
            }
        }
        return m;
    }

    public long total() {
        long t = 0;
        for (int i = 0; i < counts.length(); i++) {
            t += counts.get(i);
        }
        return t;
    }

    /** "3 subject token beyond ..., 1 ..." or "none". */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<Kind, Long> e : snapshot().entrySet()) {
            sb.append(sb.length() > 0 ? "; " : "").append(e.getValue()).append(" x ").append(e.getKey().description);
        }
        return sb.length() == 0 ? "none" : sb.toString();
    }
}
