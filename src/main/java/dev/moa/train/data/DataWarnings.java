package dev.moa.train.data;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The data problems that are skipped rather than fatal, by kind. Each distinct problem (kind and entry) is told
 * once, as a {@code warning:} line, however many epochs meet it again; after the first few distinct ones of a kind
 * the rest are only counted. Counts are kept both per distinct problem and per occurrence (a subject dropped in
 * every epoch is one problem, met once per epoch). Thread-safe.
 */
public final class DataWarnings {

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
    private final AtomicLongArray distinct = new AtomicLongArray(Kind.values().length);
    private final java.util.Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final int logFirst;
    private final java.util.function.Consumer<String> sink;

    /** Tells the first 5 distinct problems of each kind on stderr. */
    public DataWarnings() {
        this(5);
    }

    /** Tells the first {@code logFirst} distinct problems of each kind on stderr (0: never). */
    public DataWarnings(int logFirst) {
        this(logFirst, line -> System.err.println("warning: " + line));
    }

    /** Tells the first {@code logFirst} distinct problems of each kind to {@code sink}. */
    public DataWarnings(int logFirst, java.util.function.Consumer<String> sink) {
        this.logFirst = logFirst;
        this.sink = sink;
    }

    /** Records one occurrence; {@code detail} names the entry (and subject). */
    public void add(Kind kind, String detail) {
        counts.incrementAndGet(kind.ordinal());
        if (!seen.add(kind.name() + '\u0000' + detail)) {
            return;   // the same problem again (another epoch, a prefetch): counted, not told again
        }
        long n = distinct.incrementAndGet(kind.ordinal());
        if (n <= logFirst) {
            sink.accept(detail + ": " + kind.description
                    + (n == logFirst ? " (further problems of this kind are only counted)" : ""));
        }
    }

    /** Occurrences of a kind. */
    public long count(Kind kind) {
        return counts.get(kind.ordinal());
    }

    /** Distinct problems (entries) of a kind. */
    public long distinct(Kind kind) {
        return distinct.get(kind.ordinal());
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

    /** "2 entries: subject mask is empty; subject dropped (met 14 times); ..." or "none". */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<Kind, Long> e : snapshot().entrySet()) {
            long d = distinct(e.getKey());
            sb.append(sb.length() > 0 ? "; " : "").append(d).append(d == 1 ? " entry: " : " entries: ")
                    .append(e.getKey().description).append(" (met ").append(e.getValue()).append(" times)");
        }
        return sb.length() == 0 ? "none" : sb.toString();
    }
}
