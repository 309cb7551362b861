package dev.moa.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moa.models.SingleFileCheckpoint;
import dev.moa.testing.Close;
import dev.moa.testing.Fixtures;
import org.junit.jupiter.api.Test;

/** A single-file fp16 checkpoint generates like the same model loaded from folders (within fp16 rounding). */
class SingleFileGenerationTest {
    @Test
    void singleFileMatchesTheFolderModel() throws Exception {
        // the fixture's narrow model needs the two values a file cannot tell: 16 norm groups, 4 text heads
        SingleFileCheckpoint.Overrides ov = SingleFileCheckpoint.Overrides.none().withNormGroups(16).withTextHeads(4);
        GenerationOptions o = GenerationOptions.of("a red car").withSteps(3).withSeed(7)
                .withSize(64, 64).withScheduler("euler");
        float[] single;
        try (StableDiffusion sd = StableDiffusion.load(Fixtures.path("models/sd15-narrow-single-file-fp16.safetensors"),
                ov, s -> { })) {
            assertEquals("sd15-narrow-single-file-fp16", sd.name());
            assertEquals(49407, sd.tokenizer().eosId());
            single = DiffusionPipeline.of(sd).generate(o).images().get(0);
        }
        // the same weights from the folders, with the tiny text encoder: a StableDiffusion assembled by hand
        try (StableDiffusion folder = folderModel()) {
            float[] ref = DiffusionPipeline.of(folder).generate(o).images().get(0);
            double err = Close.maxAbsDiff(ref, single);
            System.out.printf("single-file fp16 vs folder fp32 image: max abs err %.3e%n", err);
            assertTrue(err < 5e-3, "fp16-rounded weights (2^-11 relative) should change the image by about that much: " + err);
        }
    }

    private static StableDiffusion folderModel() throws Exception {
        ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager();
        return new StableDiffusion(Fixtures.path("models/sd15-narrow"), "sd15-narrow", m,
                dev.moa.text.ClipTokenizer.bundled(),
                dev.moa.models.ClipTextModel.load(Fixtures.path("models/tiny-sd/text_encoder"), m),
                dev.moa.models.UNet2DConditionModel.load(Fixtures.path("models/sd15-narrow/unet"), m),
                dev.moa.models.AutoencoderKL.load(Fixtures.path("models/sd15-narrow/vae"), m),
                dev.moa.schedulers.Schedulers.sd15Config());
    }
}
