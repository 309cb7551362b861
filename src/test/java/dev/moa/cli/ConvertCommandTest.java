package dev.moa.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moa.io.DType;
import dev.moa.io.SafetensorsFile;
import dev.moa.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** moa convert: an fp16 copy of a pipeline folder holds the same weights within fp16 rounding, loads and generates. */
class ConvertCommandTest {
    @TempDir
    Path dir;

    @Test
    void fp16CopyKeepsEveryWeightWithinRoundingAndGenerates() throws Exception {
        Path src = Fixtures.path("models/tiny-sd");
        Path out = dir.resolve("tiny-fp16");
        CliAccess.Result r = CliAccess.run("convert", "--input", src.toString(), "--output", out.toString(), "-q");
        assertEquals(0, r.code(), r.toString());
        assertTrue(Files.exists(out.resolve("model_index.json")) && Files.exists(out.resolve("tokenizer/vocab.json")));
        assertTrue(Files.notExists(dir.resolve("tiny-fp16.partial")), "temporary folder left behind");
        Path a = src.resolve("unet/diffusion_pytorch_model.safetensors"), b = out.resolve("unet/diffusion_pytorch_model.safetensors");
        try (SafetensorsFile fa = SafetensorsFile.open(a); SafetensorsFile fb = SafetensorsFile.open(b)) {
            assertEquals(fa.keys(), fb.keys());
            for (String k : fa.keys()) {
                assertEquals(DType.F16, fb.info(k).dtype(), k);
                float[] x = fa.floats(k), y = fb.floats(k);
                for (int i = 0; i < x.length; i++) {   // fp16: 11 significant bits; subnormals below 6.1e-5
                    assertEquals(x[i], y[i], Math.abs(x[i]) * 0x1p-11 + 0x1p-24, k + "[" + i + "]");
                }
            }
            assertTrue(Files.size(b) < 0.55 * Files.size(a), "fp16 file not half the size: " + Files.size(b));
        }
        Path png = dir.resolve("x.png");
        r = CliAccess.run("generate", "--model", out.toString(), "--prompt", "a cat", "--steps", "2", "--width", "32",
                "--height", "32", "-o", png.toString(), "-q");
        assertEquals(0, r.code(), r.toString());
        assertTrue(Files.size(png) > 0);
    }

    @Test
    void refusesAnExistingOutputAndAMissingInputInOneLine() throws Exception {
        CliAccess.Result r = CliAccess.run("convert", "--input", Fixtures.path("models/tiny-sd").toString(), "--output",
                dir.toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains(dir.toString()) && r.err().contains("already exists"), r.err());
        r = CliAccess.run("convert", "--input", dir.resolve("nope").toString(), "--output", dir.resolve("o").toString());
        assertTrue(r.code() != 0 && r.err().contains("model folder not found"), r.toString());
        r = CliAccess.run("convert", "--input", dir.toString(), "--output", dir.resolve("o").toString(), "--dtype", "int8");
        assertTrue(r.code() != 0 && r.err().contains("--dtype must be fp16 or fp32"), r.toString());
    }
}
