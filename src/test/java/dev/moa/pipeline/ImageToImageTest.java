package dev.moa.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moa.image.Images;
import dev.moa.image.RgbImage;
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

/** Image-to-image and real-image swap (DDIM inversion) on the tiny models. */
class ImageToImageTest {
    static StableDiffusion model;
    static DiffusionPipeline moa;
    static RgbImage photo;

    @BeforeAll
    static void setUp() throws Exception {
        model = StableDiffusion.load(Fixtures.path("models/tiny-sd"));
        moa = DiffusionPipeline.loadMoa(model, Fixtures.path("models/tiny-moa"), null);
        photo = Images.read(Fixtures.path("ref/moa_files/pub_man.png"));
    }

    @AfterAll
    static void tearDown() {
        moa.close();
        model.close();
    }

    @Test
    void strengthZeroReturnsThePicturesLatentAndStrengthSetsTheSteps() {
        GenerationOptions o = GenerationOptions.of("a photo of a man").withSteps(10).withScheduler("ddim").withSeed(3)
                .withSize(32, 32);
        float[] z = moa.encode(photo, 32, 32);
        GenerationResult none = moa.generate(o.withInit(new GenerationOptions.InitImage(photo, 0)));
        // exact: nothing is denoised, so the result is the same encoder computation as encode()
        assertArrayEquals(z, none.finalLatents());
        List<String> events = new ArrayList<>();
        GenerationResult half = moa.generate(o.withInit(new GenerationOptions.InitImage(photo, 0.5)),
                (ProgressListener) (d, t, p) -> events.add(p + " " + d + "/" + t));
        assertTrue(events.contains("sampling 5/5") && !events.contains("sampling 6/10"), "half the schedule: " + events);
        assertTrue(Close.maxAbsDiff(z, half.finalLatents()) > 1e-3, "strength 0.5 changes the latent");
        // the size follows the picture (down to a multiple of 8) when none is given
        int f = model.vaeScaleFactor();
        GenerationResult own = moa.generate(GenerationOptions.of("a man").withSteps(2).withInit(
                new GenerationOptions.InitImage(RgbImage.filled(5 * f + 1, 4 * f + f - 1, 0x336699), 0.3)));
        assertEquals(5 * f, own.width());
        assertEquals(4 * f, own.height());
    }

    /** A model whose noise prediction does not depend on x or t: DDIM is then exactly invertible. */
    static final class ConstantNoise implements Denoiser {
        final ai.djl.ndarray.NDArray eps;

        ConstantNoise(ai.djl.ndarray.NDArray eps) {
            this.eps = eps;
        }

        @Override
        public ai.djl.ndarray.NDArray predict(ai.djl.ndarray.NDArray x, double t, int callIndex) {
            return eps.add(0f);
        }

        @Override
        public List<ai.djl.ndarray.NDArray> pinned() {
            return List.of(eps);
        }
    }

