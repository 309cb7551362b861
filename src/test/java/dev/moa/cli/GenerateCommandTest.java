package dev.moa.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moa.image.Images;
import dev.moa.image.PngText;
import dev.moa.image.RgbImage;
import dev.moa.io.SafetensorsWriter;
import dev.moa.testing.Close;
import dev.moa.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `moa generate` on the bundled tiny model: outputs, metadata, reproducibility and bad input. */
class GenerateCommandTest {
    @TempDir
    Path dir;

    /** Inputs the tests make (corrupt files, latents), apart from {@link #dir} where outputs are counted. */
    @TempDir
    Path inputs;

    static String tiny() {
        return Fixtures.path("models/tiny-sd").toString();
    }

    private long files() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

    @Test
    void writesAPngWithA1111Parameters() throws Exception {
        Path out = dir.resolve("cat.png");
        CliRunner.Result r = CliRunner.run("generate", "--model", tiny(), "--prompt", "a photo of a cat",
                "--negative-prompt", "blurry", "--steps", "3", "--scheduler", "Euler a", "--seed", "42",
                "--guidance", "6", "-o", out.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains(out.toString()), r.toString());
        RgbImage img = Images.read(out);
        assertEquals(32, img.width());
        String p = PngText.read(out).get("parameters");
        assertTrue(p.startsWith("a photo of a cat\nNegative prompt: blurry\nSteps: 3, Sampler: Euler a, CFG scale: 6, Seed: 42, Size: 32x32, Model: tiny-sd"), p);
        // labelled as AI-generated in standard metadata: IPTC DigitalSourceType in the XMP packet (an iTXt chunk)
        String xmp = PngText.read(out).get(dev.moa.image.Provenance.XMP_KEYWORD);
        assertTrue(xmp != null && xmp.contains("Iptc4xmpExt:DigitalSourceType=\"http://cv.iptc.org/newscodes/"
                + "digitalsourcetype/trainedAlgorithmicMedia\""), String.valueOf(xmp));
        byte[] bytes = java.nio.file.Files.readAllBytes(out);
        String raw = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(raw.contains("iTXtXML:com.adobe.xmp\0\0\0\0\0<?xpacket"), "XMP goes in an uncompressed iTXt chunk");
        // same seed, same picture: the same computation twice in one process, so bit for bit
        Path again = dir.resolve("again.png");
        CliRunner.run("generate", "--model", tiny(), "--prompt", "a photo of a cat", "--negative-prompt", "blurry",
                "--steps", "3", "--scheduler", "euler-a", "--seed", "42", "--guidance", "6", "-o", again.toString());
        assertArrayEquals(Images.read(out).data(), Images.read(again).data());
    }

    @Test
    void seedAndLatentsFileReproduceTheReferenceImage() throws Exception {
        Path latents = dir.resolve("latents.safetensors");
        new SafetensorsWriter().add("latents", Fixtures.ref("ref/pipeline_tiny.safetensors").floats("latents"), 1, 4, 16, 16)
                .write(latents);
        Path a = dir.resolve("a.png");
        Path b = dir.resolve("b.png");
        assertEquals(0, CliRunner.run("generate", "--model", tiny(), "--prompt", "a photo of a cat", "--steps", "5",
                "--scheduler", "ddim", "--latents", latents.toString(), "-o", a.toString()).code());
        assertEquals(0, CliRunner.run("generate", "--model", tiny(), "--prompt", "a photo of a cat", "--steps", "5",
                "--scheduler", "ddim", "--seed", "50", "-o", b.toString()).code());
        // the seed's noise differs from the fixture's latents by up to 2.4e-7: within one level, not bit for bit
        Close.assertPixelsClose(Images.read(a), Images.read(b), 1, "--seed 50 draws the fixture's latents");
        // the PNG names its starting point: the seed alone would not reproduce it
        String p = PngText.read(a).get("parameters");
        assertTrue(p.matches("(?s).*Latents: \"?latents.safetensors \\([0-9a-f]{10}\\)\"?.*"), p);
    }

