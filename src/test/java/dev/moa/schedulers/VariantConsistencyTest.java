package dev.moa.schedulers;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.moa.testing.Close;
import dev.moa.tensor.TorchGenerator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Options without a reference trajectory, checked against each other: the prediction types must describe the
 * same model (an epsilon model rewritten as a v- or x0-model gives the same samples), and every solver variant
 * must approximate the same probability-flow ODE solution as a fine reference run.
 */
class VariantConsistencyTest {

    private static NDManager manager;

    @BeforeAll
    static void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    private static SchedulerConfig config(SchedulerKind kind, String overrides) {
        JsonObject o = JsonParser.parseString(overrides).getAsJsonObject();
        return Schedulers.pipelineConfig(kind, Schedulers.sd15Config(), o);
    }

    /** alpha_t and sigma_t of the noise level at which the scheduler reads the output of call i. */
    private static double[] level(Scheduler s, int i) {
        double sigma;
        if (s instanceof SigmaScheduler ss) {
            sigma = ss.sigmas[i];
        } else if (s instanceof MultistepScheduler ms) {
            sigma = ms.sigmas[i];
        } else {
            double ac = ((BaseScheduler) s).alphasCumprod[(int) s.timesteps()[i]];
            return new double[] {Math.sqrt(ac), Math.sqrt(1 - ac)};
        }
        double a = 1 / Math.sqrt(sigma * sigma + 1);
        return new double[] {a, sigma * a};
    }

    /** The stand-in model in the given parameterisation; returns the final sample. */
    private static float[] run(Scheduler s, int steps, String prediction, long seed) {
        s.setTimesteps(steps);
        TorchGenerator g = new TorchGenerator(seed);
        try (NDManager m = manager.newSubManager()) {
            NDArray x = new TorchGenerator(11).randn(m, new Shape(1, 4, 8, 8)).mul((float) s.initNoiseSigma());
            double[] t = s.timesteps();
            for (int i = 0; i < t.length; i++) {
                NDArray in = s.scaleModelInput(x, i);
                NDArray eps = in.mul(0.05f).add((float) (0.1 * Math.cos(t[i] / 100)));
                double[] l = level(s, i);
                NDArray x0 = in.sub(eps.mul((float) l[1])).div((float) l[0]);
                NDArray out = switch (prediction) {
                    case "epsilon" -> eps;
                    case "sample" -> x0;
                    default -> eps.mul((float) l[0]).sub(x0.mul((float) l[1]));
                };
                x = s.step(out, i, x, g);
            }
            return x.toFloatArray();
        }
    }

    @Test
    void predictionTypesAgree() {
        String[][] cases = {
            {"DDIM", "{\"timestep_spacing\":\"trailing\"}"},
            {"EULER", "{}"}, {"EULER", "{\"use_karras_sigmas\":true}"}, {"EULER_ANCESTRAL", "{}"},
            {"HEUN", "{}"}, {"LMS", "{}"}, {"DPM_SOLVER_MULTISTEP", "{}"},
            {"DPM_SOLVER_MULTISTEP", "{\"algorithm_type\":\"dpmsolver\",\"final_sigmas_type\":\"sigma_min\"}"},
            {"DPM_SOLVER_MULTISTEP", "{\"algorithm_type\":\"sde-dpmsolver++\",\"solver_order\":3}"},
            {"UNIPC", "{}"}, {"UNIPC", "{\"predict_x0\":false,\"solver_type\":\"bh1\",\"final_sigmas_type\":\"sigma_min\"}"},
        };
        for (String[] c : cases) {
            SchedulerKind kind = SchedulerKind.valueOf(c[0]);
            float[] ref;
            try (Scheduler s = Schedulers.create(config(kind, c[1]))) {
                ref = run(s, 12, "epsilon", 5);
            }
            for (String p : new String[] {"v_prediction", "sample"}) {
                if (kind == SchedulerKind.EULER_ANCESTRAL && p.equals("sample")) {
                    continue; // diffusers does not implement it
                }
                JsonObject o = JsonParser.parseString(c[1]).getAsJsonObject();
                o.addProperty("prediction_type", p);
                try (Scheduler s = Schedulers.create(Schedulers.pipelineConfig(kind, Schedulers.sd15Config(), o))) {
                    float[] got = run(s, 12, p, 5);
                    Close.assertClose(ref, got, 1e-4 * Close.maxAbs(ref), kind + " " + c[1] + " " + p + " vs epsilon");
                }
            }
        }
    }

