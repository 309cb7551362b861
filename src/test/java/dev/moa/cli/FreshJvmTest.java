package dev.moa.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moa.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Commands as a user starts them: in a fresh JVM, where nothing has loaded libtorch yet. (In the test JVM earlier
 * tests have loaded it, which hid that {@code --threads} called into libtorch before loading it.)
 */
class FreshJvmTest {
    @TempDir
    Path dir;

    @Test
    void threadsFlagWorksAsTheFirstThingACommandDoes() throws Exception {
        Path out = dir.resolve("x.png");
        runFresh(List.of("generate", "--threads", "1", "--model", Fixtures.path("models/tiny-sd").toString(), "--steps",
                "1", "--seed", "1", "-q", "-o", out.toString()));
        assertTrue(Files.size(out) > 0);
    }

    /** Runs the moa command in a new JVM (as the launcher does); returns its output, asserting exit 0. */
    private static String runFresh(List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Dai.djl.offline=true", "dev.moa.cli.Main"));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("DJL_OFFLINE", "true");
        pb.environment().put("OPT_OUT_TRACKING", "true");
        Process p = pb.start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "timed out:\n" + log);
        assertEquals(0, p.exitValue(), log);
        return log;
    }

    @Test
    void resumingPrintsNoLibtorchDeprecationWarning() throws Exception {
        // DJL's NDArray.set(float[]) runs libtorch's deprecated AutoNonVariableTypeMode, whose multi-line warning goes
        // straight to the process's stderr (no -q can hide it): only a fresh JVM's output shows it
        Path data = dir.resolve("synthetic");
        assertEquals(0, CliRunner.run("make-synthetic-data", "--output", data.toString(), "--count", "6",
                "--resolution", "32", "--subjects", "2").code());
        String tiny = Fixtures.path("models/tiny-sd").toString();
        String enc = Fixtures.path("models/tiny-sd/image_encoder").toString();
        Path init = dir.resolve("init");
        assertEquals(0, CliRunner.run("moa-init", "--base", tiny, "--image-encoder", enc, "--output", init.toString(),
                "--router-hidden", "8", "--time-embed", "16", "--layer-embed", "8").code());
        Path out = dir.resolve("run");
        List<String> train = List.of("train", "--base", tiny, "--image-encoder", enc, "--data", data.toString(),
                "--output", out.toString(), "--batch", "1", "--resolution", "32", "--save-every", "1",
                "--validate-every", "0", "--warmup", "1");
        List<String> first = new ArrayList<>(train);
        first.addAll(List.of("--steps", "1", "--moa", init.toString()));
        CliRunner.Result r = CliRunner.run(first.toArray(new String[0]));
        assertEquals(0, r.code(), r.toString());
        List<String> resume = new ArrayList<>(train);
        resume.addAll(List.of("--steps", "2", "--resume", "-q"));
        String log = runFresh(resume);
        assertTrue(Files.exists(out.resolve("checkpoints/step-0000002")), log);
        assertFalse(log.contains("AutoNonVariableTypeMode"), log);
    }
}
