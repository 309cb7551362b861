package dev.moa.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

/** Named tensors that can be listed and loaded one at a time: one safetensors file, or a sharded set. */
public interface TensorSource extends Closeable {

    /** Tensor names, in file order. */
    Set<String> keys();

    /** Header entry of a tensor, or null if absent. */
    TensorInfo info(String key);

    /** Where a tensor is stored (for error messages). */
    Path pathOf(String key);

    /**
     * Loads a tensor into {@code manager}. Floating tensors become F32 when {@code upcast} is set
     * (BF16 always does); otherwise F16 stays F16.
     */
    NDArray load(String key, NDManager manager, boolean upcast) throws IOException;

    default NDArray load(String key, NDManager manager) throws IOException {
        return load(key, manager, true);
    }

    @Override
    default void close() throws IOException {}
}
