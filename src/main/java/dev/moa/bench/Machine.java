package dev.moa.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.moa.tensor.Ops;
import dev.moa.tensor.Precision;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** What the benchmark runs on, the machine's own matmul rate, and memory readings of this process. */
public final class Machine {
    private Machine() {}

    /** Static facts about the host and the tensor stack. */
    public record Info(String cpu, int cores, String isa, String libtorch, int threads, String ops, String java) {}

    public static Info info() {
        String cpu = "unknown";
        String isa = "";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
                if (cpu.equals("unknown") && line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                } else if (isa.isEmpty() && line.startsWith("flags")) {
                    List<String> keep = new ArrayList<>();
                    for (String f : line.substring(line.indexOf(':') + 1).trim().split("\\s+")) {
                        if (List.of("avx2", "fma", "avx512f", "avx512_bf16", "avx512_fp16", "amx_bf16", "amx_tile",
                                "amx_fp16").contains(f)) {
                            keep.add(f);
                        }
                    }
                    isa = String.join(" ", keep);
                }
            }
        } catch (IOException e) {
            // not Linux: leave unknown
        }
        Engine engine = Engine.getEngine("PyTorch");
        return new Info(cpu, Runtime.getRuntime().availableProcessors(), isa, engine.getVersion(),
                JniUtils.getNumThreads(), Ops.get().name(), System.getProperty("java.version"));
    }

    /**
     * Median GFLOP/s of an n x n x n matrix multiply in the given precision (1 warm-up, then {@code runs}).
     * Inputs are standard-normal, so no denormals slow anything down.
     */
    public static double gemmGflops(int n, Precision p, int runs) {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getEngine("PyTorch").setRandomSeed(1234);
            NDArray a = m.randomNormal(new Shape(n, n));
            NDArray b = m.randomNormal(new Shape(n, n));
            if (p != Precision.FP32) {
                a = Ops.get().cast(a, p);
                b = Ops.get().cast(b, p);
            }
            a.matMul(b).close();
            double[] secs = new double[runs];
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                a.matMul(b).close();
                secs[i] = (System.nanoTime() - t0) / 1e9;
            }
            return 2.0 * n * n * (double) n / Stats.median(secs) / 1e9;
        }
    }

    /** A field of /proc/self/status in bytes (VmHWM, VmRSS), or -1 where unavailable. */
    public static long procStatusBytes(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8)) {
                if (line.startsWith(field + ":")) {
                    String[] p = line.substring(field.length() + 1).trim().split("\\s+");
                    long v = Long.parseLong(p[0]);
                    return p.length > 1 && p[1].toLowerCase(Locale.ROOT).equals("kb") ? v * 1024 : v;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /** Resets the kernel's RSS high-water mark (VmHWM) to the current RSS; false where not possible. */
    public static boolean resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    /** Sum of the Java heap pools' peak usage since start (or the last {@link #resetHeapPeaks}). */
    public static long heapPeakBytes() {
        long s = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && p.getPeakUsage() != null) {
                s += p.getPeakUsage().getUsed();
            }
        }
        return s;
    }

    public static void resetHeapPeaks() {
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                p.resetPeakUsage();
            }
        }
    }

    /** Java direct buffers in use (arrays DJL created from Java data live there). */
    public static long directBytes() {
        for (BufferPoolMXBean b : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (b.getName().equals("direct")) {
                return b.getMemoryUsed();
            }
        }
        return -1;
    }
}
