package dev.moa.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moa.bench.DiffusionBench;
import dev.moa.io.Json;
import dev.moa.models.UNetConfig;
import dev.moa.models.VaeConfig;
import dev.moa.models.VaeTiling;
import dev.moa.tensor.Precision;
import dev.moa.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** moa bench: argument checks and the report's text form (the full-size run itself is too slow for tests). */
class BenchCommandTest {

    @Test
    void rejectsBadArgumentsBeforeBuildingAnything() {
        assertEquals(2, Main.run("bench", "--size", "500"));
        assertEquals(2, Main.run("bench", "--precision", "fp8"));
        assertEquals(2, Main.run("bench", "--steps", "0"));
        assertEquals(2, Main.run("bench", "--vae-tiling", "maybe"));
        assertEquals(2, Main.run("bench", "--moa", "--subjects", "0"));
        assertEquals(2, Main.run("bench", "--train", "--precision", "fp16"));
        assertEquals(2, Main.run("bench", "--moa", "--subjects", "1,9"));
    }

    @Test
    void printsTheReport() throws Exception {
        UNetConfig u = UNetConfig.from(Json.read(Fixtures.path("models/tiny-sd/unet/config.json")));
        VaeConfig v = VaeConfig.from(Json.read(Fixtures.path("models/tiny-sd/vae/config.json")));
        DiffusionBench.Report r = DiffusionBench.run(new DiffusionBench.Options(Precision.BF16, 1, 0, 32, 2, 1,
                VaeTiling.OFF, 128, 0, u, v).withMoa(java.util.List.of(2), new dev.moa.models.ClipConfig(32, 64, 2, 1,
                "quick_gelu", 1e-5, 49408, 77, 49407, 32, 16, 24)), msg -> { });
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        BenchCommand.print(r, new PrintStream(b, true, StandardCharsets.UTF_8));
        String text = b.toString(StandardCharsets.UTF_8);
        for (String want : new String[] {"machine", "libtorch", "matmul     fp32", "bf16", "unet step  median", "GFLOP/s",
                "attention (sdpa)", "group norm", "vae decode", "peak RSS", "moa step   2 subject(s): median",
                "x the base step", "moa memory peak RSS"}) {
            assertTrue(text.contains(want), "report lacks '" + want + "':\n" + text);
        }
    }
}
