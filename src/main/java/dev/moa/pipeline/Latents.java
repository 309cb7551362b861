package dev.moa.pipeline;

import dev.moa.io.SafetensorsFile;
import dev.moa.io.TensorInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Initial latents given instead of drawing them from the seed: values (before init_noise_sigma scaling) and,
 * when known, their shape (batch, channels, height / f, width / f). Without a shape the generation's size and
 * batch decide it.
 */
public record Latents(float[] values, long[] shape, String source) {
    public Latents {
        if (shape != null) {
            if (shape.length != 4) {
                throw new IllegalArgumentException((source == null ? "latents" : source) + ": shape "
                        + Arrays.toString(shape) + ", expected (batch, channels, height/8, width/8)");
            }
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            if (n != values.length) {
                throw new IllegalArgumentException("latents: " + values.length + " values for shape " + Arrays.toString(shape));
            }
        }
    }

    /** Values only; their shape follows from the generation's size and batch. */
    public static Latents of(float[] values) {
        return new Latents(values, null, null);
    }

    /**
     * Reads a {@code .safetensors} file with a tensor named {@code latents}, or with a single tensor.
     *
     * @throws IOException naming the file, the tensor and the shape that is wrong
     */
    public static Latents read(Path file) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            String key = f.info("latents") != null ? "latents" : f.keys().size() == 1 ? f.keys().iterator().next() : null;
            if (key == null) {
                throw new IOException(file + ": no tensor named 'latents' and " + f.keys().size()
                        + " tensors to choose from " + f.keys());
            }
            TensorInfo info = f.info(key);
            long[] shape = info.shape();
            if (shape.length != 4) {
                throw new IOException(file + ": tensor '" + key + "' has shape " + Arrays.toString(shape)
                        + ", expected (batch, channels, height/8, width/8)");
            }
            return new Latents(f.floats(key), shape, file.toString());
        }
    }

    /** For the PNG's parameters: the file's name and a short hash of the values, "latents.safetensors (3f2a9c01b4)". */
    public String describe() {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(values.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        String hash;
        try {
            hash = Infotext.shortHash(new java.io.ByteArrayInputStream(b.array()));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);   // a byte array does not fail to read
        }
        String file = source == null ? "given" : java.nio.file.Path.of(source).getFileName().toString();
        return file + " (" + hash + ")";
    }

    String name() {
        return source == null ? "initial latents" : source;
    }
}
