package dev.moa.tensor;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import java.util.Locale;

/**
 * The one place that decides where arrays live: {@code --device cpu | cuda | cuda:N}, process-wide, CPU unless asked
 * (DJL alone would pick the first GPU it sees). Every model, trainer and bench manager comes from {@link #newManager};
 * arrays made from host data follow their manager's device.
 *
 * <p>This build ships libtorch's CPU natives; CUDA needs DJL's CUDA natives instead (the {@code cuda} Maven profile)
 * and a CUDA machine. Neither exists where this project is tested, so only the CPU path has run.
 */
public final class Devices {
    private static volatile Device current = Device.cpu();

    private Devices() {}

    /** "cpu", "cuda" (= cuda:0) or "cuda:N". */
    public static Device parse(String s) {
        String v = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
        if (v.equals("cpu")) {
            return Device.cpu();
        }
        if (v.equals("cuda") || v.equals("gpu")) {
            return Device.gpu(0);
        }
        if (v.startsWith("cuda:")) {
            try {
                int id = Integer.parseInt(v.substring(5));
                if (id >= 0) {
                    return Device.gpu(id);
                }
            } catch (NumberFormatException e) {
                // fall through to the message below
            }
        }
        throw new IllegalArgumentException("--device must be cpu, cuda or cuda:N, got '" + s + "'");
    }

    /** Makes {@code d} the device of every manager made from now on; a GPU must be visible to libtorch. */
    public static void use(Device d) {
        if (d.isGpu()) {
            int n = Engine.getEngine("PyTorch").getGpuCount();
            if (d.getDeviceId() >= n) {
                throw new IllegalArgumentException("--device cuda:" + d.getDeviceId() + ": libtorch sees " + n
                        + " CUDA device(s); this build ships the CPU natives (build with -Pcuda on a CUDA machine)");
            }
        }
        current = d;
    }

    public static Device current() {
        return current;
    }

    /** A root manager on the current device. */
    public static NDManager newManager() {
        return NDManager.newBaseManager(current);
    }

    /** Whether reading a value of {@code device} to the host waits for queued work (GPU), i.e. costs a sync. */
    public static boolean readsSynchronize(Device device) {
        return device.isGpu();
    }
}
