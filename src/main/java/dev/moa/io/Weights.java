package dev.moa.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/**
 * The parameters a model takes while it builds its module tree, named like the published state-dict keys.
 *
 * <p>Modules call {@link #take} with the key and the shape their config implies; the source is renamed
 * into model keys first (e.g. legacy VAE attention names, an optional {@code text_model.} prefix, or the
 * single-file checkpoint layout). Problems are collected rather than thrown one at a time, and
 * {@link #check()} reports every missing, unexpected and mis-shaped key in one error.
 */
public final class Weights {

    private static final int MAX_LISTED = 25;

    private static final class Store {
        final String what;
        final TensorSource source;        // null for random weights
        final Map<String, String> modelToSource = new LinkedHashMap<>();
        final NDManager manager;
        final DataType floatType;          // FLOAT32 (default) or FLOAT16
        final Random random;               // for random weights
        final Set<String> used = new LinkedHashSet<>();
        final Map<String, NDArray> taken = new LinkedHashMap<>();
        final List<String> missing = new ArrayList<>();
        final List<String> misshaped = new ArrayList<>();

        Store(String what, TensorSource source, NDManager manager, DataType floatType, Random random) {
            this.what = what;
            this.source = source;
            this.manager = manager;
            this.floatType = floatType;
            this.random = random;
        }
    }

    private final Store store;
    private final String prefix;

    private Weights(Store store, String prefix) {
        this.store = store;
        this.prefix = prefix;
    }

    /**
     * Weights from a tensor source. {@code rename} maps a source key to a model key (null drops it).
     * {@code what} names the component in error messages, e.g. "unet (/models/sd15/unet)".
     */
    public static Weights of(String what, TensorSource source, UnaryOperator<String> rename, NDManager manager,
            DataType floatType) throws WeightsFormatException {
        Store s = new Store(what, source, manager, floatType, null);
        for (String k : source.keys()) {
            String m = rename == null ? k : rename.apply(k);
            if (m == null) {
                continue;
            }
            String prev = s.modelToSource.put(m, k);
            if (prev != null) {
                throw new WeightsFormatException(what + ": both '" + prev + "' and '" + k + "' map to '" + m + "'");
            }
        }
        return new Weights(s, "");
    }

    public static Weights of(String what, TensorSource source, UnaryOperator<String> rename, NDManager manager)
            throws WeightsFormatException {
        return of(what, source, rename, manager, DataType.FLOAT32);
    }

    /**
     * Random weights for any key asked for: normal(0, 0.02) for matrices, ones for norm scales and zeros for
     * biases. Used to build the full-size architecture for benchmarks without downloading anything.
     */
    public static Weights random(String what, NDManager manager, long seed) {
        return new Weights(new Store(what, null, manager, DataType.FLOAT32, new Random(seed)), "");
    }

    /** A view whose keys are prefixed with {@code name + "."}. */
    public Weights sub(String name) {
        return new Weights(store, prefix + name + ".");
    }

    public Weights sub(String name, int index) {
        return sub(name + "." + index);
    }

    public String prefix() {
        return prefix;
    }

    public NDManager manager() {
        return store.manager;
    }

    /** True if the source has this key (random weights have every key). */
    public boolean has(String name) {
        return store.source == null || store.modelToSource.containsKey(prefix + name);
    }

    /** Takes a parameter of the given shape. */
    public NDArray take(String name, long... shape) {
        String key = prefix + name;
        if (store.source == null) {
            return randomParam(key, shape);
        }
        String srcKey = store.modelToSource.get(key);
        if (srcKey == null) {
            store.missing.add(key + " " + Arrays.toString(shape));
            return store.manager.zeros(new Shape(shape), store.floatType);
        }
        store.used.add(key);
        TensorInfo info = store.source.info(srcKey);
        long[] actual = info.shape();
        boolean reshape = false;
        if (!Arrays.equals(actual, shape)) {
            if (sameUpToTrailingOnes(actual, shape)) {
                reshape = true;  // 1x1 conv weights stored where a linear layer is expected, or the reverse
            } else {
                store.misshaped.add(key + ": expected " + Arrays.toString(shape) + ", found " + Arrays.toString(actual)
                        + (srcKey.equals(key) ? "" : " (stored as '" + srcKey + "')"));
                return store.manager.zeros(new Shape(shape), store.floatType);
            }
        }
        try {
            boolean upcast = store.floatType == DataType.FLOAT32;
            NDArray a = store.source.load(srcKey, store.manager, upcast);
            if (a.getDataType().isFloating() && a.getDataType() != store.floatType) {
                NDArray c = a.toType(store.floatType, false);
                a.close();
                a = c;
            }
            NDArray out = reshape ? a.reshape(shape) : a;
            store.taken.put(key, out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean sameUpToTrailingOnes(long[] a, long[] b) {
        return Arrays.equals(stripTrailingOnes(a), stripTrailingOnes(b));
    }

    private static long[] stripTrailingOnes(long[] s) {
        int n = s.length;
        while (n > 2 && s[n - 1] == 1) {
            n--;
        }
        return Arrays.copyOf(s, n);
    }

    private NDArray randomParam(String key, long[] shape) {
        Shape sh = new Shape(shape);
        String leaf = key.substring(key.lastIndexOf('.') + 1);
        boolean isNorm = key.contains("norm") || key.contains("layer_norm") || key.endsWith("ln.weight");
        if (leaf.equals("bias")) {
            return store.manager.zeros(sh, store.floatType);
        }
        if (isNorm && shape.length == 1) {
            return store.manager.ones(sh, store.floatType);
        }
        float[] v = new float[Math.toIntExact(sh.size())];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (store.random.nextGaussian() * 0.02);
        }
        return store.manager.create(v, sh).toType(store.floatType, false);
    }

    /** Every parameter taken so far, by model key, in the order modules took them. */
    public Map<String, NDArray> taken() {
        return java.util.Collections.unmodifiableMap(store.taken);
    }

    /** Keys of the source that no module took. */
    public Set<String> unexpected() {
        Set<String> u = new TreeSet<>(store.modelToSource.keySet());
        u.removeAll(store.used);
        return u;
    }

    /** Throws one error listing every missing, unexpected and mis-shaped key, if there are any. */
    public void check() throws WeightsFormatException {
        Set<String> unexpected = store.source == null ? Set.of() : unexpected();
        if (store.missing.isEmpty() && store.misshaped.isEmpty() && unexpected.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder(store.what).append(": the weights do not match the model config");
        list(sb, "missing", store.missing);
        list(sb, "mis-shaped", store.misshaped);
        list(sb, "unexpected", new ArrayList<>(unexpected));
        throw new WeightsFormatException(sb.toString());
    }

    private static void list(StringBuilder sb, String label, List<String> items) {
        if (items.isEmpty()) {
            return;
        }
        sb.append("\n  ").append(items.size()).append(' ').append(label).append(':');
        for (int i = 0; i < Math.min(items.size(), MAX_LISTED); i++) {
            sb.append("\n    ").append(items.get(i));
        }
        if (items.size() > MAX_LISTED) {
            sb.append("\n    ... and ").append(items.size() - MAX_LISTED).append(" more");
        }
    }
}
