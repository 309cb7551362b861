package dev.moa.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moa.io.SafetensorsWriter;
import dev.moa.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Inputs a careless user gives: each gets one clear line, a non-zero exit and no output file. */
class BadInputTest {
    static final String TINY = Fixtures.path("models/tiny-sd").toString();

    @TempDir
    Path dir;
    @TempDir
    Path inputs;

    private void assertFails(String expected, String... args) throws Exception {
        CliRunner.Result r = CliRunner.run(args);
        assertNotEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains(expected), "expected '" + expected + "' in:\n" + r);
        assertEquals(1, r.err().strip().lines().filter(l -> l.startsWith("error:")).count(), r.err());
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(0, s.count(), "nothing written");
        }
    }

    @Test
    void devicesThatDoNotExistAreRefused() throws Exception {
        assertFails("--device must be cpu, cuda or cuda:N, got 'tpu'", "generate", "--model", TINY, "--device", "tpu",
                "-o", dir.resolve("x.png").toString());
        // this build has the CPU natives: libtorch sees no CUDA device, and says how to get one
        assertFails("--device cuda:0: libtorch sees 0 CUDA device(s)", "generate", "--model", TINY, "--device", "cuda",
                "-o", dir.resolve("x.png").toString());
        assertFails("build with -Pcuda", "train-vae", "--output", dir.resolve("v").toString(), "--device", "cuda:1");
        assertEquals(ai.djl.Device.cpu(), dev.moa.tensor.Devices.current(), "a refused device is not selected");
        CliRunner.Result ok = CliRunner.run("generate", "--model", TINY, "--device", "cpu", "--steps", "1", "-q", "-o",
                dir.resolve("cpu.png").toString());
        assertEquals(0, ok.code(), ok.toString());
        Files.delete(dir.resolve("cpu.png"));
    }

    @Test
    void otherImageExtensionsAreRefusedNotTurnedIntoFolders() throws Exception {
        assertFails("images are written as PNG", "generate", "--model", TINY, "--steps", "1", "-o",
                dir.resolve("x.jpg").toString());
        assertTrue(!Files.exists(dir.resolve("x.jpg")));
    }

    @Test
    void sizesThatCannotFitInMemoryAreRefusedBeforeLoading() throws Exception {
        // the machine's free memory is pinned (as if 8 GiB were free) so the test does not depend on where it runs
        System.setProperty("moa.memory.available", Double.toString(8.0 * (1L << 30)));
        try {
            long t0 = System.nanoTime();
            CliRunner.Result r = CliRunner.run("generate", "--model", TINY, "--steps", "1", "--width", "4096",
                    "--height", "4096", "--batch", "8", "-o", dir.resolve("x.png").toString());
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().contains("4096 x 4096, batch 8 needs about") && r.err().contains("8.0 GiB are available")
                    && r.err().contains("--width/--height"), r.err());
            assertTrue(!r.err().contains("loading"), "refused before any model is loaded: " + r.err());
            assertTrue(System.nanoTime() - t0 < 5e9);
            // an ordinary size passes the same check
            assertEquals(0, CliRunner.run("generate", "--model", TINY, "--steps", "1", "-q", "-o",
                    dir.resolve("ok.png").toString()).code());
            Files.delete(dir.resolve("ok.png"));
        } finally {
            System.clearProperty("moa.memory.available");
        }
    }

    @Test
    void outputFoldersWhereNothingCanBeWrittenAreRefusedFirst() throws Exception {
        // /proc passes the permission bits for root but takes no new files: found by trying, before any work
        CliRunner.Result r = CliRunner.run("generate", "--model", TINY, "--steps", "1", "-o", "/proc/x.png");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("cannot write in folder /proc (files cannot be created there)"), r.err());
        assertTrue(!r.err().contains("loading"), r.err());
    }

    @Test
    void nonFiniteLatentsAreAnError() throws Exception {
        float[] nan = new float[4 * 16 * 16];
        Arrays.fill(nan, Float.NaN);
        Path latents = inputs.resolve("nan.safetensors");
        new SafetensorsWriter().add("latents", nan, 1, 4, 16, 16).write(latents);
        assertFails("latent values are not finite", "generate", "--model", TINY, "--steps", "1", "--latents",
                latents.toString(), "-o", dir.resolve("x.png").toString());
    }

    @Test
    void clipSkipOutOfRangeSpeaksTheFlagsNumbering() throws Exception {
        assertFails("clip skip 99 is out of range", "generate", "--model", TINY, "--steps", "1", "--clip-skip", "99",
                "-o", dir.resolve("x.png").toString());
    }

    @Test
    void hugeSizesAreRefusedBeforeTheModelLoads() throws Exception {
        long t0 = System.nanoTime();
        assertFails("at most 4096 pixels, got 100000 x 64", "generate", "--model", TINY, "--steps", "1", "--width",
                "100000", "--height", "64", "-o", dir.resolve("x.png").toString());
        assertTrue(System.nanoTime() - t0 < 20_000_000_000L, "a usage error must come before any work");
    }

    @Test
    void outputLocationsUnderAFileAreRefusedBeforeAnyWork() throws Exception {
        Path file = inputs.resolve("plain-file");
        Files.writeString(file, "x");
        assertFails("--output " + file.resolve("x.png") + ": " + file + " is a file, not a folder", "generate", "--model",
                TINY, "--steps", "1", "-o", file.resolve("x.png").toString());
        // --router-maps is checked with --output, before the image and the prior are made
        assertFails("--router-maps " + file.resolve("m.png") + ": " + file + " is a file", "generate", "--model", TINY,
                "--moa", Fixtures.path("models/tiny-moa").toString(), "--steps", "1", "--subject",
                "man=" + Fixtures.path("ref/moa_files/pub_man.png"), "--with-prior", "--router-maps",
                file.resolve("m.png").toString(), "-o", dir.resolve("x.png").toString());
    }
}
