package dev.moa.cli;

import ai.djl.pytorch.jni.JniUtils;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code --threads}: libtorch's CPU threads, for every command that computes. */
final class ThreadsOption {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--threads", description = "CPU threads for libtorch (default: all cores)")
    Integer threads;

    /** Applies the setting (before any work); a bad value is a usage error. */
    void apply() {
        apply(spec, threads);
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
