package dev.moa.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moa.image.Images;
import dev.moa.image.PngText;
import dev.moa.image.RgbImage;
import dev.moa.testing.Close;
import dev.moa.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `moa generate --moa ...` features on the tiny models, each checked by its output. */
class MoaGenerateCommandTest {
    @TempDir
    Path dir;

    static final String MAN = Fixtures.path("ref/moa_files/pub_man.png").toString();
    static final String WOMAN = Fixtures.path("ref/moa_files/pub_woman.png").toString();

    static String[] args(String... extra) {
        boolean seeded = Arrays.asList(extra).contains("--seed");
        String[] base = {"generate", "--model", Fixtures.path("models/tiny-sd").toString(),
                "--moa", Fixtures.path("models/tiny-moa").toString(), "--steps", "3", "--seed", seeded ? "-1" : "70", "-q"};
        if (seeded) {
            base = Arrays.copyOf(base, base.length - 3);
            base = Arrays.copyOf(base, base.length + 1);
            base[base.length - 1] = "-q";
        }
        String[] all = Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return all;
    }

    private CliRunner.Result ok(String... a) {
        CliRunner.Result r = CliRunner.run(args(a));
        assertEquals(0, r.code(), r.toString());
        return r;
    }

    /**
     * The defaults: without --model the toy world, and with --subject but without --moa the toy world's MoA; the
     * prompt defaults to one naming the subject's word. The models directory is the repo's (the launcher's moa.home).
     */
    @Test
    void withoutModelAndMoaTheToyWorldAndItsMoaAreUsed() throws Exception {
        Path out = dir.resolve("toy.png");
        CliRunner.Result r = CliRunner.run("generate", "--subject", "heart=eval/toy/refs/h000.png", "--steps", "3",
                "--seed", "100000", "--with-prior", "-q", "-o", out.toString());
        assertEquals(0, r.code(), r.toString());
        RgbImage img = Images.read(out);
        assertEquals(64, img.width(), "the toy world's size");
        String p = PngText.read(out).get("parameters");
        assertTrue(p.startsWith("a photo of a heart on a beach"), p);
        assertTrue(p.contains("MoA: toy-world-moa") && p.contains("Model: toy-world"), p);
        assertTrue(Files.exists(dir.resolve("toy-sheet.png")));
        // another model needs its own MoA: the toy world's is not picked for it
        CliRunner.Result swap = CliRunner.run("swap", "--model", Fixtures.path("models/tiny-sd").toString(), "--image",
                MAN, "--prompt", "a photo of a man", "--subject", "man=" + WOMAN, "-o", dir.resolve("s.png").toString());
        assertEquals(2, swap.code(), swap.toString());
        assertTrue(swap.err().contains("--moa is needed with --model"), swap.err());
    }

    @Test
    void withPriorWritesTheBaseImageAndASheet() throws Exception {
        Path out = dir.resolve("p.png");
        ok("--prompt", "a man and a woman talking in a cafe", "--subject", "man=" + MAN, "--subject", "woman=" + WOMAN,
                "--with-prior", "-o", out.toString());
        Path prior = dir.resolve("p-prior.png");
        Path sheet = dir.resolve("p-sheet.png");
        assertTrue(Files.exists(prior) && Files.exists(sheet));
        // the prior is the plain model's image for the seed
        Path plain = dir.resolve("plain.png");
        assertEquals(0, CliRunner.run("generate", "--model", Fixtures.path("models/tiny-sd").toString(), "--steps", "3",
                "--seed", "70", "-q", "--prompt", "a man and a woman talking in a cafe", "-o", plain.toString()).code());
        // two code paths (MoA pipeline in prior mode, plain pipeline): within one level, not bit for bit
        Close.assertPixelsClose(Images.read(plain), Images.read(prior), 1, "prior vs plain model");
        assertFalse(Arrays.equals(Images.read(out).data(), Images.read(prior).data()), "MoA changes the image");
        RgbImage s = Images.read(sheet);
        assertTrue(s.width() > 4 * 192 && s.height() >= 192, "4 columns: two references, prior, personalized");
        String p = PngText.read(out).get("parameters");
        assertTrue(p.contains("MoA: tiny-moa") && p.contains("MoA mode: moa"), p);
        assertTrue(p.matches("(?s).*Subjects: man=pub_man.png \\([0-9a-f]{10}\\); woman=pub_woman.png \\([0-9a-f]{10}\\).*"), p);
    }

