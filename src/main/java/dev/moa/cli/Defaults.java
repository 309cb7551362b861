package dev.moa.cli;

import java.nio.file.Path;
import java.nio.file.Paths;

/** Where the bundled tiny models live: {@code moa.home} (set by the ./moa launcher) or the working directory. */
final class Defaults {
    private Defaults() {}

    static Path home() {
        String h = System.getProperty("moa.home");
        return (h != null ? Paths.get(h) : Paths.get("")).toAbsolutePath();
    }

    /** The bundled tiny SD pipeline (random weights: it shows the machinery, not pictures). */
    static Path tinyModel() {
        return home().resolve("fixtures/models/tiny-sd");
    }

    /** The bundled tiny MoA checkpoint that goes with {@link #tinyModel()}. */
    static Path tinyMoa() {
        return home().resolve("fixtures/models/tiny-moa");
    }
}
