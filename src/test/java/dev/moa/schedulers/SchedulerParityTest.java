package dev.moa.schedulers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.moa.io.SafetensorsFile;
import dev.moa.testing.Close;
import dev.moa.testing.Fixtures;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every reference trajectory of fixtures/ref/schedulers: the stand-in model eps(x, t) = 0.05 x + 0.1 cos(t / 100)
 * driven from x0 * init_noise_sigma, each step's sample within 1e-4 of the tensor's scale.
 */
class SchedulerParityTest {

    private static SafetensorsFile ref;
    private static JsonObject cases;
    private static NDManager manager;

    @BeforeAll
    static void open() throws Exception {
        ref = Fixtures.ref("ref/schedulers.safetensors");
        cases = JsonParser.parseString(Files.readString(Fixtures.path("ref/schedulers.json")))
                .getAsJsonObject().getAsJsonObject("cases");
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() throws Exception {
        manager.close();
        ref.close();
    }

    static Stream<Arguments> trajectories() {
        return Stream.of("ddim", "ddim_eta0_trailing", "pndm", "euler", "dpmpp_2m", "dpmpp_2m_karras", "lms", "unipc",
                        "heun", "ddim_inverse")
                .flatMap(c -> Stream.of(Arguments.of(c, 4), Arguments.of(c, 20)));
    }

    /** The scheduler of a reference case, from its exact config. */
    static Scheduler schedulerFor(JsonObject c) {
        SchedulerKind kind = SchedulerKind.forClassName(c.get("class").getAsString());
        return Schedulers.create(SchedulerConfig.fromConfig(kind, c.getAsJsonObject("config")));
    }

    @ParameterizedTest(name = "{0} {1} steps")
    @MethodSource("trajectories")
    void trajectoryMatchesDiffusers(String name, int steps) throws Exception {
        JsonObject c = cases.getAsJsonObject(name);
        String prefix = name + "." + steps + ".";
        try (Scheduler s = schedulerFor(c); NDManager m = manager.newSubManager()) {
            s.setTimesteps(steps);
            double[] expectedT = ref.doubles(prefix + "timesteps");
            assertArrayEquals(expectedT, s.timesteps(), 0.0, name + " timesteps " + Arrays.toString(s.timesteps()));
            double sigma0 = c.get("init_noise_sigma").getAsDouble();
            assertEquals(sigma0, s.initNoiseSigma(), 1e-6 * sigma0, name + " init_noise_sigma");

            long[] shape = ref.info("x0").shape();
            NDArray x = m.create(ref.floats("x0"), new Shape(shape)).mul((float) s.initNoiseSigma());
            float[] traj = ref.floats(prefix + "trajectory");
            int per = traj.length / expectedT.length;
            double[] t = s.timesteps();
            double worst = 0;
            for (int i = 0; i < t.length; i++) {
                NDArray input = s.scaleModelInput(x, i);
                NDArray eps = input.mul(0.05f).add((float) (0.1 * Math.cos(t[i] / 100)));
                NDArray next = s.step(eps, i, x, null);
                float[] expected = Arrays.copyOfRange(traj, i * per, (i + 1) * per);
                double tol = 1e-4 * Math.max(Close.maxAbs(expected), 1e-3);
                worst = Math.max(worst, Close.assertClose(expected, next.toFloatArray(), tol, prefix + "trajectory[" + i + "]"));
                input.close();
                eps.close();
                x.close();
                x = next;
            }
            float[] fin = ref.floats(prefix + "final");
            worst = Math.max(worst, Close.assertClose(fin, x.toFloatArray(), 1e-4 * Close.maxAbs(fin), prefix + "final"));
            System.out.printf("PARITY %-20s %2d steps  max abs err %.3e  (scale %.3e)%n", name, steps, worst, Close.maxAbs(fin));
        }
    }
}
