package dev.moa.eval;

import dev.moa.image.PngWriter;
import dev.moa.toy.ToyIdentity;
import dev.moa.toy.ToyPattern;
import dev.moa.toy.ToyWorld;
import dev.moa.train.data.SyntheticDataset.Scene;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Evaluation cases on the toy world's held-out identities (or, to tell generalisation from fit, on training
 * identities): a reference photo each, every scene, several seeds.
 */
public final class ToyCases {
    private ToyCases() {}

    /**
     * Writes {@code refs/<identity>.png} and {@code cases.jsonl} into {@code dir}: {@code identities} held-out
     * identities x every scene, each at {@code seeds} seeds starting at {@code firstSeed} (held-out seeds: training
     * never samples with them).
     */
    public static Path write(Path dir, ToyWorld world, int identities, int seeds, long firstSeed) throws IOException {
        return write(dir, world, identities, seeds, firstSeed, false);
    }

    /**
     * As above; with {@code training} the identities are training ones (named {@code t000}, ...; references rendered
     * afresh as for held-out ones), so the same figures compare fit and generalisation.
     */
    public static Path write(Path dir, ToyWorld world, int identities, int seeds, long firstSeed, boolean training)
            throws IOException {
        Files.createDirectories(dir.resolve("refs"));
        List<EvalCase> cases = new ArrayList<>();
        for (int i = 0; i < identities; i++) {
            ToyIdentity id = training ? world.trainingIdentity(i) : world.heldOutIdentity(i);
            String name = String.format(Locale.ROOT, training ? "t%03d" : "h%03d", i);
            PngWriter.write(dir.resolve("refs/" + name + ".png"), world.reference(id, 5_000_000 + i).image());
            boolean two = id.pattern() != ToyPattern.PLAIN;
            EvalCase.Subject s = new EvalCase.Subject(id.classWord(), "refs/" + name + ".png",
                    id.shape().name().toLowerCase(Locale.ROOT), id.pattern().name().toLowerCase(Locale.ROOT),
                    hex(id.primary().rgb()), two ? hex(id.secondary().rgb()) : null);
            for (Scene scene : ToyWorld.SCENES) {
                List<Long> ss = new ArrayList<>();
                for (int k = 0; k < seeds; k++) {
                    ss.add(firstSeed + i * 100L + k);
                }
                cases.add(new EvalCase(name + "-" + scene.name().toLowerCase(Locale.ROOT), name,
                        ToyWorld.captionFor(id.shape(), scene), scene.name().toLowerCase(Locale.ROOT), List.of(s), ss));
            }
        }
        Path file = dir.resolve("cases.jsonl");
        EvalCase.write(file, cases);
        return file;
    }

    private static String hex(int rgb) {
        return String.format(Locale.ROOT, "#%06x", rgb & 0xFFFFFF);
    }
}
