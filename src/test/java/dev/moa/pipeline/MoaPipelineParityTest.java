package dev.moa.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import dev.moa.io.Json;
import dev.moa.io.SafetensorsFile;
import dev.moa.moa.MoaMode;
import dev.moa.moa.Subject;
import dev.moa.moa.SubjectSpec;
import dev.moa.testing.Close;
import dev.moa.testing.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** MoA sampling against ref/moa_pipeline_tiny and, end to end from the PNG files, ref/moa_files. */
class MoaPipelineParityTest {
    static StableDiffusion model;
    static DiffusionPipeline moa;

    @BeforeAll
    static void setUp() throws Exception {
        model = StableDiffusion.load(Fixtures.path("models/tiny-sd"));
        moa = DiffusionPipeline.loadMoa(model, Fixtures.path("models/tiny-moa"), Fixtures.path("models/tiny-sd/image_encoder"));
    }

    @AfterAll
    static void tearDown() {
        moa.close();
        model.close();
    }

    private static GenerationOptions options(JsonObject r, float[] latents) {
        return GenerationOptions.of(r.get("prompt").getAsString())
                .withNegativePrompt(r.get("negative_prompt").getAsString())
                .withSteps(r.get("steps").getAsInt()).withGuidance(r.get("guidance_scale").getAsDouble())
                .withScheduler("ddim").withLatents(latents);
    }

    @Test
    void samplingWithGuidance() throws Exception {
        JsonObject r = Json.read(Fixtures.path("ref/moa_pipeline_tiny.json"));
        try (SafetensorsFile ref = Fixtures.ref("ref/moa_pipeline_tiny.safetensors");
                SafetensorsFile tiny = Fixtures.ref("ref/moa_tiny.safetensors");
                NDManager m = NDManager.newBaseManager()) {
            // subjects: the two images of moa_tiny's first row, through the image encoder
            NDArray px = tiny.load("subject_pixel_values", m).get("0");
            float[] emb = moa.subjectEncoder().encoder().imageEmbeds(px).toFloatArray();
            List<Subject> subjects = new ArrayList<>();
            int d = emb.length / 2;
            for (int i = 0; i < 2; i++) {
                float[] e = new float[d];
                System.arraycopy(emb, i * d, e, 0, d);
                subjects.add(moa.subject(r.getAsJsonArray("subjects").get(i).getAsString(), e));
            }
            GenerationResult res = moa.generate(options(r, ref.floats("latents")), Conditioning.moa(subjects));
            Close.assertClose(ref.floats("final_latents"), res.finalLatents(), 1e-4,
                    "moa_pipeline_tiny final_latents");
            // the reference image is NCHW; ours HWC
            Close.assertClose(ref.floats("image"), chw(res.images().get(0), 32, 32), 1e-3,
                    "moa_pipeline_tiny image");
        }
    }

    static float[] chw(float[] hwc, int h, int w) {
        float[] out = new float[hwc.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    out[c * h * w + y * w + x] = hwc[(y * w + x) * 3 + c];
                }
            }
        }
        return out;
    }

    @Test
    void fromSubjectFilesInMoaAndPriorMode() throws Exception {
        JsonObject r = Json.read(Fixtures.path("ref/moa_files/moa_files.json"));
        Path dir = Fixtures.path("ref/moa_files");
        List<Subject> subjects = moa.subjects(List.of(new SubjectSpec("man", dir.resolve("pub_man.png")),
                new SubjectSpec("woman", dir.resolve("pub_woman.png"))));
        try (SafetensorsFile ref = Fixtures.ref("ref/moa_files/moa_files.safetensors")) {
            for (MoaMode mode : new MoaMode[] {MoaMode.MOA, MoaMode.PRIOR}) {
                String k = mode == MoaMode.MOA ? "moa" : "prior";
                GenerationResult res = moa.generate(options(r, ref.floats("latents")), Conditioning.moa(subjects, mode));
                Close.assertClose(ref.floats(k + ".final_latents"), res.finalLatents(), 1e-4,
                        "moa_files " + k + ".final_latents");
                Close.assertClose(ref.floats(k + ".image"), chw(res.images().get(0), 32, 32), 1e-3,
                        "moa_files " + k + ".image");
            }
        }
    }

    @Test
    void priorModeEqualsThePlainPipeline() throws Exception {
        JsonObject r = Json.read(Fixtures.path("ref/moa_files/moa_files.json"));
        Path dir = Fixtures.path("ref/moa_files");
        List<Subject> subjects = moa.subjects(List.of(new SubjectSpec("man", dir.resolve("pub_man.png")),
                new SubjectSpec("woman", dir.resolve("pub_woman.png"))));
        GenerationOptions o = GenerationOptions.of(r.get("prompt").getAsString()).withSteps(3)
                .withGuidance(5).withSeed(70);
        float[] prior = moa.generate(o, Conditioning.moa(subjects, MoaMode.PRIOR)).images().get(0);
        float[] plain = DiffusionPipeline.of(model).generate(o).images().get(0);
        // exact: the same sampling loop, context and guidance batch; prior mode runs the base attention
        assertEquals(0.0, Close.maxAbsDiff(plain, prior), "prior mode must reproduce the base model's image");
    }
}
