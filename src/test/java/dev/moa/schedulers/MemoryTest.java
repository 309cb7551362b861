package dev.moa.schedulers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import dev.moa.tensor.TorchGenerator;
import java.lang.reflect.Field;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A sampling loop leaves nothing behind in the caller's manager but the arrays it returns. */
class MemoryTest {

    private static int live(NDManager m) throws Exception {
        Field f = BaseNDManager.class.getDeclaredField("resources");
        f.setAccessible(true);
        return ((Map<?, ?>) f.get(m)).size();
    }

    @Test
    void stepsDoNotLeakIntoTheCallersManager() throws Exception {
        JsonObject folder = SchedulerConfigTest.json("models/tiny-sd/scheduler/scheduler_config.json");
        for (String name : Schedulers.names()) {
            try (Scheduler s = Schedulers.create(name, folder); NDManager root = NDManager.newBaseManager();
                    NDManager m = root.newSubManager()) {
                s.setTimesteps(6);
                TorchGenerator g = new TorchGenerator(1);
                NDArray x = g.randn(m, new Shape(1, 4, 8, 8)).mul((float) s.initNoiseSigma());
                double[] t = s.timesteps();
                for (int i = 0; i < t.length; i++) {
                    NDArray in = s.scaleModelInput(x, i);
                    NDArray eps = in.mul(0.05f);
                    NDArray next = s.step(eps, i, x, g);
                    in.close();
                    eps.close();
                    x.close();
                    x = next;
                }
                // the randn source array, x, and nothing else
                assertEquals(2, live(m), name);
            }
        }
    }
}
