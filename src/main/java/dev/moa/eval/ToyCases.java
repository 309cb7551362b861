package dev.moa.eval;

import dev.moa.image.PngWriter;
import dev.moa.toy.ToyIdentity;
import dev.moa.toy.ToyPattern;
import dev.moa.toy.ToyWorld;
import dev.moa.train.data.SyntheticDataset.Scene;
import dev.moa.train.data.SyntheticDataset.Shape;
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
            EvalCase.Subject s = subject(dir, world, id, name, 5_000_000 + i);
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

    /**
     * The full world's case list (issue 11's table), into {@code dir} ({@code refs/*.png}, {@code cases.jsonl}); all
     * identities held out, seeds shared by every case so that images of the same prompt and seed with different
     * references can be compared (the swap figure) and priors computed once:
     * <ul>
     * <li>single subjects: {@code identities} identities x 10 prompts (every scene, alone and beside a companion
     *     class the prior draws) x {@code seeds} seeds, ids {@code hNNN-scene} / {@code hNNN-scene-with};</li>
     * <li>two subjects: {@code identities} pairs of different shapes x 10 prompts (every scene, both orders) x
     *     {@code seeds} seeds, ids {@code pNNN-...};</li>
     * <li>morphs: {@code identities / 2} pairs of the same shape, one scene each, at 2 seeds, ids {@code mNNN-...}.</li>
     * </ul>
     */
    public static Path writeFull(Path dir, ToyWorld world, int identities, int seeds, long firstSeed) throws IOException {
        Files.createDirectories(dir.resolve("refs"));
        List<EvalCase> cases = new ArrayList<>();
        List<Long> ss = new ArrayList<>();
        for (int k = 0; k < seeds; k++) {
            ss.add(firstSeed + k);
        }
        int next = 0;
        for (int i = 0; i < identities; i++) {
            ToyIdentity id = world.heldOutIdentity(next++);
            String name = String.format(Locale.ROOT, "h%03d", i);
            EvalCase.Subject s = subject(dir, world, id, name, 5_000_000 + i);
            Shape companion = ToyWorld.SHAPES.get((ToyWorld.SHAPES.indexOf(id.shape()) + 1) % ToyWorld.SHAPES.size());
            for (Scene scene : ToyWorld.SCENES) {
                String sc = scene.name().toLowerCase(Locale.ROOT);
                cases.add(new EvalCase(name + "-" + sc, name, ToyWorld.captionFor(id.shape(), scene), sc, List.of(s), ss));
                List<Shape> both = List.of(id.shape(), companion);
                cases.add(new EvalCase(name + "-" + sc + "-with", name, ToyWorld.captionFor(both, scene), sc, List.of(s), ss,
                        both.stream().map(Shape::word).toList(), null));
            }
        }
        for (int i = 0; i < identities; i++) {
            ToyIdentity a = world.heldOutIdentity(next++);
            ToyIdentity b = world.heldOutIdentity(next++);
            while (b.shape() == a.shape()) {
                b = world.heldOutIdentity(next++);
            }
            String name = String.format(Locale.ROOT, "p%03d", i);
            EvalCase.Subject sa = subject(dir, world, a, name + "a", 5_100_000 + i);
            EvalCase.Subject sb = subject(dir, world, b, name + "b", 5_200_000 + i);
            for (Scene scene : ToyWorld.SCENES) {
                String sc = scene.name().toLowerCase(Locale.ROOT);
                cases.add(new EvalCase(name + "-" + sc + "-ab", name, ToyWorld.captionFor(List.of(a.shape(), b.shape()),
                        scene), sc, List.of(sa, sb), ss));
                cases.add(new EvalCase(name + "-" + sc + "-ba", name, ToyWorld.captionFor(List.of(b.shape(), a.shape()),
                        scene), sc, List.of(sb, sa), ss));
            }
        }
        for (int i = 0; i < Math.max(1, identities / 2); i++) {
            ToyIdentity a = world.heldOutIdentity(next++);
            ToyIdentity b = world.heldOutIdentity(next++);
            while (b.shape() != a.shape()) {
                b = world.heldOutIdentity(next++);
            }
            String name = String.format(Locale.ROOT, "m%03d", i);
            Scene scene = ToyWorld.SCENES.get(i % ToyWorld.SCENES.size());
            String sc = scene.name().toLowerCase(Locale.ROOT);
            cases.add(new EvalCase(name + "-" + sc, name, ToyWorld.captionFor(a.shape(), scene), sc,
                    List.of(subject(dir, world, a, name + "a", 5_300_000 + i), subject(dir, world, b, name + "b", 5_400_000 + i)),
                    ss.subList(0, Math.min(2, ss.size())), null, EvalCase.MORPH));
        }
        Path file = dir.resolve("cases.jsonl");
        EvalCase.write(file, cases);
        return file;
    }

    /** Writes the identity's reference photo as {@code refs/NAME.png} and returns its case subject. */
    private static EvalCase.Subject subject(Path dir, ToyWorld world, ToyIdentity id, String name, long refIndex)
            throws IOException {
        PngWriter.write(dir.resolve("refs/" + name + ".png"), world.reference(id, refIndex).image());
        boolean two = id.pattern() != ToyPattern.PLAIN;
        return new EvalCase.Subject(id.classWord(), "refs/" + name + ".png", id.shape().name().toLowerCase(Locale.ROOT),
                id.pattern().name().toLowerCase(Locale.ROOT), hex(id.primary().rgb()), two ? hex(id.secondary().rgb()) : null);
    }

    private static String hex(int rgb) {
        return String.format(Locale.ROOT, "#%06x", rgb & 0xFFFFFF);
    }
}