    @Test
    void seedsWriteEveryImageAndAnUncuratedGrid() throws Exception {
        Path out = dir.resolve("g.png");
        CliRunner.Result r = CliRunner.run("generate", "--model", Fixtures.path("models/tiny-sd").toString(), "--moa",
                Fixtures.path("models/tiny-moa").toString(), "--steps", "2", "-q", "--prompt", "a man in a cafe",
                "--subject", "man=" + MAN, "--with-prior", "--seeds", "3-5", "-o", out.toString());
        assertEquals(0, r.code(), r.toString());
        // prior row (3 seeds) then the MoA row (3 seeds), each file named by its seed, and the grid: 3 columns of at
        // least 128 px, 2 rows
        for (String f : new String[] {"g-seed3-prior.png", "g-seed4-prior.png", "g-seed5-prior.png", "g-seed3.png",
            "g-seed4.png", "g-seed5.png"}) {
            assertTrue(Files.exists(dir.resolve(f)), f + " in " + Arrays.toString(dir.toFile().list()));
        }
        assertTrue(PngText.read(dir.resolve("g-seed3.png")).get("parameters").contains("Seed: 3"));
        assertTrue(PngText.read(dir.resolve("g-seed5.png")).get("parameters").contains("Seed: 5"));
        // the grid's seed-3 MoA image is the same computation as a single --seed 3 run
        Path single = dir.resolve("single.png");
        assertEquals(0, CliRunner.run("generate", "--model", Fixtures.path("models/tiny-sd").toString(), "--moa",
                Fixtures.path("models/tiny-moa").toString(), "--steps", "2", "-q", "--prompt", "a man in a cafe",
                "--subject", "man=" + MAN, "--seed", "3", "-o", single.toString()).code());
        assertArrayEquals(Images.read(single).data(), Images.read(dir.resolve("g-seed3.png")).data());
        RgbImage grid = Images.read(dir.resolve("g-grid.png"));
        assertTrue(grid.width() >= 3 * 128 && grid.height() >= 2 * 128, grid.width() + "x" + grid.height());
        r = CliRunner.run(args("--subject", "man=" + MAN, "--seeds", "0-7", "--batch", "2", "-o", out.toString()));
        assertTrue(r.code() != 0 && r.err().contains("--seeds does not go with"), r.toString());
        r = CliRunner.run(args("--subject", "man=" + MAN, "--seeds", "9-2", "-o", out.toString()));
        assertTrue(r.code() != 0 && r.err().contains("range 9-2 must go upwards"), r.toString());
    }

    @Test
    void subjectSetsSwapSubjectsAtTheSameSeed() throws Exception {
        ok("--prompt", "a man in a cafe", "--subjects", "man=" + MAN, "--subjects", "man=" + WOMAN, "-o",
                dir.resolve("swap.png").toString());
        RgbImage a = Images.read(dir.resolve("swap.png"));
        RgbImage b = Images.read(dir.resolve("swap-2.png"));
        assertFalse(Arrays.equals(a.data(), b.data()));
        // same seed and context: the two images are far closer to each other than to an unrelated seed
        ok("--prompt", "a man in a cafe", "--subject", "man=" + MAN, "--seed", "71", "-o", dir.resolve("other.png").toString());
        assertTrue(dist(a, b) < dist(a, Images.read(dir.resolve("other.png"))));
    }

    private static double dist(RgbImage a, RgbImage b) {
        double d = 0;
        for (int i = 0; i < a.data().length; i++) {
            d += Math.abs((a.data()[i] & 0xff) - (b.data()[i] & 0xff));
        }
        return d;
    }

