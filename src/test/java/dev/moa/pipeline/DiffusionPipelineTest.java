package dev.moa.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import dev.moa.moa.MoaMode;
import dev.moa.moa.RouterMaps;
import dev.moa.moa.Subject;
import dev.moa.moa.SubjectSpec;
import dev.moa.testing.Close;
import dev.moa.testing.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The one pipeline's MoA use cases on the tiny models: strength, router maps, blends, seeds. */
class DiffusionPipelineTest {
    static StableDiffusion model;
    static DiffusionPipeline moa;
    static List<Subject> subjects;

    @BeforeAll
    static void setUp() throws Exception {
        model = StableDiffusion.load(Fixtures.path("models/tiny-sd"));
        moa = DiffusionPipeline.loadMoa(model, Fixtures.path("models/tiny-moa"), null);
        Path dir = Fixtures.path("ref/moa_files");
        subjects = moa.subjects(List.of(new SubjectSpec("man", dir.resolve("pub_man.png")),
                new SubjectSpec("woman", dir.resolve("pub_woman.png"))));
    }

    @AfterAll
    static void tearDown() {
        moa.close();
        model.close();
    }

    static GenerationOptions options() {
        return GenerationOptions.of("a man and a woman talking in a cafe").withSteps(3).withGuidance(5)
                .withSeed(70).withBatch(2);
    }

    @Test
    void strengthZeroIsThePriorAndStrengthScalesTheChange() {
        float[] prior = moa.generate(options(), Conditioning.moa(subjects, MoaMode.PRIOR)).finalLatents();
        float[] zero = moa.generate(options(), new Conditioning.Moa(subjects, MoaMode.MOA, 0)).finalLatents();
        // exact: strength 0 runs the prior branch alone, the same computation as prior mode
        assertEquals(0.0, Close.maxAbsDiff(prior, zero));
        float[] half = moa.generate(options(), new Conditioning.Moa(subjects, MoaMode.MOA, 0.5)).finalLatents();
        float[] full = moa.generate(options(), Conditioning.moa(subjects)).finalLatents();
        double dHalf = Close.maxAbsDiff(prior, half);
        double dFull = Close.maxAbsDiff(prior, full);
        assertTrue(dHalf > 0 && dHalf < dFull, "strength 0.5 moves less than 1: " + dHalf + " vs " + dFull);
        assertThrows(IllegalArgumentException.class, () -> new Conditioning.Moa(subjects, MoaMode.MOA, 1.5));
    }

    /** Keeps a host copy of every router call: the slow, obvious way, to check the on-device sums against. */
    static final class HostCopies implements GenerationObserver {
        final List<float[]> r1 = new ArrayList<>();   // per layer call: (B, N) personalized weights of the images' rows
        final List<long[]> shapes = new ArrayList<>();
        int batch;

        @Override
        public void onStart(Start start) {
            batch = start.batch();
        }

        @Override
        public boolean wantsRouter() {
            return true;
        }

        @Override
        public void onRouter(Map<String, NDArray> priorWeights, int first) {
            for (NDArray r0 : priorWeights.values()) {
                NDArray rows = r0.get(first + ":" + (first + batch));
                r1.add(rows.neg().add(1f).toFloatArray());
                shapes.add(rows.getShape().getShape());
            }
        }
    }

