package dev.moa.testing;

import dev.moa.io.SafetensorsFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Locates the reference fixtures copied into the repository ({@code fixtures/}, see its README). */
public final class Fixtures {
    private Fixtures() {}

    /** The repository root: {@code moa.home} (set by surefire) or the working directory. */
    public static Path home() {
        String h = System.getProperty("moa.home");
        return (h != null ? Paths.get(h) : Paths.get("")).toAbsolutePath();
    }

    /** A path under {@code fixtures/}; fails the test setup if it is absent. */
    public static Path path(String relative) {
        Path p = home().resolve("fixtures").resolve(relative);
        if (!Files.exists(p)) {
            throw new IllegalStateException("fixture not found: " + p);
        }
        return p;
    }

    /** Opens a reference safetensors file under {@code fixtures/}. */
    public static SafetensorsFile ref(String relative) {
        try {
            return SafetensorsFile.open(path(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A 2-D integer tensor of a reference file as rows (e.g. subject token positions, -1 = none). */
    public static int[][] intRows(SafetensorsFile f, String key) throws IOException {
        long[] v = f.longs(key);
        long[] shape = f.info(key).shape();
        int cols = (int) shape[1];
        int[][] out = new int[(int) shape[0]][cols];
        for (int i = 0; i < v.length; i++) {
            out[i / cols][i % cols] = (int) v[i];
        }
        return out;
    }
}
