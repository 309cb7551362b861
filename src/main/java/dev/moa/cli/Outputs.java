package dev.moa.cli;

import dev.moa.image.PngWriter;
import dev.moa.image.RgbImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/**
 * Output naming: {@code --output x.png} names the (first) file, further images get {@code -2}, {@code -3}...;
 * {@code --output DIR} (or nothing: {@code outputs/}) gets {@code yyyyMMdd-HHmmss-<seed>.png}, never
 * overwriting an existing file. Every PNG is written atomically.
 */
final class Outputs {
    private final Path dir;
    private final String stem;
    private final boolean explicitFile;

    private Outputs(Path dir, String stem, boolean explicitFile) {
        this.dir = dir;
        this.stem = stem;
        this.explicitFile = explicitFile;
    }

    private static final java.util.Set<String> OTHER_IMAGE_TYPES = java.util.Set.of("jpg", "jpeg", "webp", "gif", "bmp",
            "tif", "tiff", "avif", "heic");

    static Outputs of(Path output, long seed) throws IOException {
        String lower = output == null ? "" : output.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        int dot = lower.lastIndexOf('.');
        if (dot > 0 && OTHER_IMAGE_TYPES.contains(lower.substring(dot + 1))) {
            throw new IllegalArgumentException("--output " + output + ": images are written as PNG (with their"
                    + " parameters); name the file .png or give a folder");
        }
        if (output != null && lower.endsWith(".png")) {
            Path abs = output.toAbsolutePath();
            writableFolder(abs.getParent(), "--output " + output);
            String name = abs.getFileName().toString();
            return new Outputs(abs.getParent(), name.substring(0, name.length() - 4), true);
        }
        Path dir = (output != null ? output : Paths.get("outputs")).toAbsolutePath();
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IOException(dir + ": --output must be a .png file name or a folder");
        }
        writableFolder(dir, "--output " + dir);
        String stem = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-" + seed;
        String unique = stem;
        for (int i = 2; Files.exists(dir.resolve(unique + ".png")); i++) {
            unique = stem + "_" + i;
        }
        return new Outputs(dir, unique, false);
    }

    /**
     * Checks, before any work, that a file can be written at {@code file} (its folder is made if needed).
     *
     * @throws IllegalArgumentException naming {@code flag} when it cannot
     */
    static void checkFile(Path file, String flag) throws IOException {
        Path abs = file.toAbsolutePath();
        if (Files.isDirectory(abs)) {
            throw new IllegalArgumentException(flag + " " + file + " is a folder; give a file name");
        }
        writableFolder(abs.getParent(), flag + " " + file);
    }

    /** Makes {@code dir} if needed and checks it is a writable folder; the message names {@code what}. */
    private static void writableFolder(Path dir, String what) throws IOException {
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.exists(p) && !Files.isDirectory(p)) {
                throw new IllegalArgumentException(what + ": " + p + " is a file, not a folder");
            }
            if (Files.isDirectory(p)) {
                break;
            }
        }
        try {
            Files.createDirectories(dir);
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IllegalArgumentException(what + ": cannot create " + dir + " (permission denied)");
        }
        if (!Files.isWritable(dir)) {
            throw new IllegalArgumentException(what + ": folder " + dir + " is not writable");
        }
        // the permission bits do not tell everything (root ignores them; /proc, read-only mounts): try it
        try {
            Files.delete(Files.createTempFile(dir, ".moa-write-check", ".tmp"));
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalArgumentException(what + ": cannot write in folder " + dir + " ("
                    + (e instanceof java.nio.file.AccessDeniedException ? "permission denied"
                    : e instanceof java.nio.file.NoSuchFileException ? "files cannot be created there"
                    : e.getClass().getSimpleName().replace("Exception", "").replaceAll("([a-z])([A-Z])", "$1 $2")
                            .toLowerCase(java.util.Locale.ROOT)) + ")");
        }
    }

    /** The path of image {@code index} (0-based) with an optional suffix ("prior", "sheet", "frame-03"). */
    Path path(int index, String suffix) {
        String name = stem + (index > 0 ? "-" + (index + 1) : "") + (suffix == null ? "" : "-" + suffix);
        return dir.resolve(name + ".png");
    }

    /** The path of a --seeds grid image: {@code <stem>-seed<S>[-suffix].png}, named by what reproduces it. */
    Path forSeed(long seed, String suffix) {
        return dir.resolve(stem + "-seed" + seed + (suffix == null ? "" : "-" + suffix) + ".png");
    }

    Path withExtension(String suffix, String ext) {
        return dir.resolve(stem + (suffix == null ? "" : "-" + suffix) + "." + ext);
    }

    boolean explicitFile() {
        return explicitFile;
    }

    /** {@code maps.png} -> {@code maps-<n>.png}: the n-th of several files asked for under one name. */
    static Path sibling(Path p, int n) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        return p.resolveSibling(stem + "-" + n + ".png");
    }

    static Path write(Path path, RgbImage image, Map<String, String> text) throws IOException {
        PngWriter.write(path, image, text);
        return path;
    }
}
