package dev.moa.fuzz;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.gson.JsonObject;
import dev.moa.image.Images;
import dev.moa.io.Json;
import dev.moa.io.SafetensorsFile;
import dev.moa.models.ClipConfig;
import dev.moa.models.SingleFileCheckpoint;
import dev.moa.models.UNetConfig;
import dev.moa.models.VaeConfig;
import dev.moa.schedulers.Schedulers;
import dev.moa.testing.Fixtures;
import dev.moa.text.ClipTokenizer;
import dev.moa.train.data.FfhqWildDataset;
import dev.moa.train.data.ManifestDataset;
import dev.moa.train.data.Npy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Every reader that takes a user's file, fuzzed with Jazzer. In {@code mvn test} each target runs the inputs
 * committed under {@code src/test/resources/dev/moa/fuzz/ReadersFuzzTestInputs/<target>/} (seeds and every input
 * a fuzzing run found); a fuzzing run of one target is
 * {@code JAZZER_FUZZ=1 mvn test -Dtest='ReadersFuzzTest#images' -Djazzer.max_duration=10m}.
 *
 * <p>The property: any input ends either normally or in one of the project's clear errors (an
 * {@link IOException} or {@link IllegalArgumentException} with a message); anything else (a NullPointerException,
 * an OutOfMemoryError, a hang) is a finding.
 */
class ReadersFuzzTest {
    private static Path dir;
    private static ClipTokenizer tokenizer;

    private static synchronized Path dir() throws IOException {
        if (dir == null) {
            dir = Files.createTempDirectory("moa-fuzz");
            dir.toFile().deleteOnExit();
        }
        return dir;
    }

    /** A clear error: one of ours, with a message a person can act on. */
    private static void clear(Exception e) {
        assertNotNull(e.getMessage(), () -> e.getClass().getName() + " without a message");
        assertFalse(e.getMessage().isBlank());
    }

    private static Path write(String name, byte[] data) throws IOException {
        Path f = dir().resolve(name);
        Files.createDirectories(f.getParent());
        Files.write(f, data);
        return f;
    }

    @FuzzTest(maxDuration = "2m")
    void safetensors(byte[] data) throws IOException {
        Path f = write("fuzz.safetensors", data);
        try (SafetensorsFile st = SafetensorsFile.open(f)) {
            for (String key : st.keys()) {
                st.info(key);
                st.bytes(key);
            }
            st.metadata();
        } catch (IOException | IllegalArgumentException e) {
            clear(e);
        }
    }

    @FuzzTest(maxDuration = "2m")
    void singleFileCheckpoint(byte[] data) throws IOException {
        Path f = write("fuzz-checkpoint.safetensors", data);
        try (SingleFileCheckpoint c = SingleFileCheckpoint.open(f)) {
            c.toString();
        } catch (IOException | IllegalArgumentException e) {
            clear(e);
        }
    }

    @FuzzTest(maxDuration = "2m")
    void images(byte[] data) {
        try {
            Images.decode(data, "fuzz", 4_000_000L);   // the header check keeps each input small
        } catch (IOException | IllegalArgumentException e) {
            clear(e);
        }
    }

    @FuzzTest(maxDuration = "2m")
    void npy(byte[] data) {
        try {
            Npy.decode(data, "fuzz.npy");
        } catch (IOException | IllegalArgumentException e) {
            clear(e);
        }
    }

    @FuzzTest(maxDuration = "2m")
    void manifest(byte[] data) throws IOException {
        Path m = write("manifest/manifest.jsonl", data);
        Files.copy(Fixtures.path("ref/moa_files/pub_man.png"), m.resolveSibling("man.png"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try {
            ManifestDataset d = ManifestDataset.open(m);
            for (int i = 0; i < Math.min(3, d.size()); i++) {
                d.load(i);
            }
        } catch (IOException | IllegalArgumentException e) {
            clear(e);
        }
    }

    @FuzzTest(maxDuration = "2m")
    void ffhqWildJson(byte[] data) throws IOException {
        Path root = dir().resolve("ffhq");
        if (!Files.isDirectory(root.resolve("00000"))) {
            Files.createDirectories(root.resolve("00000"));
            Files.writeString(root.resolve("image_ids.txt"), "00000001\n");
            java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(16, 16, java.awt.image.BufferedImage.TYPE_INT_RGB);
            javax.imageio.ImageIO.write(img, "jpg", root.resolve("00000/00000001.jpg").toFile());
            Npy.writeInts(root.resolve("00000/00000001.npy"), new int[16 * 16], "<i4", 16, 16);
        }
        Files.write(root.resolve("00000/00000001.json"), data);
        try {
            FfhqWildDataset.open(root, FfhqWildDataset.Split.ALL).load(0);
        } catch (IOException | IllegalArgumentException e) {
            clear(e);
        }
    }

    @FuzzTest(maxDuration = "2m")
    void configs(byte[] data) throws IOException {
        Path f = write("config.json", data);
        JsonObject o;
        try {
            o = Json.read(f);
        } catch (IOException | IllegalArgumentException e) {
            clear(e);
            return;
        }
        try {
            UNetConfig.from(o);
        } catch (IllegalArgumentException e) {
            clear(e);
        }
        try {
            VaeConfig.from(o);
        } catch (IllegalArgumentException e) {
            clear(e);
        }
        try {
            ClipConfig.from(o, "text_config");
        } catch (IllegalArgumentException e) {
            clear(e);
        }
        try (var s = Schedulers.fromPretrainedConfig(o)) {
            s.setTimesteps(10);
        } catch (IllegalArgumentException e) {
            clear(e);
        }
    }

    @FuzzTest(maxDuration = "2m")
    void tokenizer(FuzzedDataProvider data) throws IOException {
        synchronized (ReadersFuzzTest.class) {
            if (tokenizer == null) {
                tokenizer = ClipTokenizer.bundled();
            }
        }
        String text = data.consumeRemainingAsString();
        int[] ids = tokenizer.encodePadded(text);   // any Unicode: no exception at all
        assertTrue(ids.length == ClipTokenizer.DEFAULT_MAX_LENGTH);
        tokenizer.encodeDetailed(text);
    }

    @FuzzTest(maxDuration = "2m")
    void httpBodies(byte[] data) {
        dev.moa.server.FuzzAccess.parse(data);
    }

    static {
        // keep libtorch's one-time start out of the per-input timing
        NDManager.newBaseManager().close();
        StandardCharsets.UTF_8.name();
    }
}