    @Test
    void solverVariantsConverge() {
        // two references: the sigma schedulers start from noise * sigma_max, which diffusers uses for
        // init_noise_sigma with linspace spacing; the VP schedulers start from noise itself (a 0.2 % different
        // point); 25 steps divide 1000, so DDIM/PNDM's "previous = t - 1000 // n" lands on the grid
        float[] refVp;
        float[] refVe;
        try (Scheduler s = Schedulers.create(config(SchedulerKind.DPM_SOLVER_MULTISTEP, "{}"))) {
            refVp = run(s, 500, "epsilon", 0);
        }
        try (Scheduler s = Schedulers.create(config(SchedulerKind.HEUN, "{}"))) {
            refVe = run(s, 500, "epsilon", 0);
        }
        Object[][] variants = {
            {SchedulerKind.EULER, "{}", 3e-2},
            {SchedulerKind.EULER, "{\"use_karras_sigmas\":true}", 3e-2},
            {SchedulerKind.EULER, "{\"use_exponential_sigmas\":true}", 3e-2},
            {SchedulerKind.EULER, "{\"timestep_spacing\":\"trailing\"}", 3e-2},
            {SchedulerKind.HEUN, "{}", 3e-3},
            {SchedulerKind.HEUN, "{\"use_karras_sigmas\":true}", 3e-3},
            {SchedulerKind.LMS, "{}", 3e-3},
            {SchedulerKind.LMS, "{\"use_karras_sigmas\":true}", 3e-3},
            {SchedulerKind.DDIM, "{\"timestep_spacing\":\"trailing\",\"set_alpha_to_one\":true}", 3e-2},
            {SchedulerKind.PNDM, "{\"timestep_spacing\":\"trailing\",\"set_alpha_to_one\":true}", 3e-3},
            {SchedulerKind.PNDM, "{\"skip_prk_steps\":false,\"timestep_spacing\":\"trailing\",\"set_alpha_to_one\":true}", 3e-3},
            {SchedulerKind.DPM_SOLVER_MULTISTEP, "{}", 3e-3},
            {SchedulerKind.DPM_SOLVER_MULTISTEP, "{\"use_karras_sigmas\":true}", 3e-3},
            {SchedulerKind.DPM_SOLVER_MULTISTEP, "{\"solver_order\":3}", 3e-3},
            {SchedulerKind.DPM_SOLVER_MULTISTEP, "{\"solver_order\":1}", 3e-2},
            {SchedulerKind.DPM_SOLVER_MULTISTEP, "{\"solver_type\":\"heun\"}", 3e-3},
            {SchedulerKind.DPM_SOLVER_MULTISTEP, "{\"use_lu_lambdas\":true}", 3e-3},
            {SchedulerKind.DPM_SOLVER_MULTISTEP, "{\"use_exponential_sigmas\":true}", 3e-3},
            {SchedulerKind.DPM_SOLVER_MULTISTEP, "{\"timestep_spacing\":\"trailing\"}", 3e-3},
            {SchedulerKind.DPM_SOLVER_MULTISTEP, "{\"euler_at_final\":true}", 3e-3},
            {SchedulerKind.UNIPC, "{}", 3e-3},
            {SchedulerKind.UNIPC, "{\"solver_type\":\"bh1\"}", 3e-3},
            {SchedulerKind.UNIPC, "{\"solver_order\":3}", 3e-3},
            {SchedulerKind.UNIPC, "{\"predict_x0\":false,\"final_sigmas_type\":\"sigma_min\"}", 3e-3},
            {SchedulerKind.UNIPC, "{\"use_karras_sigmas\":true}", 3e-3},
            {SchedulerKind.UNIPC, "{\"disable_corrector\":[0,1]}", 3e-3},
        };
        for (Object[] v : variants) {
            try (Scheduler s = Schedulers.create(config((SchedulerKind) v[0], (String) v[1]))) {
                float[] ref = s instanceof SigmaScheduler ? refVe : refVp;
                float[] got = run(s, 25, "epsilon", 0);
                double err = Close.maxAbsDiff(ref, got) / Close.maxAbs(ref);
                System.out.printf("converge %-22s %-70s rel err %.2e%n", v[0], v[1], err);
                assertTrue(err < (double) v[2], v[0] + " " + v[1] + ": " + err);
            }
        }
    }
}