    @Test
    void morphWritesFramesAndAGifWhoseEndsAreTheTwoSubjects() throws Exception {
        ok("--prompt", "a man in a cafe", "--morph", "man=" + MAN + "," + WOMAN, "--frames", "3", "--with-prior", "-o",
                dir.resolve("m.png").toString());
        for (int k = 0; k < 3; k++) {
            assertTrue(Files.exists(dir.resolve(String.format("m-frame-%02d.png", k))));
        }
        // --with-prior: the prior and a sheet (references, prior, frames); the animation is named after --output
        assertTrue(Files.exists(dir.resolve("m-prior.png")));
        assertTrue(Images.read(dir.resolve("m-sheet.png")).width() >= 6 * 128);
        Path gif = dir.resolve("m.gif");
        try (ImageInputStream in = ImageIO.createImageInputStream(gif.toFile())) {
            ImageReader r = ImageIO.getImageReadersByFormatName("gif").next();
            r.setInput(in);
            assertEquals(3, r.getNumImages(true));
        }
        ok("--prompt", "a man in a cafe", "--subject", "man=" + MAN, "-o", dir.resolve("a.png").toString());
        ok("--prompt", "a man in a cafe", "--subject", "man=" + WOMAN, "-o", dir.resolve("b.png").toString());
        // the end frames use each photo's own embedding, as --subject does; the interpolation and the frame's
        // batch are separate computations, so the pixels are compared within one level (1/255)
        Close.assertPixelsClose(Images.read(dir.resolve("a.png")), Images.read(dir.resolve("m-frame-00.png")), 1,
                "first morph frame vs --subject A");
        Close.assertPixelsClose(Images.read(dir.resolve("b.png")), Images.read(dir.resolve("m-frame-02.png")), 1,
                "last morph frame vs --subject B");
        assertFalse(Arrays.equals(Images.read(dir.resolve("m-frame-01.png")).data(),
                Images.read(dir.resolve("a.png")).data()));
    }

    @Test
    void routerMapsPicture() throws Exception {
        Path maps = dir.resolve("maps.png");
        ok("--prompt", "a man in a cafe", "--subject", "man=" + MAN, "--router-maps", maps.toString(), "-o",
                dir.resolve("r.png").toString());
        RgbImage m = Images.read(maps);
        assertTrue(m.width() >= 3 * 256 && m.height() >= 2 * 256, m.width() + "x" + m.height());
        // the heat map is not a flat colour
        int first = m.rgb(m.width() - 20, 100);
        boolean varies = false;
        for (int y = 40; y < 250 && !varies; y += 7) {
            for (int x = m.width() - 250; x < m.width() - 10 && !varies; x += 7) {
                varies = m.rgb(x, y) != first;
            }
        }
        assertTrue(varies);
    }

    @Test
    void markerPromptsNeedNoWords() throws Exception {
        ok("--prompt", "a man <|image|> and a woman <|image|> talking in a cafe", "--subject", MAN, "--subject", WOMAN,
                "-o", dir.resolve("mk.png").toString());
        ok("--prompt", "a man and a woman talking in a cafe", "--subject", "man=" + MAN, "--subject", "woman=" + WOMAN,
                "-o", dir.resolve("words.png").toString());
        // exact: the same computation (same tokens, positions, photos and batch), only the prompt's spelling differs
        assertArrayEquals(Images.read(dir.resolve("words.png")).data(), Images.read(dir.resolve("mk.png")).data());
    }

    @Test
    void badSubjectsGiveClearErrors() throws Exception {
        CliRunner.Result r = CliRunner.run(args("--prompt", "a dog", "--subject", "man=" + MAN, "-o", dir.resolve("x.png").toString()));
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("subject word 'man' is not in the prompt"), r.err());
        r = CliRunner.run(args("--prompt", "a b c d e", "--subject", "a=" + MAN, "--subject", "b=" + MAN, "--subject",
                "c=" + MAN, "--subject", "d=" + MAN, "--subject", "e=" + MAN));
        assertTrue(r.err().contains("at most 4"), r.err());
        Path notImage = dir.resolve("notes.png");
        Files.writeString(notImage, "not an image");
        r = CliRunner.run(args("--prompt", "a man", "--subject", "man=" + notImage));
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains(notImage.toString()), r.err());
        r = CliRunner.run(args("--prompt", "a man", "--subject", "man=" + dir.resolve("missing.jpg")));
        assertTrue(r.err().contains("image file not found"), r.err());
        r = CliRunner.run(args("--mode", "fancy"));
        assertTrue(r.err().contains("unknown MoA mode 'fancy'"), r.err());
        try (var s = Files.list(dir)) {
            assertEquals(1, s.count(), "only the test's own notes.png");
        }
    }
}