    @Test
    void randomSeedIsPrintedAndBatchesGetOneSeedEach() throws Exception {
        CliRunner.Result r = CliRunner.run("generate", "--model", tiny(), "--steps", "2", "--batch", "2", "-o", dir.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.err().matches("(?s).*seed \\d+.*"), r.err());
        assertEquals(2, files());
        try (Stream<Path> s = Files.list(dir)) {
            Path[] ps = s.toArray(Path[]::new);
            Path first = ps[0].getFileName().toString().endsWith("-2.png") ? ps[1] : ps[0];
            Path second = first == ps[0] ? ps[1] : ps[0];
            long s0 = Long.parseLong(PngText.read(first).get("parameters").replaceAll("(?s).*Seed: (\\d+).*", "$1"));
            long s1 = Long.parseLong(PngText.read(second).get("parameters").replaceAll("(?s).*Seed: (\\d+).*", "$1"));
            assertEquals(s0 + 1, s1, "image i of a batch uses seed + i");
            assertTrue(first.getFileName().toString().endsWith("-" + s0 + ".png"), first.toString());
        }
    }

    @Test
    void longPromptsAreTruncatedWithAWarning() throws Exception {
        CliRunner.Result r = CliRunner.run("generate", "--model", tiny(), "--steps", "1", "--prompt",
                "a very long prompt ".repeat(30), "-o", dir.resolve("x.png").toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains("warning: prompt is") && r.err().contains("truncated"), r.err());
    }

    private void assertFails(String expected, String... args) throws Exception {
        CliRunner.Result r = CliRunner.run(args);
        assertNotEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains(expected), "expected '" + expected + "' in:\n" + r);
        assertEquals(0, files(), "no output may be written on errors");
    }

    @Test
    void badInputGivesClearErrorsAndNoFiles() throws Exception {
        String o = dir.resolve("x.png").toString();
        assertFails("unknown scheduler 'warp'", "generate", "--model", tiny(), "--scheduler", "warp", "-o", o);
        assertFails("multiples of 2", "generate", "--model", tiny(), "--width", "33", "--height", "32", "-o", o);
        assertFails("nope", "generate", "--model", dir.resolve("nope").toString(), "-o", o);
        assertFails("Invalid value", "generate", "--model", tiny(), "--steps", "many", "-o", o);
        assertFails("steps must be between", "generate", "--model", tiny(), "--steps", "0", "-o", o);
        assertFails("eta applies to the DDIM scheduler only", "generate", "--model", tiny(), "--scheduler", "euler",
                "--eta", "0.5", "-o", o);
        Path corrupt = Files.createDirectories(inputs.resolve("corrupt-model")).resolve("model.safetensors");
        Files.write(corrupt, new byte[] {1, 2, 3});
        assertFails("too short for a safetensors file", "generate", "--model", corrupt.toString(), "-o", o);
        Path badLatents = inputs.resolve("bad-latents.safetensors");
        Files.write(badLatents, new byte[] {9, 0, 0, 0, 0, 0, 0, 0, '{'});
        assertFails("bad-latents.safetensors", "generate", "--model", tiny(), "--latents", badLatents.toString(), "-o", o);
        Path wrongShape = inputs.resolve("wrong.safetensors");
        new SafetensorsWriter().add("latents", new float[4 * 8 * 8], 1, 4, 8, 8).write(wrongShape);
        assertFails("do not fit 32x32", "generate", "--model", tiny(), "--latents", wrongShape.toString(),
                "--width", "32", "--height", "32", "-o", o);
        assertFails("need --moa", "generate", "--model", tiny(), "--subject", "man=" + Fixtures.path("ref/moa_files/pub_man.png"), "-o", o);
    }

    @Test
    void latentsFileSetsTheSizeWhenNoneIsGiven() throws Exception {
        Path latents = inputs.resolve("l24.safetensors");
        new SafetensorsWriter().add("x", new float[4 * 8 * 12], 1, 4, 8, 12).write(latents);
        Path o = dir.resolve("wide.png");
        CliRunner.Result r = CliRunner.run("generate", "--model", tiny(), "--steps", "1", "--latents", latents.toString(),
                "-o", o.toString());
        assertEquals(0, r.code(), r.toString());
        RgbImage img = Images.read(o);
        assertEquals(24, img.width());
        assertEquals(16, img.height());
        Map<String, String> t = PngText.read(o);
        assertTrue(t.get("parameters").contains("Size: 24x16"), t.toString());
        assertTrue(Close.maxAbs(img.toFloatChw()) > 0);
    }
}
