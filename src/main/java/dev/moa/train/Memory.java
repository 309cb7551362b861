package dev.moa.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Process memory from /proc (Linux); -1 where unavailable. */
public final class Memory {
    private Memory() {}

    /** Resident set size now, in MiB. */
    public static long rssMb() {
        return field("VmRSS:");
    }

    /** Peak resident set size (high-water mark), in MiB. */
    public static long peakRssMb() {
        return field("VmHWM:");
    }

    private static long field(String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(name)) {
                    String[] p = line.trim().split("\\s+");
                    return Long.parseLong(p[1]) / 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
