package dev.moa.cli;

import ai.djl.pytorch.jni.JniUtils;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code --threads} and {@code --device}: where every command that computes runs. */
final class ThreadsOption {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--threads", description = "CPU threads for libtorch (default: all cores)")
    Integer threads;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "DEVICE",
            description = "cpu, cuda or cuda:N (default ${DEFAULT-VALUE}; CUDA needs a build with -Pcuda)")
    String device;

    /** Applies the settings (before any work); a bad value is a usage error. */
    void apply() {
        apply(spec, threads);
        applyDevice(spec, device);
    }

    /** Selects the device of every model and trainer (a bad or absent device is a usage error). */
    static void applyDevice(CommandSpec spec, String device) {
        try {
            dev.moa.tensor.Devices.use(dev.moa.tensor.Devices.parse(device));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** Sets libtorch's threads (null: leave the default); shared with the trainers' options. */
    static void apply(CommandSpec spec, Integer threads) {
        if (threads == null) {
            return;
        }
        if (threads < 1) {
            throw new ParameterException(spec.commandLine(), "--threads must be >= 1");
        }
        ai.djl.engine.Engine.getEngine("PyTorch");   // the native library must be loaded before any JNI call
        JniUtils.setNumThreads(threads);
    }
}
