package dev.moa.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import dev.moa.io.Json;
import dev.moa.models.UNetConfig;
import dev.moa.models.VaeConfig;
import dev.moa.models.VaeTiling;
import dev.moa.tensor.Precision;
import dev.moa.testing.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The benchmark's whole path on tiny-sd's architecture (the CLI runs it on SD 1.5's). */
class DiffusionBenchTest {

    @ParameterizedTest
    @EnumSource(value = Precision.class, names = {"FP32", "BF16"})
    void runsAndReportsEverything(Precision p) throws Exception {
        UNetConfig u = UNetConfig.from(Json.read(Fixtures.path("models/tiny-sd/unet/config.json")));
        VaeConfig v = VaeConfig.from(Json.read(Fixtures.path("models/tiny-sd/vae/config.json")));
        DiffusionBench.Options o = new DiffusionBench.Options(p, 2, 1, 32, 2, 1, VaeTiling.AUTO, 128, 0, u, v);
        DiffusionBench.Report r = DiffusionBench.run(o, msg -> { });
        assertEquals(2, r.unet.stepSeconds.length);
        assertTrue(r.unet.medianStepSeconds > 0);
        assertTrue(r.gemmFp32Gflops > 0);
        assertEquals(p == Precision.FP32, r.gemmGflopsAtPrecision == null);
        assertTrue(r.unet.gflopPerStep > 0);
        assertTrue(r.unet.parameters > 0);
        double flops = 0;
        double pct = 0;
        for (DiffusionBench.Part part : r.unet.breakdown) {
            flops += part.gflopPerStep;
            pct += part.percent;
        }
        assertEquals(r.unet.gflopPerStep, flops, 1e-9, "the kinds' FLOPs add up");
        assertEquals(100, pct, 0.5, "shares cover the step");
        assertNotNull(r.vae);
        assertEquals(1, r.vae.decodeSeconds.length);
        assertEquals(p == Precision.FP32 ? "fp32" : "bf16", r.vae.precision);
        assertTrue(r.memory.peakRssBytes > 0);
        JsonObject json = new Gson().toJsonTree(r).getAsJsonObject();
        assertEquals(p.name().toLowerCase(java.util.Locale.ROOT), json.getAsJsonObject("settings").get("precision").getAsString());
        assertTrue(json.getAsJsonObject("unet").has("breakdown"));
        if (p == Precision.FP32) {
            assertNull(r.unet.fractionOfGemmAtPrecision);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Precision.class, names = {"FP32", "BF16"})
    void timesMoaNextToTheBaseStep(Precision p) throws Exception {
        UNetConfig u = UNetConfig.from(Json.read(Fixtures.path("models/tiny-sd/unet/config.json")));
        VaeConfig v = VaeConfig.from(Json.read(Fixtures.path("models/tiny-sd/vae/config.json")));
        // a small ViT stands in for ViT-L/14; its projection is MoA's image embedding size
        dev.moa.models.ClipConfig vit = new dev.moa.models.ClipConfig(32, 64, 2, 2, "quick_gelu", 1e-5, 49408, 77, 49407,
                32, 16, 24);
        DiffusionBench.Options o = new DiffusionBench.Options(p, 2, 1, 32, 2, 0, VaeTiling.AUTO, 128, 0, u, v)
                .withMoa(java.util.List.of(1, 2), vit);
        DiffusionBench.Report r = DiffusionBench.run(o, msg -> { });
        assertNotNull(r.moa);
        assertEquals(2, r.moa.runs.size());
        assertTrue(r.moa.moaParameters > 0 && r.moa.imageEncoderParameters > 0 && r.moa.imageEncoderSeconds > 0);
        for (DiffusionBench.MoaRun run : r.moa.runs) {
            assertEquals(2, run.stepSeconds.length);
            assertEquals(run.medianStepSeconds / r.unet.medianStepSeconds, run.ratioToBase, 1e-12);
            double pct = 0;
            for (DiffusionBench.Part part : run.breakdown) {
                pct += part.percent;
            }
            assertEquals(100, pct, 0.5, "shares cover the MoA step");
        }
        assertEquals(java.util.List.of(1, 2), java.util.List.of(r.moa.runs.get(0).subjects, r.moa.runs.get(1).subjects));
        assertTrue(r.moa.peakRssBytes > 0);
        assertNull(r.vae, "no VAE runs asked for");
    }
}
