package dev.moa.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.moa.tensor.Ops;
import dev.moa.tensor.Precision;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
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
 *
 * <p>Floating-point parameters are converted to the view's {@link Precision} as they are taken. bf16 goes
 * through {@link Ops#cast} (DJL itself aborts on bf16); a model may take numerically sensitive parameters
 * through a {@link #withPrecision(Precision) fp32 view}.
 */
public final class Weights {

    private static final int MAX_LISTED = 25;

    private static final class Store {
        final String what;
        final TensorSource source;        // null for random weights
        final Map<String, String> modelToSource = new LinkedHashMap<>();
        final NDManager manager;
        final Set<String> used = new LinkedHashSet<>();
        final Map<String, NDArray> taken = new LinkedHashMap<>();
        final List<String> missing = new ArrayList<>();
        final List<String> misshaped = new ArrayList<>();

        Store(String what, TensorSource source, NDManager manager) {
            this.what = what;
            this.source = source;
            this.manager = manager;
        }
    }

    private final Store store;
    private final String prefix;
    private final Precision precision;

    private Weights(Store store, String prefix, Precision precision) {
        this.store = store;
        this.prefix = prefix;
        this.precision = precision;
    }

    /**
     * Weights from a tensor source. {@code rename} maps a source key to a model key (null drops it).
     * {@code what} names the component in error messages, e.g. "unet (/models/sd15/unet)".
     */
    public static Weights of(String what, TensorSource source, UnaryOperator<String> rename, NDManager manager,
            Precision precision) throws WeightsFormatException {
        Store s = new Store(what, source, manager);
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
        return new Weights(s, "", precision);
    }

    public static Weights of(String what, TensorSource source, UnaryOperator<String> rename, NDManager manager)
            throws WeightsFormatException {
        return of(what, source, rename, manager, Precision.FP32);
    }

    /**
     * Random weights for any key asked for: normal(0, 0.02) for matrices, ones for norm scales and zeros for
     * biases. Used to build the full-size architecture for benchmarks without downloading anything.
     */
    public static Weights random(String what, NDManager manager, long seed) {
        return random(what, manager, seed, Precision.FP32);
    }

    public static Weights random(String what, NDManager manager, long seed, Precision precision) {
        ai.djl.engine.Engine.getEngine("PyTorch").setRandomSeed((int) seed);
        return new Weights(new Store(what, null, manager), "", precision);
    }

    /** A view whose keys are prefixed with {@code name + "."}. */
    public Weights sub(String name) {
        return new Weights(store, prefix + name + ".", precision);
    }

    /** The same keys, taken in another precision (e.g. fp32 for layers that stay in full precision). */
    public Weights withPrecision(Precision p) {
        return p == precision ? this : new Weights(store, prefix, p);
    }

    /** The precision parameters are taken in through this view. */
    public Precision precision() {
        return precision;
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
            NDArray r = randomParam(key, shape);
            store.taken.put(key, r);
            return r;
        }
        String srcKey = store.modelToSource.get(key);
        if (srcKey == null) {
            store.missing.add(key + " " + Arrays.toString(shape));
            return convert(store.manager.zeros(new Shape(shape)));
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
                return convert(store.manager.zeros(new Shape(shape)));
            }
        }
        try {
            NDArray a = store.source.load(srcKey, store.manager, precision == Precision.FP32);
            if (a.getDataType().isFloating()) {
                a = convert(a);
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
            return convert(store.manager.zeros(sh));
        }
        if (isNorm && shape.length == 1) {
            return convert(store.manager.ones(sh));
        }
        // libtorch's generator, seeded once per Weights.random: ~30x faster than Java's nextGaussian for 860 M values
        return convert(store.manager.randomNormal(0f, 0.02f, sh, DataType.FLOAT32));
    }

    /** A float32 or float16 array in this view's precision; the input is closed when a copy is made. */
    private NDArray convert(NDArray a) {
        DataType t = a.getDataType();
        if (precision == Precision.FP32 && t == DataType.FLOAT32 || precision == Precision.FP16 && t == DataType.FLOAT16) {
            return a;
        }
        NDArray c = precision == Precision.BF16 ? Ops.get().cast(a, precision)
                : a.toType(precision == Precision.FP16 ? DataType.FLOAT16 : DataType.FLOAT32, false);
        a.close();
        return c;
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
