package dev.moa.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Progress lines: first and last step always; every N steps when asked, else by elapsed time. */
class LogCadenceTest {
    @Test
    void everyNStepsWhenGiven() {
        LogCadence c = new LogCadence(4);
        List<Long> lines = new ArrayList<>();
        for (long s = 11; s <= 22; s++) {   // resumed at step 10, ends at 22
            if (c.due(s, 22, 10)) {
                lines.add(s);
            }
        }
        assertEquals(List.of(11L, 12L, 16L, 20L, 22L), lines);
        assertThrows(IllegalArgumentException.class, () -> new LogCadence(0));
    }

    @Test
    void byTimeOtherwise() throws Exception {
        LogCadence c = new LogCadence(null, 0.2);
        assertTrue(c.due(1, 100, 0), "first step");
        assertFalse(c.due(2, 100, 0), "no time has passed");
        assertFalse(c.due(3, 100, 0));
        Thread.sleep(250);
        assertTrue(c.due(4, 100, 0), "0.25 s later");
        assertFalse(c.due(5, 100, 0), "the clock restarts at each line");
        assertTrue(c.due(100, 100, 0), "last step");
    }
}
