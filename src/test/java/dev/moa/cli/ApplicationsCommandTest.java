package dev.moa.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moa.image.Images;
import dev.moa.image.PngText;
import dev.moa.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The paper's applications through the CLI on the tiny models: img2img, real-image swap, subject strength. */
class ApplicationsCommandTest {
    static final String TINY = Fixtures.path("models/tiny-sd").toString();
    static final String MOA = Fixtures.path("models/tiny-moa").toString();
    static final String MAN = Fixtures.path("ref/moa_files/pub_man.png").toString();
    static final String WOMAN = Fixtures.path("ref/moa_files/pub_woman.png").toString();

    @TempDir
    Path dir;

    @Test
    void imageToImageWritesAPictureOfTheInputsSize() throws Exception {
        Path out = dir.resolve("i2i.png");
        CliRunner.Result r = CliRunner.run("generate", "--model", TINY, "--init-image", MAN, "--denoise", "0.5", "--steps",
                "4", "--seed", "1", "-q", "--width", "32", "--height", "32", "-o", out.toString());
        assertEquals(0, r.code(), r.toString());
        assertEquals(32, Images.read(out).width());
        r = CliRunner.run("generate", "--model", TINY, "--denoise", "0.5", "-o", dir.resolve("x.png").toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("--denoise needs --init-image"), r.err());
        r = CliRunner.run("generate", "--model", TINY, "--init-image", MAN, "--denoise", "1.5", "-o", dir.resolve("x.png").toString());
        assertTrue(r.err().contains("denoising strength must be between 0 and 1"), r.err());
    }

    @Test
    void swapWritesTheResultAndASheet() throws Exception {
        Path out = dir.resolve("swap.png");
        CliRunner.Result r = CliRunner.run("swap", "--model", TINY, "--moa", MOA, "--image", MAN, "--prompt",
                "a photo of a man", "--subject", "man=" + WOMAN, "--steps", "4", "-q", "-o", out.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(Files.exists(dir.resolve("swap-sheet.png")));
        assertTrue(PngText.read(out).get("parameters").contains("Swap input: pub_man.png, Swap depth: 1"));
        r = CliRunner.run("swap", "--model", TINY, "--moa", MOA, "--image", MAN, "--prompt", "a photo of a man",
                "--subject", "man=" + WOMAN, "--depth", "0", "-o", out.toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("--depth must be in (0, 1]"), r.err());
        // with a mask: recorded, and shown on the sheet as a fifth column
        Path mask = dir.resolve("mask.png");
        dev.moa.image.PngWriter.write(mask, dev.moa.image.RgbImage.filled(20, 20, 0xFFFFFF));
        Path masked = dir.resolve("masked.png");
        r = CliRunner.run("swap", "--model", TINY, "--moa", MOA, "--image", MAN, "--prompt", "a photo of a man",
                "--subject", "man=" + WOMAN, "--steps", "2", "--mask", mask.toString(), "-q", "-o", masked.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(PngText.read(masked).get("parameters").contains("Swap mask: mask.png"));
        assertTrue(Images.read(dir.resolve("masked-sheet.png")).width() > Images.read(dir.resolve("swap-sheet.png")).width(),
                "the mask adds a column");
        r = CliRunner.run("swap", "--model", TINY, "--moa", MOA, "--image", MAN, "--prompt", "a photo of a man",
                "--subject", "man=" + WOMAN, "--mask", dir.resolve("missing.png").toString(), "-o", out.toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("missing.png"), r.err());
    }

    @Test
    void strengthIsRecordedAndChecked() throws Exception {
        Path out = dir.resolve("s.png");
        CliRunner.Result r = CliRunner.run("generate", "--model", TINY, "--moa", MOA, "--prompt", "a man in a cafe",
                "--subject", "man=" + MAN, "--strength", "0.5", "--steps", "2", "-q", "-o", out.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(PngText.read(out).get("parameters").contains("MoA strength: 0.5"));
        r = CliRunner.run("generate", "--model", TINY, "--moa", MOA, "--subject", "man=" + MAN, "--strength", "2");
        assertTrue(r.err().contains("--strength must be between 0 and 1"), r.err());
        // per subject
        Path each = dir.resolve("each.png");
        r = CliRunner.run("generate", "--model", TINY, "--moa", MOA, "--prompt", "a man and a woman in a cafe",
                "--subject", "man=" + MAN, "--subject", "woman=" + WOMAN, "--subject-strength", "woman=0.25",
                "--steps", "2", "-q", "-o", each.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(PngText.read(each).get("parameters").contains("MoA subject strength: man 1; woman 0.25"),
                PngText.read(each).get("parameters"));
        r = CliRunner.run("generate", "--model", TINY, "--moa", MOA, "--subject", "man=" + MAN, "--subject-strength",
                "dog=0.5", "-o", dir.resolve("x.png").toString());
        assertTrue(r.err().contains("no --subject for the word 'dog'"), r.err());
        r = CliRunner.run("generate", "--model", TINY, "--moa", MOA, "--subject", "man=" + MAN, "--subject-strength",
                "man=high", "-o", dir.resolve("x.png").toString());
        assertTrue(r.err().contains("'high' is not a number"), r.err());
        r = CliRunner.run("generate", "--model", TINY, "--moa", MOA, "--prompt", "a man", "--morph", "man=" + MAN + "," + WOMAN,
                "--subject-strength", "man=0.5", "-o", dir.resolve("x.png").toString());
        assertTrue(r.err().contains("--subject-strength does not apply to --morph"), r.err());
    }

    @Test
    void keepBackgroundIsRecordedAndChecked() throws Exception {
        Path out = dir.resolve("k.png");
        CliRunner.Result r = CliRunner.run("generate", "--model", TINY, "--moa", MOA, "--prompt", "a man in a cafe",
                "--subject", "man=" + MAN, "--keep-background", "--with-prior", "--steps", "2", "-q", "-o", out.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(PngText.read(out).get("parameters").contains("MoA keep background: router"),
                PngText.read(out).get("parameters"));
        r = CliRunner.run("generate", "--model", TINY, "--moa", MOA, "--subject", "man=" + MAN, "--mode", "prior",
                "--keep-background", "-o", dir.resolve("x.png").toString());
        assertTrue(r.err().contains("--keep-background needs --mode moa"), r.err());
        r = CliRunner.run("generate", "--model", TINY, "--keep-background", "-o", dir.resolve("x.png").toString());
        assertTrue(r.err().contains("--keep-background") && r.err().contains("need --moa DIR"), r.err());
    }
}
