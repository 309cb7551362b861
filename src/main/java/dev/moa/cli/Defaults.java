package dev.moa.cli;

import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Where the bundled models live: {@code moa.home} (set by the ./moa launcher) or the working directory. The default
 * model is the trained toy world (64 px pictures of shapes in scenes, {@code models/toy-world}) with its MoA; the
 * tiny random models under {@code fixtures/} stay for the tests and for exercising SD-sized code paths quickly.
 */
final class Defaults {
    private Defaults() {}

    static Path home() {
        String h = System.getProperty("moa.home");
        return (h != null ? Paths.get(h) : Paths.get("")).toAbsolutePath();
    }

    /** The trained toy world: the default model of every command. */
    static Path toyWorld() {
        return home().resolve("models/toy-world");
    }

    /** The toy world's MoA: the default of personalized generation on the default model. */
    static Path toyMoa() {
        return home().resolve("models/toy-world-moa");
    }

    /** A held-out toy-world subject photo shipped in the repo (a heart the models never saw in training). */
    static Path toySubject() {
        return home().resolve("eval/toy/refs/h000.png");
    }
}
