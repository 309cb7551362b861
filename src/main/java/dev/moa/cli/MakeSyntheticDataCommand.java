package dev.moa.cli;

import dev.moa.train.data.SyntheticDataset;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code moa make-synthetic-data}: writes a deterministic synthetic training set in FastComposer's
 * FFHQ-wild layout (see {@link SyntheticDataset}).
 */
@Command(name = "make-synthetic-data", mixinStandardHelpOptions = true,
        description = {"Write a synthetic MoA training set (FFHQ-wild layout): coloured, patterned shapes on varied "
                + "scenes, with captions, segmentation maps, a train/test split and one reference picture per subject.",
            "The same seed gives byte-identical files."})
public final class MakeSyntheticDataCommand implements Callable<Integer> {

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "output folder (new or empty)")
    Path output;

    @Option(names = "--count", required = true, paramLabel = "N", description = "number of pictures")
    int count;

    @Option(names = "--seed", defaultValue = "0", description = "seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--resolution", defaultValue = "128", paramLabel = "R",
            description = "shorter side of the pictures in pixels (default ${DEFAULT-VALUE})")
    int resolution;

    @Option(names = "--subjects", defaultValue = "6", paramLabel = "K",
            description = "number of distinct subjects (identities), 1.." + SyntheticDataset.MAX_IDENTITIES
                    + " (default ${DEFAULT-VALUE})")
    int subjects;

    @Option(names = "--max-per-image", defaultValue = "3", paramLabel = "M",
            description = "at most this many subjects per picture, 1..4 (default ${DEFAULT-VALUE})")
    int maxPerImage;

    @Option(names = "--test-every", defaultValue = "10", paramLabel = "N",
            description = "every N-th picture goes to the test split; 0: none (default ${DEFAULT-VALUE})")
    int testEvery;

    @Option(names = "--square", description = "only square pictures (default: also 4:3 and 3:4)")
    boolean square;

    @Option(names = "--threads", defaultValue = "0", description = "worker threads (default: one per processor)")
    int threads;

    @Option(names = "--overwrite", description = "write into a folder that is not empty")
    boolean overwrite;

    @Override
    public Integer call() throws Exception {
        if (count < 1) {
            throw new IllegalArgumentException("--count must be at least 1");
        }
        SyntheticDataset.Options o = SyntheticDataset.Options.defaults().withResolution(resolution)
                .withIdentities(subjects).withSubjectsPerImage(1, maxPerImage).withTestEvery(testEvery)
                .withVaryAspect(!square).withThreads(threads).withOverwrite(overwrite);
        SyntheticDataset.Summary s = SyntheticDataset.generate(output, count, seed, o);
        System.out.printf(Locale.ROOT, "wrote %d pictures (%d train, %d test) with %d subjects to %s in %.2f s (%.0f pictures/s)%n",
                s.count(), s.train(), s.test(), s.identities().size(), output, s.seconds(), s.imagesPerSecond());
        System.out.println("references: " + output.resolve("subjects") + ", description: " + output.resolve("README.txt"));
        return 0;
    }
}
