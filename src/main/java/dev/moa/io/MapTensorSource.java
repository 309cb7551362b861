package dev.moa.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Tensors already in memory, as a {@link TensorSource} (fresh initialisations, conversions). */
public final class MapTensorSource implements TensorSource {
    private final Map<String, NDArray> arrays;
    private final Map<String, TensorInfo> infos = new LinkedHashMap<>();
    private final String name;

    public MapTensorSource(String name, Map<String, NDArray> arrays) {
        this.name = name;
        this.arrays = Collections.unmodifiableMap(new LinkedHashMap<>(arrays));
        for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
            NDArray a = e.getValue();
            DType t = a.getDataType() == DataType.FLOAT32 ? DType.F32 : DType.of(a.getDataType());
            long bytes = a.getShape().size() * t.size();
            infos.put(e.getKey(), new TensorInfo(e.getKey(), t, a.getShape().getShape(), 0, bytes));
        }
    }

    @Override
    public Set<String> keys() {
        return arrays.keySet();
    }

    @Override
    public TensorInfo info(String key) {
        return infos.get(key);
    }

    @Override
    public Path pathOf(String key) {
        return Path.of(name);
    }

    /** Returns the array itself (moved into {@code manager}), not a copy. */
    @Override
    public NDArray load(String key, NDManager manager, boolean upcast) {
        NDArray a = arrays.get(key);
        if (a.getManager() != manager) {
            a.attach(manager);
        }
        return a;
    }
}
