package dev.moa.train.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Deterministic, resumable batches of {@link TrainingExample}s.
 *
 * <p><b>Order.</b> The loader walks an endless sequence of example slots; slot {@code k} belongs to epoch
 * {@code k / N} (N = data set size) at position {@code k % N} of that epoch's order, a permutation of
 * the data set drawn from (seed, epoch) (or the file order without shuffling). Batch {@code step} holds
 * slots {@code step * B ... step * B + B - 1}, so every batch is full and batches run across epoch
 * boundaries. Every random choice of an example (crop, flip, dropout, augmentation, noise) is drawn from
 * (seed, epoch, position) in {@link Preprocessor}.
 *
 * <p><b>Resume.</b> Batch {@code step} is a pure function of (data set, options, seed, B, step): {@link
 * #batch(long)} computes any batch, and a loader built with {@link Builder#startStep} (or moved with
 * {@link #seek}) continues exactly where a trainer that ran {@code step} steps left off. A trainer only
 * needs to store the step (and the seed) in its checkpoint.
 *
 * <p><b>Speed.</b> With {@code threads > 0}, examples are loaded and preprocessed by that many background
 * threads, up to {@code prefetch} batches ahead of the one {@link #next()} returns; the result does not
 * depend on the number of threads.
 *
 * <p><b>Bad entries.</b> An entry that fails to load stops the loader with its error (naming the file),
 * unless {@link Builder#skipBadEntries} is set: then the next entry of the same epoch order takes its
 * slot (keeping the slot's randomness), the failure is counted ({@link DataWarnings.Kind#BAD_ENTRY}) and
 * logged, and the replacement is as deterministic as the rest.
 */
public final class DataLoader implements AutoCloseable {

    /** Where a loader stands: the next {@link #next()} returns batch {@code step}. */
    public record State(long seed, int batchSize, long step, long epoch, int position) {}

    private final SourceDataset dataset;
    private final Preprocessor preprocessor;
    private final int batchSize;
    private final long seed;
    private final boolean shuffle;
    private final boolean skipBad;
    private final int prefetch;
    private final DataWarnings warnings;
    private final ExecutorService pool;
    private final Map<Long, int[]> orders = new LinkedHashMap<>();
    private final Map<Long, List<Future<TrainingExample>>> pending = new LinkedHashMap<>();
    private final Set<Integer> bad = ConcurrentHashMap.newKeySet();
    private long step;
    private boolean closed;

    private DataLoader(Builder b) {
        this.dataset = b.dataset;
        this.preprocessor = b.preprocessor;
        this.batchSize = b.batchSize;
        this.seed = b.seed;
        this.shuffle = b.shuffle;
        this.skipBad = b.skipBad;
        this.prefetch = b.threads > 0 ? b.prefetch : 0;
        this.warnings = b.warnings != null ? b.warnings : new DataWarnings();
        this.step = b.startStep;
        if (b.threads > 0) {
            AtomicInteger n = new AtomicInteger();
            pool = Executors.newFixedThreadPool(b.threads, r -> {
                Thread t = new Thread(r, "moa-data-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        } else {
            pool = null;
        }
    }

    /** A builder for a loader over {@code dataset}, preprocessing with {@code preprocessor}. */
    public static Builder builder(SourceDataset dataset, Preprocessor preprocessor) {
        return new Builder(dataset, preprocessor);
    }

    /** Loader settings. Defaults: batch size 1, seed 0, shuffled, 2 threads, 2 batches ahead, bad entries fatal. */
    public static final class Builder {
        private final SourceDataset dataset;
        private final Preprocessor preprocessor;
        private int batchSize = 1;
        private long seed;
        private boolean shuffle = true;
        private int threads = 2;
        private int prefetch = 2;
        private boolean skipBad;
        private long startStep;
        private DataWarnings warnings;

        private Builder(SourceDataset dataset, Preprocessor preprocessor) {
            this.dataset = dataset;
            this.preprocessor = preprocessor;
        }

        public Builder batchSize(int b) {
            if (b <= 0) {
                throw new IllegalArgumentException("batch size " + b);
            }
            this.batchSize = b;
            return this;
        }

        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /** Shuffle each epoch (default); false walks the data set in file order every epoch. */
        public Builder shuffle(boolean s) {
            this.shuffle = s;
            return this;
        }

        /** Background threads for loading and preprocessing; 0 does everything in the caller's thread. */
        public Builder threads(int t) {
            if (t < 0) {
                throw new IllegalArgumentException("threads " + t);
            }
            this.threads = t;
            return this;
        }

        /** Batches prepared ahead of the current one (with threads). */
        public Builder prefetch(int p) {
            if (p < 0) {
                throw new IllegalArgumentException("prefetch " + p);
            }
            this.prefetch = p;
            return this;
        }

        /** Replace entries that fail to load by the next one (counted) instead of failing. */
        public Builder skipBadEntries(boolean s) {
            this.skipBad = s;
            return this;
        }

        /** The first batch {@link DataLoader#next()} returns (a resumed run's step). */
        public Builder startStep(long s) {
            if (s < 0) {
                throw new IllegalArgumentException("start step " + s);
            }
            this.startStep = s;
            return this;
        }

        /** Where warnings are counted (default: a new {@link DataWarnings}). */
        public Builder warnings(DataWarnings w) {
            this.warnings = w;
            return this;
        }

        public DataLoader build() {
            if (dataset.size() == 0) {
                throw new IllegalArgumentException("the data set is empty: " + dataset);
            }
            return new DataLoader(this);
        }
    }

    public SourceDataset dataset() {
        return dataset;
    }

    public Preprocessor preprocessor() {
        return preprocessor;
    }

    public int batchSize() {
        return batchSize;
    }

    public long seed() {
        return seed;
    }

    public DataWarnings warnings() {
        return warnings;
    }

    /** The step of the batch {@link #next()} returns next. */
    public synchronized long step() {
        return step;
    }

    /** The current position: the step, and the epoch and position in it of the next batch's first example. */
    public synchronized State state() {
        long slot = step * batchSize;
        return new State(seed, batchSize, step, slot / dataset.size(), (int) (slot % dataset.size()));
    }

    /** Epochs completed at the start of batch {@code step} (fractional). */
    public double epochAt(long step) {
        return (double) step * batchSize / dataset.size();
    }

    /** Batches in one pass over the data set (rounded up). */
    public long stepsPerEpoch() {
        return (dataset.size() + batchSize - 1) / batchSize;
    }

    /** Moves to batch {@code step}; prefetched batches are discarded. */
    public synchronized void seek(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("step " + step);
        }
        cancelPending();
        this.step = step;
    }

    /** The batch at {@link #step()}; then advances by one. */
    public synchronized TrainingBatch next() throws IOException {
        checkOpen();
        if (pool == null) {
            TrainingBatch b = batch(step);
            step++;
            return b;
        }
        for (long s = step; s <= step + prefetch; s++) {
            if (!pending.containsKey(s)) {
                pending.put(s, submit(s));
            }
        }
        List<Future<TrainingExample>> futures = pending.get(step);
        List<TrainingExample> out = new ArrayList<>(batchSize);
        for (Future<TrainingExample> f : futures) {
            out.add(await(f));
        }
        pending.remove(step);
        return new TrainingBatch(step++, out, preprocessor.options().maxSubjects());
    }

    /** Batch {@code step}, computed now (in the caller's thread, or the pool's); the loader's position is unchanged. */
    public TrainingBatch batch(long step) throws IOException {
        checkOpen();
        List<TrainingExample> out = new ArrayList<>(batchSize);
        if (pool == null) {
            for (int i = 0; i < batchSize; i++) {
                out.add(example(step * batchSize + i));
            }
        } else {
            for (Future<TrainingExample> f : submit(step)) {
                out.add(await(f));
            }
        }
        return new TrainingBatch(step, out, preprocessor.options().maxSubjects());
    }

    /** The example in slot {@code slot} (batch {@code slot / B}, row {@code slot % B}). */
    public TrainingExample example(long slot) throws IOException {
        int n = dataset.size();
        long epoch = slot / n;
        int position = (int) (slot % n);
        int[] order = cachedOrder(epoch);
        IOException first = null;
        for (int k = 0; k < n; k++) {
            int index = order[(position + k) % n];
            if (k > 0 && bad.contains(index)) {
                continue;
            }
            SourceExample src;
            try {
                src = dataset.load(index);
            } catch (IOException | RuntimeException e) {
                if (!skipBad) {
                    throw e instanceof IOException io ? io : new DataFormatException(dataset.id(index) + ": " + e, e);
                }
                if (first == null) {
                    first = e instanceof IOException io ? io : new DataFormatException(dataset.id(index) + ": " + e, e);
                }
                bad.add(index);
                warnings.add(DataWarnings.Kind.BAD_ENTRY, e.getMessage() != null ? e.getMessage() : e.toString());
                continue;
            }
            return preprocessor.prepare(src, seed, epoch, position, warnings);
        }
        throw new DataFormatException("no entry of " + dataset + " could be loaded; the first error was: "
                + first.getMessage(), first);
    }

    /** The order of the data set in {@code epoch} (a copy): a permutation from (seed, epoch), or the identity. */
    public int[] order(long epoch) {
        return cachedOrder(epoch).clone();
    }

    private int[] cachedOrder(long epoch) {
        synchronized (orders) {
            int[] o = orders.get(epoch);
            if (o == null) {
                o = shuffle ? Rng.of(seed, epoch, -1).permutation(dataset.size()) : identity(dataset.size());
                orders.put(epoch, o);
                Iterator<Long> it = orders.keySet().iterator();
                while (orders.size() > 3) {
                    it.next();
                    it.remove();
                }
            }
            return o;
        }
    }

    private static int[] identity(int n) {
        int[] o = new int[n];
        for (int i = 0; i < n; i++) {
            o[i] = i;
        }
        return o;
    }

    private List<Future<TrainingExample>> submit(long s) {
        List<Future<TrainingExample>> fs = new ArrayList<>(batchSize);
        for (int i = 0; i < batchSize; i++) {
            long slot = s * batchSize + i;
            fs.add(pool.submit(() -> example(slot)));
        }
        return fs;
    }

    private static TrainingExample await(Future<TrainingExample> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while loading training data", e);
        } catch (CancellationException e) {
            throw new IOException("data loading was cancelled", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw new DataFormatException(io.getMessage(), io);
            }
            if (c instanceof UncheckedIOException u) {
                throw u.getCause();
            }
            if (c instanceof RuntimeException r) {
                throw r;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new IOException(c);
        }
    }

    private void cancelPending() {
        for (List<Future<TrainingExample>> fs : pending.values()) {
            for (Future<TrainingExample> f : fs) {
                f.cancel(false);
            }
        }
        pending.clear();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("data loader is closed");
        }
    }

    /** Stops the background threads. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            cancelPending();
            if (pool != null) {
                pool.shutdownNow();
            }
        }
    }

    @Override
    public String toString() {
        return "DataLoader[" + dataset + ", batch " + batchSize + ", seed " + seed + ", step " + step + "]";
    }
}
