package dev.moa.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.moa.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;

/** Progress is reported per step, and a cancellation stops sampling between steps without leaking. */
class CancellationTest {
    @Test
    void progressAndCancellation() throws Exception {
        try (StableDiffusion sd = StableDiffusion.load(Fixtures.path("models/tiny-sd"))) {
            GenerationOptions o = GenerationOptions.of("a cat").withSteps(6).withSeed(1);
            List<String> events = new ArrayList<>();
            DiffusionPipeline.of(sd).generate(o, (ProgressListener) (d, t, p) -> events.add(p + " " + d + "/" + t));
            assertEquals(List.of("sampling 0/6", "sampling 1/6", "sampling 2/6", "sampling 3/6", "sampling 4/6",
                    "sampling 5/6", "sampling 6/6", "decoding 0/1", "decoding 1/1"), events);

            int before = sd.manager().getManagedArrays().size();
            Cancellation c = new Cancellation();
            List<Integer> done = new ArrayList<>();
            assertThrows(CancellationException.class, () -> DiffusionPipeline.of(sd).generate(o, (ProgressListener) (d, t, p) -> {
                done.add(d);
                if (d == 2) {
                    c.cancel();   // e.g. from a UI thread
                }
            }, c));
            assertEquals(List.of(0, 1, 2), done, "no step runs after the cancellation");
            assertEquals(before, sd.manager().getManagedArrays().size(), "a cancelled run frees its arrays");
        }
    }
}
