package dev.moa.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Dai.djl.offline=true", "dev.moa.cli.Main", "generate",
                "--threads", "1", "--model", Fixtures.path("models/tiny-sd").toString(), "--steps", "1", "--seed", "1",
                "-q", "-o", out.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("DJL_OFFLINE", "true");
        pb.environment().put("OPT_OUT_TRACKING", "true");
        Process p = pb.start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out:\n" + log);
        assertEquals(0, p.exitValue(), log);
        assertTrue(Files.size(out) > 0);
    }
}