    @Test
    void inverseAndForwardDdimPairUpStepForStep() {
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager();
                dev.moa.schedulers.Scheduler inv = dev.moa.schedulers.Schedulers.create("ddim-inverse", model.schedulerConfig());
                dev.moa.schedulers.Scheduler fwd = dev.moa.schedulers.Schedulers.create("ddim", model.schedulerConfig())) {
            int n = 20;
            inv.setTimesteps(n);
            fwd.setTimesteps(n);
            ai.djl.ndarray.NDArray x0 = new dev.moa.tensor.TorchGenerator(1).randn(m, 1, 4, 4, 4);
            ConstantNoise d = new ConstantNoise(new dev.moa.tensor.TorchGenerator(2).randn(m, 1, 4, 4, 4));
            dev.moa.tensor.BatchNoise noise = new dev.moa.tensor.BatchNoise(0, 1);
            for (int k : new int[] {n, 6}) {
                // invert the first k calls, then sample back from call n - k: the timesteps must meet
                ai.djl.ndarray.NDArray xt = Sampler.sample(inv, x0, 0, k, d, noise, ProgressListener.NONE);
                ai.djl.ndarray.NDArray back = Sampler.sample(fwd, xt, n - k, d, noise, ProgressListener.NONE);
                double err = Close.maxAbsDiff(x0.toFloatArray(), back.toFloatArray());
                // float32 rounding over 2k steps of x0/eps algebra at scale ~3: well under 1e-4
                assertTrue(err < 1e-4, k + " inverted calls: round trip error " + err);
                assertTrue(Close.maxAbsDiff(x0.toFloatArray(), xt.toFloatArray()) > 0.1, "the inversion moved x");
            }
        }
    }

    @Test
    void nonFiniteLatentsDuringSamplingStopWithTheStep() {
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager();
                dev.moa.schedulers.Scheduler fwd = dev.moa.schedulers.Schedulers.create("ddim", model.schedulerConfig())) {
            fwd.setTimesteps(5);
            ai.djl.ndarray.NDArray x = new dev.moa.tensor.TorchGenerator(1).randn(m, 1, 4, 4, 4);
            ConstantNoise nan = new ConstantNoise(m.full(new ai.djl.ndarray.types.Shape(1, 4, 4, 4), Float.NaN));
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> Sampler.sample(fwd, x, 2, nan, new dev.moa.tensor.BatchNoise(0, 1), ProgressListener.NONE));
            assertTrue(e.getMessage().contains("non-finite latents") && e.getMessage().contains("step 1 of 3"),
                    e.getMessage());
        }
    }

    @Test
    void swapInvertsThePhotoAndSamplesItBackWithTheNewSubject() throws Exception {
        List<Subject> woman = moa.subjects(List.of(new SubjectSpec("man",
                Fixtures.path("ref/moa_files/pub_woman.png"))));
        GenerationOptions o = GenerationOptions.of("a photo of a man").withSteps(4).withGuidance(1).withSize(32, 32);
        DiffusionPipeline.SwapResult r = moa.swap(photo, o, woman, 1.0);
        assertEquals(0, r.begin());
        assertEquals(32, r.input().width());
        assertTrue(Close.maxAbsDiff(r.reconstruction().finalLatents(), r.swapped().finalLatents()) > 0,
                "the swap differs from the reconstruction");
        // guidance is the swap pass's: the reconstruction reverses the guidance-free inversion whatever it is (the
        // same computation as at guidance 1, so bit for bit), while the swap changes with it
        DiffusionPipeline.SwapResult guided = moa.swap(photo, o.withGuidance(3), woman, 1.0);
        assertArrayEquals(r.reconstruction().finalLatents(), guided.reconstruction().finalLatents());
        assertTrue(Close.maxAbsDiff(r.swapped().finalLatents(), guided.swapped().finalLatents()) > 1e-3,
                "guidance changes the swap");
        // a partial inversion starts later in the schedule
        DiffusionPipeline.SwapResult partial = moa.swap(photo, o.withSteps(10), woman, 0.3);
        assertEquals(7, partial.begin());
        woman.forEach(Subject::close);
    }

    @Test
    void aSwapMaskKeepsEverythingOutsideItOnTheReconstruction() throws Exception {
        List<Subject> woman = moa.subjects(List.of(new SubjectSpec("man",
                Fixtures.path("ref/moa_files/pub_woman.png"))));
        GenerationOptions o = GenerationOptions.of("a photo of a man").withSteps(4).withGuidance(1).withSize(32, 32);
        int f = model.vaeScaleFactor();
        int lw = 32 / f, lh = 32 / f;
        // black = keep everything: exactly the reconstruction (x * 0 + r * 1 = r in floating point)
        DiffusionPipeline.SwapResult all = moa.swap(photo, o, woman, 1.0, RgbImage.filled(32, 32, 0x000000));
        assertArrayEquals(all.reconstruction().finalLatents(), all.swapped().finalLatents());
        // white = swap everywhere: exactly the unmasked swap (the same computation: x * 1 + r * 0 = x)
        DiffusionPipeline.SwapResult none = moa.swap(photo, o, woman, 1.0, RgbImage.filled(32, 32, 0xFFFFFF));
        DiffusionPipeline.SwapResult plain = moa.swap(photo, o, woman, 1.0);
        assertArrayEquals(plain.swapped().finalLatents(), none.swapped().finalLatents());
        // the right half white: the left half of every channel stays the reconstruction's, the right half changes
        byte[] px = new byte[32 * 32 * 3];
        for (int y = 0; y < 32; y++) {
            for (int x = 16; x < 32; x++) {
                for (int c = 0; c < 3; c++) {
                    px[(y * 32 + x) * 3 + c] = (byte) 255;
                }
            }
        }
        DiffusionPipeline.SwapResult half = moa.swap(photo, o, woman, 1.0, new RgbImage(32, 32, px));
        float[] rec = half.reconstruction().finalLatents(), sw = half.swapped().finalLatents();
        double leftDiff = 0, rightDiff = 0;
        for (int i = 0; i < sw.length; i++) {
            int x = i % lw;
            if (x < lw / 2) {
                leftDiff = Math.max(leftDiff, Math.abs(sw[i] - rec[i]));
            } else {
                rightDiff = Math.max(rightDiff, Math.abs(sw[i] - rec[i]));
            }
        }
        assertEquals(0.0, leftDiff, "kept half");
        assertTrue(rightDiff > 1e-3, "swapped half should change: " + rightDiff);
        assertEquals(lh * lw, half.keep().length);
        assertEquals(1f, half.keep()[0]);
        assertEquals(0f, half.keep()[lw - 1]);
        woman.forEach(Subject::close);
    }
}
