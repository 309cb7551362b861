package dev.moa.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every command's help renders cleanly: picocli formats descriptions with String.format, so a bare '%' (as in
 * "10 % empty") makes it print a warning and the raw text instead of the help.
 */
class HelpTextTest {
    @Test
    void everyCommandsHelpRendersWithoutFormatWarnings() {
        CommandLine root = new CommandLine(new Main());
        int checked = 0;
        for (String name : root.getSubcommands().keySet()) {
            if (name.equals("help")) {
                continue;
            }
            CliRunner.Result r = CliRunner.run(name, "--help");
            assertEquals(0, r.code(), name + " --help: " + r);
            assertFalse(r.err().contains("WARN") || r.out().contains("WARN"), name + " --help warns: " + r);
            assertFalse(r.out().contains("%n"), name + " --help shows an unformatted '%n': " + r);
            assertTrue(r.out().contains("Usage: moa " + name), name + " --help: " + r);
            checked++;
        }
        assertTrue(checked >= 10, "commands checked: " + checked);
    }
}
