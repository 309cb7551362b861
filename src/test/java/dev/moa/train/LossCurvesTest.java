package dev.moa.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training log after a resume: later steps and cut-off rows go, the rest stays as it was. */
class LossCurvesTest {
    @TempDir
    Path dir;

    @Test
    void truncateDropsLaterStepsAndCutOffRows() throws Exception {
        Path csv = dir.resolve("losses.csv");
        // what a kill during a write leaves: a row cut in the middle (too few columns, a cut number), then nothing
        Files.writeString(csv, "step,loss,lr\n1,0.5,1e-4\n2,0.4,1e-4\n3,0.3,1e-4\n4,0.2\n5,0.1,1e-");
        assertEquals(2, LossCurves.truncate(csv, 10));
        assertEquals(List.of("step,loss,lr", "1,0.5,1e-4", "2,0.4,1e-4", "3,0.3,1e-4"), Files.readAllLines(csv));
        // resumed from step 2: step 3 is redone, so its row goes
        assertEquals(0, LossCurves.truncate(csv, 2));
        assertEquals(List.of("step,loss,lr", "1,0.5,1e-4", "2,0.4,1e-4"), Files.readAllLines(csv));
        // a row cut inside the step number itself, and a blank line
        Files.writeString(csv, "step,loss,lr\n1,0.5,1e-4\n\n2");
        assertEquals(1, LossCurves.truncate(csv, 5));
        assertEquals(List.of("step,loss,lr", "1,0.5,1e-4"), Files.readAllLines(csv));
    }
}
