package dev.moa.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A view of a tensor source in which some tensors are split into equal parts along their first dimension,
 * each part listed as {@code key + "." + part}. Fused projections (e.g. OpenCLIP's {@code in_proj_weight},
 * q, k and v stacked) can then be renamed part by part like any other key. The fused key itself stays
 * listed, so a rename decides what to do with it. The view does not own the base: closing it does nothing.
 */
public final class RowSplitSource implements TensorSource {

    private record Part(String source, int index, int count) {}

    private final TensorSource base;
    private final Set<String> keys;
    private final Map<String, Part> parts = new LinkedHashMap<>();
    private final Map<String, TensorInfo> infos = new LinkedHashMap<>();

    /**
     * @param split which keys to split
     * @param names the part names, in row order (e.g. "q", "k", "v")
     */
    public RowSplitSource(TensorSource base, Predicate<String> split, String... names) throws WeightsFormatException {
        this.base = base;
        Set<String> all = new LinkedHashSet<>(base.keys());
        for (String k : base.keys()) {
            if (!split.test(k)) {
                continue;
            }
            TensorInfo t = base.info(k);
            long[] shape = t.shape();
            if (shape.length == 0 || shape[0] % names.length != 0) {
                throw new WeightsFormatException(base.pathOf(k) + ": tensor '" + k + "' " + Arrays.toString(shape)
                        + " cannot be split into " + names.length + " equal parts along its first dimension");
            }
            long[] partShape = shape.clone();
            partShape[0] /= names.length;
            long partBytes = t.byteSize() / names.length;
            for (int i = 0; i < names.length; i++) {
                String name = k + "." + names[i];
                if (all.contains(name)) {
                    throw new WeightsFormatException(base.pathOf(k) + ": split part '" + name + "' clashes with a stored tensor");
                }
                all.add(name);
                parts.put(name, new Part(k, i, names.length));
                // rows are contiguous, so each part is also a contiguous byte range of the stored tensor
                infos.put(name, new TensorInfo(name, t.dtype(), partShape, t.begin() + i * partBytes,
                        t.begin() + (i + 1) * partBytes));
            }
        }
        this.keys = Collections.unmodifiableSet(all);
    }

    @Override
    public Set<String> keys() {
        return keys;
    }

    @Override
    public TensorInfo info(String key) {
        TensorInfo t = infos.get(key);
        return t != null ? t : base.info(key);
    }

    @Override
    public Path pathOf(String key) {
        Part p = parts.get(key);
        return base.pathOf(p != null ? p.source : key);
    }

    @Override
    public NDArray load(String key, NDManager manager, boolean upcast) throws IOException {
        Part p = parts.get(key);
        if (p == null) {
            return base.load(key, manager, upcast);
        }
        try (NDManager scratch = manager.newSubManager()) {
            NDArray whole = base.load(p.source, scratch, upcast);
            long rows = whole.getShape().get(0) / p.count;
            // a copy, so the part does not keep the whole (possibly file-mapped) tensor alive
            NDArray part = whole.get(new NDIndex("{}:{}", p.index * rows, (p.index + 1) * rows)).duplicate();
            part.attach(manager);
            return part;
        }
    }
}
