package dev.moa.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * One generator per batch row, seeded seed, seed+1, ...: row i draws what a single-image run with seed+i
 * would draw, so every image of a batch can be reproduced on its own (diffusers with a list of generators).
 */
public final class BatchNoise implements NoiseSource {
    private final TorchGenerator[] rows;

    public BatchNoise(long seed, int batch) {
        rows = new TorchGenerator[batch];
        for (int i = 0; i < batch; i++) {
            rows[i] = new TorchGenerator(seed + i);
        }
    }

    public int batch() {
        return rows.length;
    }

    @Override
    public NDArray randn(NDManager manager, Shape shape) {
        if (shape.get(0) != rows.length) {
            throw new IllegalArgumentException("noise for " + shape.get(0) + " rows from " + rows.length + " generators");
        }
        int per = Math.toIntExact(shape.size() / rows.length);
        float[] all = new float[per * rows.length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i].randn(per), 0, all, i * per, per);
        }
        return manager.create(all, shape);
    }
}
