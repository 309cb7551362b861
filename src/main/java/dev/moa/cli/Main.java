package dev.moa.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.CancellationException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code moa} command line. */
@Command(name = "moa", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Mixture-of-Attention personalized text-to-image generation on Stable Diffusion 1.x, in Java.",
        subcommands = {GenerateCommand.class, CheckCommand.class, MoaInitCommand.class, TrainCommand.class,
                MakeSyntheticDataCommand.class, BenchCommand.class, EvalCommand.class, SwapCommand.class,
                ToyWorldCommand.class,
                TrainVaeCommand.class, TrainClipCommand.class, TrainUNetCommand.class, ConvertCommand.class, ServeCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns the exit code (for tests). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        // usage errors: the message and a pointer to --help, not the whole help text
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println(c.getColorScheme().errorText("error: " + ex.getMessage()));
            c.getErr().println("Run '" + c.getCommandSpec().qualifiedName() + " --help' for the options.");
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            Throwable t = ex;
            if (t instanceof UncheckedIOException && t.getCause() != null) {
                t = t.getCause();
            }
            cmd.getErr().println(cmd.getColorScheme().errorText("error: " + describe(t)));
            if (Boolean.getBoolean("moa.verbose") || System.getenv("MOA_VERBOSE") != null) {
                t.printStackTrace(cmd.getErr());
            }
            return t instanceof CancellationException ? 130 : 1;
        });
        return cl.execute(args);
    }

    /** A one-line message for an error, naming the file where there is one. */
    static String describe(Throwable t) {
        if (t instanceof NoSuchFileException) {
            NoSuchFileException e = (NoSuchFileException) t;
            return e.getFile() + ": " + (e.getReason() != null ? e.getReason() : "not found");
        }
        if (t instanceof IOException || t instanceof IllegalArgumentException || t instanceof IllegalStateException
                || t instanceof CancellationException) {
            return t.getMessage() != null ? t.getMessage() : t.toString();
        }
        return t.toString();
    }

    /** Version from the jar manifest when packaged. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"moa " + (v != null ? v : "(development build)")};
        }
    }
}
