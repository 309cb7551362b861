package dev.moa.cli;

import dev.moa.toy.ToyWorld;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The toy world's shape, shared by the commands that render it ({@code train-unet}, {@code train}, {@code toy-world}). */
final class WorldOptions {
    @Option(names = "--world-subjects", defaultValue = "1", paramLabel = "N",
            description = "subjects per toy-world picture at most: 1 = part 1's world (one large subject), 2 or 3 = the"
                    + " full world (1 to N subjects of different shapes per picture) (default ${DEFAULT-VALUE})")
    int subjects;

    /** The world of {@code seed}; a bad {@code --world-subjects} is a one-line usage error. */
    ToyWorld world(CommandSpec spec, long seed) {
        check(spec);
        return new ToyWorld(seed, subjects);
    }

    void check(CommandSpec spec) {
        if (subjects < 1 || subjects > ToyWorld.MAX_SUBJECTS) {
            throw new ParameterException(spec.commandLine(), "--world-subjects must be 1.." + ToyWorld.MAX_SUBJECTS
                    + ", got " + subjects);
        }
    }
}