    @Test
    void routerMapsAreSummedOnTheDeviceAndMatchAHostComputation() {
        RouterMapCapture capture = new RouterMapCapture();
        HostCopies host = new HostCopies();
        GenerationResult r = moa.generate(options(), Conditioning.moa(subjects), capture, host);
        List<RouterMaps> maps = capture.maps();
        assertEquals(2, maps.size(), "one map per image of the batch");
        int h = (int) r.latentShape()[2];
        int w = (int) r.latentShape()[3];
        assertEquals(3 * moa.moa().config().moaLayers().size(), host.r1.size(), "every layer at every step");
        for (int b = 0; b < 2; b++) {
            double[] expected = new double[h * w];
            for (float[] call : host.r1) {
                int n = call.length / 2;
                int lh = (int) Math.round(Math.sqrt(n * (double) h / w));
                int lw = n / lh;
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        expected[y * w + x] += call[b * n + (y * lh / h) * lw + x * lw / w] / host.r1.size();
                    }
                }
            }
            float[] got = maps.get(b).overall();
            for (int i = 0; i < got.length; i++) {
                assertEquals(expected[i], got[i], 1e-5, "image " + b + ", latent pixel " + i);
                assertTrue(got[i] >= 0 && got[i] <= 1);
            }
            for (Map.Entry<String, float[]> e : maps.get(b).perResolution().entrySet()) {
                int[] size = maps.get(b).size(e.getKey());
                assertEquals(size[0] * size[1], e.getValue().length, "map " + e.getKey());
            }
            assertTrue(!maps.get(b).perResolution().isEmpty(), "a map per attention resolution");
            // one map per UNet call (the layers' mean), and their mean is the overall map
            int layers = moa.moa().config().moaLayers().size();
            assertEquals(3, maps.get(b).calls(), "one map per sampling call");
            for (int c = 0; c < 3; c++) {
                double[] call = new double[h * w];
                for (int l = c * layers; l < (c + 1) * layers; l++) {
                    float[] layer = host.r1.get(l);
                    int n = layer.length / 2;
                    int lh = (int) Math.round(Math.sqrt(n * (double) h / w));
                    int lw = n / lh;
                    for (int y = 0; y < h; y++) {
                        for (int x = 0; x < w; x++) {
                            call[y * w + x] += layer[b * n + (y * lh / h) * lw + x * lw / w] / layers;
                        }
                    }
                }
                float[] gotCall = maps.get(b).overCalls(c, c + 1);
                for (int i = 0; i < gotCall.length; i++) {
                    assertEquals(call[i], gotCall[i], 1e-5, "image " + b + ", call " + c + ", latent pixel " + i);
                }
            }
            assertTrue(Close.maxAbsDiff(maps.get(b).overCalls(0, 3), got) < 1e-5, "the calls' mean is the overall map");
            assertThrows(IllegalArgumentException.class, () -> maps.get(0).overCalls(2, 4));
        }
        assertTrue(Close.maxAbsDiff(maps.get(0).overall(), maps.get(1).overall()) > 0, "each image has its own map");
        // prior mode does not route: nothing is captured
        RouterMapCapture none = new RouterMapCapture();
        moa.generate(options(), Conditioning.moa(subjects, MoaMode.PRIOR), none);
        assertTrue(none.maps().isEmpty());
    }

    @Test
    void blendEndsAreTheSubjectsAndSeedsReproduceBatchImages() {
        Subject a = subjects.get(0);
        Subject b = subjects.get(1);
        try (Subject start = moa.blend(a, b, 0, "man"); Subject end = moa.blend(a, b, 1, "man")) {
            // exact: 1 * a + 0 * b == a in floating point (pure arithmetic on the same values)
            assertArrayEquals(a.embedding().toFloatArray(), start.embedding().toFloatArray());
            assertArrayEquals(b.embedding().toFloatArray(), end.embedding().toFloatArray());
        }
        GenerationOptions one = options().withBatch(1);
        List<GenerationResult> bySeed = moa.generateSeeds(one, Conditioning.moa(subjects), new long[] {70, 71});
        assertEquals(List.of(70L, 71L), List.of(bySeed.get(0).seeds()[0], bySeed.get(1).seeds()[0]));
        GenerationResult batch = moa.generate(options(), Conditioning.moa(subjects));
        // batch of 2 vs two runs of 1: different matrix blocking, so within a tolerance (pixel values in [0, 1])
        Close.assertClose(batch.images().get(1), bySeed.get(1).images().get(0), 1e-4, "seed 71 alone vs in a batch");
    }

    @Test
    void keepBackgroundIsThePriorExactlyWhereTheRouterDidNotPersonalize() {
        GenerationOptions o = options();
        List<RouterAnchor> made = new ArrayList<>();
        // thresholds that keep part of the picture on the tiny random MoA, whose router varies little
        DiffusionPipeline.PriorComparison pc = moa.generateWithPrior(o, Conditioning.moa(subjects).withKeepBackground(true),
                t -> {
                    RouterAnchor a = new RouterAnchor(t, 0.97, 0.99);
                    made.add(a);
                    return a;
                });
        float[] prior = pc.prior().finalLatents();
        float[] kept = pc.personalized().finalLatents();
        float[] free = moa.generate(o, Conditioning.moa(subjects)).finalLatents();
        assertArrayEquals(prior, moa.generate(o, Conditioning.moa(subjects, MoaMode.PRIOR)).finalLatents(),
                "the prior of the comparison is the prior");
        float[] keep = made.get(0).lastKeep();
        long[] shape = pc.personalized().latentShape();
        int b = (int) shape[0], ch = (int) shape[1], hw = (int) (shape[2] * shape[3]);
        assertEquals(b * hw, keep.length);
        int ones = 0, zeros = 0;
        for (int i = 0; i < b; i++) {
            for (int p = 0; p < hw; p++) {
                float k = keep[i * hw + p];
                for (int c = 0; c < ch; c++) {
                    int at = (i * ch + c) * hw + p;
                    if (k == 1f) {   // exact: x * 0 + r * 1
                        assertEquals(prior[at], kept[at], "kept cell " + p + " of image " + i);
                    }
                }
                ones += k == 1f ? 1 : 0;
                zeros += k == 0f ? 1 : 0;
            }
        }
        assertTrue(ones > 0 && zeros > 0, "a mix of kept and free cells: " + ones + " kept, " + zeros + " free");
        assertTrue(Close.maxAbsDiff(prior, free) > 1e-3, "MoA changes the picture");
        // the public call (default thresholds) runs too, and generate() with the flag gives the same images
        float[] viaGenerate = moa.generate(o, Conditioning.moa(subjects).withKeepBackground(true)).finalLatents();
        assertArrayEquals(moa.generateWithPrior(o, Conditioning.moa(subjects).withKeepBackground(true)).personalized()
                .finalLatents(), viaGenerate);
        // a prior run kept and reused (one prior for several subject sets) gives the same images as computing it anew
        DiffusionPipeline.PriorRun priorRun = moa.prior(o, Conditioning.moa(subjects));
        assertArrayEquals(pc.prior().finalLatents(), priorRun.result().finalLatents(), "the same prior computation");
        assertArrayEquals(viaGenerate, moa.generate(o, Conditioning.moa(subjects).withKeepBackground(true), priorRun)
                .finalLatents());
        IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
                () -> moa.generate(o.withSeed(o.seed() + 1), Conditioning.moa(subjects).withKeepBackground(true), priorRun));
        assertTrue(other.getMessage().contains("same options"), other.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Conditioning.moa(subjects, MoaMode.PRIOR).withKeepBackground(true));
        assertEquals(false, Conditioning.moa(subjects).withKeepBackground(true).withMode(MoaMode.PRIOR).keepBackground());
    }

    @Test
    void routerAnchorMaskGrowsThePersonalizedRegionByOneCell() {
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
            float[] map = new float[8 * 8];
            java.util.Arrays.fill(map, 0.1f);
            map[3 * 8 + 3] = 0.8f;   // one strongly personalized cell, one half-way
            map[6 * 8 + 6] = 0.8f * 0.4f;
            RouterAnchor a = new RouterAnchor(Map.of(), 0.3, 0.5);
            float[] keep = a.keep(m.create(map, new ai.djl.ndarray.types.Shape(1, 1, 8, 8))).toFloatArray();
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 8; x++) {
                    float want = Math.abs(y - 3) <= 1 && Math.abs(x - 3) <= 1 ? 0f
                            : Math.abs(y - 6) <= 1 && Math.abs(x - 6) <= 1 ? 0.5f : 1f;
                    assertEquals(want, keep[y * 8 + x], 1e-6, "cell " + x + "," + y);
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new RouterAnchor(Map.of(), 0.5, 0.5));
    }
}
