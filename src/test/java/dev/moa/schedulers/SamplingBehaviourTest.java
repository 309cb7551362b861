package dev.moa.schedulers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import dev.moa.testing.Close;
import dev.moa.tensor.TorchGenerator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Stochastic schedulers, starting part-way (img2img), PRK warm-up, state handling. */
class SamplingBehaviourTest {

    private static NDManager manager;
    private static JsonObject folder;

    @BeforeAll
    static void open() throws Exception {
        manager = NDManager.newBaseManager();
        folder = SchedulerConfigTest.json("models/tiny-sd/scheduler/scheduler_config.json");
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    /** Runs the stand-in model from call {@code begin}, starting at {@code start}. */
    private static float[] run(Scheduler s, NDArray start, int begin, TorchGenerator g) {
        try (NDManager m = manager.newSubManager()) {
            NDArray x = start.duplicate();
            x.attach(m);
            double[] t = s.timesteps();
            for (int i = begin; i < t.length; i++) {
                NDArray in = s.scaleModelInput(x, i);
                NDArray eps = in.mul(0.05f).add((float) (0.1 * Math.cos(t[i] / 100)));
                NDArray next = s.step(eps, i, x, g);
                in.close();
                eps.close();
                x.close();
                x = next;
            }
            return x.toFloatArray();
        }
    }

    private static NDArray latents(long seed, Scheduler s) {
        return new TorchGenerator(seed).randn(manager, new Shape(1, 4, 8, 8)).mul((float) s.initNoiseSigma());
    }

    @Test
    void eulerAncestralIsDeterministicPerSeedAndDiffersFromEuler() {
        try (Scheduler a = Schedulers.create("euler-a", folder); Scheduler e = Schedulers.create("euler", folder)) {
            assertTrue(a.isStochastic());
            assertFalse(e.isStochastic());
            a.setTimesteps(8);
            e.setTimesteps(8);
            NDArray x = latents(1, a);
            float[] r1 = run(a, x, 0, new TorchGenerator(7));
            a.setTimesteps(8);
            float[] r2 = run(a, x, 0, new TorchGenerator(7));
            assertArrayEquals(r1, r2, "same seed, same result");
            a.setTimesteps(8);
            float[] r3 = run(a, x, 0, new TorchGenerator(8));
            assertTrue(Close.maxAbsDiff(r1, r3) > 1e-3, "another seed, another result");
            float[] euler = run(e, x, 0, null);
            assertTrue(Close.maxAbsDiff(r1, euler) > 1e-3, "euler-a differs from euler");
            assertThrows(IllegalArgumentException.class, () -> a.step(x, 0, x, null), "needs a generator");
        }
    }

    @Test
    void ddimEtaAndSdeDpmDrawFromTheGenerator() {
        try (DdimScheduler d = (DdimScheduler) Schedulers.create("ddim", folder)) {
            d.setTimesteps(6);
            NDArray x = latents(2, d);
            float[] eta0 = run(d, x, 0, null);
            d.setEta(1.0).setTimesteps(6);
            assertTrue(d.isStochastic());
            float[] a = run(d, x, 0, new TorchGenerator(3));
            d.setTimesteps(6);
            float[] b = run(d, x, 0, new TorchGenerator(3));
            assertArrayEquals(a, b);
            assertTrue(Close.maxAbsDiff(a, eta0) > 1e-3);
        }
        JsonObject o = new JsonObject();
        o.addProperty("algorithm_type", "sde-dpmsolver++");
        SchedulerConfig sde = SchedulerConfig.fromConfig(SchedulerKind.DPM_SOLVER_MULTISTEP, folder, o);
        try (Scheduler s = Schedulers.create(sde)) {
            assertTrue(s.isStochastic());
            s.setTimesteps(6);
            NDArray x = latents(2, s);
            float[] a = run(s, x, 0, new TorchGenerator(4));
            s.setTimesteps(6);
            assertArrayEquals(a, run(s, x, 0, new TorchGenerator(4)));
        }
    }

    @Test
    void beginIndexFollowsDiffusersImg2Img() {
        try (Scheduler s = Schedulers.create("euler", folder); Scheduler h = Schedulers.create("heun", folder)) {
            s.setTimesteps(10);
            assertEquals(0, s.beginIndex(1.0));
            assertEquals(5, s.beginIndex(0.5));
            assertEquals(3, s.beginIndex(0.75)); // int(10 * 0.75) = 7 steps run
            assertEquals(10, s.beginIndex(0.0));
            h.setTimesteps(10);
            assertEquals(10, h.beginIndex(0.5), "Heun: t_start * order");
        }
    }

    @Test
    void addNoiseUsesEachSchedulersRule() {
        NDArray x0 = manager.randomNormal(new Shape(1, 4, 8, 8));
        NDArray noise = manager.randomNormal(new Shape(1, 4, 8, 8));
        try (Scheduler e = Schedulers.create("euler", folder); Scheduler d = Schedulers.create("ddim", folder);
                Scheduler dpm = Schedulers.create("dpm++2m", folder)) {
            e.setTimesteps(10);
            float sigma = ((SigmaScheduler) e).sigmas()[4];
            Close.assertClose(x0.add(noise.mul(sigma)).toFloatArray(), e.addNoise(x0, noise, 4).toFloatArray(), 1e-6, "euler add_noise");
            d.setTimesteps(10);
            int t = (int) d.timesteps()[4];
            DdpmNoise ddpm = DdpmNoise.fromConfig(folder);
            Close.assertClose(ddpm.addNoise(x0, noise, new int[] {t}).toFloatArray(), d.addNoise(x0, noise, 4).toFloatArray(), 1e-6,
                    "ddim add_noise");
            dpm.setTimesteps(10);
            // the VP view of a training sigma: alpha = 1 / sqrt(sigma^2 + 1) = sqrt(alphas_cumprod[t])
            int t0 = (int) dpm.timesteps()[3];
            Close.assertClose(ddpm.addNoise(x0, noise, new int[] {t0}).toFloatArray(), dpm.addNoise(x0, noise, 3).toFloatArray(), 1e-5,
                    "dpm add_noise");
        }
    }

    @Test
    void everySchedulerRunsFromABeginIndex() {
        for (String name : Schedulers.names()) {
            if (name.equals("ddim-inverse")) {
                continue;
            }
            // PNDM's PRK warm-up counts its own calls from its first timestep (as in diffusers), so part-way
            // starts only make sense for PLMS (skip_prk_steps), which SD 1.5's config selects
            JsonObject cfg = name.equals("pndm") ? Schedulers.sd15Config() : folder;
            try (Scheduler s = Schedulers.create(name, cfg)) {
                s.setTimesteps(10);
                int begin = s.beginIndex(0.6);
                NDArray x0 = manager.randomNormal(0, 0.5f, new Shape(1, 4, 8, 8), ai.djl.ndarray.types.DataType.FLOAT32);
                NDArray noise = new TorchGenerator(5).randn(manager, new Shape(1, 4, 8, 8));
                NDArray start = s.addNoise(x0, noise, begin);
                float[] out = run(s, start, begin, new TorchGenerator(6));
                for (float v : out) {
                    assertTrue(Float.isFinite(v), name);
                }
                // a little noise-free: the stand-in model pulls towards a fixed point; the result stays bounded
                assertTrue(Close.maxAbs(out) < 10, name + " " + Close.maxAbs(out));
            }
        }
    }

    @Test
    void prkWarmUpTimestepsAndRun() {
        try (Scheduler s = Schedulers.create("pndm", folder)) {
            assertFalse(s.config().bool("skip_prk_steps"));
            s.setTimesteps(4);
            // diffusers: PRK over the last 3 intervals (4 calls each, half steps), then PLMS
            assertArrayEquals(new double[] {751, 626, 626, 501, 501, 376, 376, 251, 251, 126, 126, 1, 1}, s.timesteps());
            s.setTimesteps(20);
            assertEquals(12 + 17, s.timesteps().length);
            NDArray x = latents(9, s);
            float[] prk = run(s, x, 0, null);
            try (Scheduler plms = Schedulers.create("pndm", Schedulers.sd15Config())) {
                plms.setTimesteps(20);
                float[] ref = run(plms, x, 0, null);
                // two integrators of the same ODE: close, not equal
                double diff = Close.maxAbsDiff(prk, ref);
                assertTrue(diff > 0 && diff < 0.05 * Close.maxAbs(ref), "PRK vs PLMS " + diff);
            }
        }
    }

    @Test
    void prkNeedsFourSteps() {
        try (Scheduler s = Schedulers.create("pndm", folder)) {
            assertThrows(IllegalArgumentException.class, () -> s.setTimesteps(3));
        }
    }

    @Test
    void predOriginalSampleAndResets() {
        try (Scheduler s = Schedulers.create("dpm++2m", folder)) {
            s.setTimesteps(5);
            assertNull(s.predOriginalSample());
            NDArray x = latents(3, s);
            NDArray eps = x.mul(0.05f);
            NDArray next = s.step(eps, 0, x, null);
            assertNotNull(s.predOriginalSample());
            // the caller may close its arrays: the scheduler kept copies of what it needs
            eps.close();
            x.close();
            NDArray eps2 = next.mul(0.05f);
            NDArray after = s.step(eps2, 1, next, null);
            assertTrue(Float.isFinite(after.toFloatArray()[0]));
            s.setTimesteps(5);
            assertNull(s.predOriginalSample(), "setTimesteps resets state");
            assertThrows(IndexOutOfBoundsException.class, () -> s.step(eps2, 5, next, null));
        }
    }

    @Test
    void heunNeedsCallsInOrderAndDoublesTheCalls() {
        try (Scheduler s = Schedulers.create("heun", folder)) {
            s.setTimesteps(5);
            assertEquals(9, s.timesteps().length);
            assertEquals(s.timesteps()[1], s.timesteps()[2]);
        }
        assertThrows(IllegalStateException.class, () -> Schedulers.create("euler", folder).timesteps());
    }
}
