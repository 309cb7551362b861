package dev.moa.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moa.image.ClipImageProcessor;
import dev.moa.image.PngWriter;
import dev.moa.image.RgbImage;
import dev.moa.text.Encoding;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JSON Lines manifest format. */
class ManifestDatasetTest {
    @TempDir
    Path dir;

    static final int W = 36, H = 24;
    static final int[][] BOXES = {{2, 2, 14, 20}, {20, 4, 34, 22}};

    private void files() throws IOException {
        Files.createDirectories(dir.resolve("img"));
        Files.createDirectories(dir.resolve("masks"));
        RgbImage img = TestData.picture(W, H, 0x101010, BOXES, new int[] {0xFF0000, 0x0000FF});
        PngWriter.write(dir.resolve("img/a.png"), img);
        // mask 1: a grey-level picture (value 1 counts: nonzero), mask 2: an npy label map
        PngWriter.write(dir.resolve("masks/a_man.png"),
                TestData.picture(W, H, 0, new int[][] {BOXES[0]}, new int[] {0x010101}));
        Files.write(dir.resolve("masks/a_man2.npy"), Npy.encodeInts(TestData.labels(W, H, new int[][] {BOXES[1]}, new int[] {255}), "|u1", H, W));
        PngWriter.write(dir.resolve("ref.png"), RgbImage.filled(10, 30, 0x00FF00));
    }

    @Test
    void readsEntriesWithMasksBoxesAndReferences() throws IOException {
        files();
        Path manifest = dir.resolve("train.jsonl");
        Files.writeString(manifest, String.join("\n",
                "{\"image\": \"img/a.png\", \"caption\": \"a man and a man\", \"subjects\": ["
                        + "{\"word\": \"man\", \"mask\": \"masks/a_man.png\"},"
                        + "{\"word\": \"Man\", \"mask\": \"masks/a_man2.npy\", \"reference\": \"ref.png\", \"label\": \"person\"}]}",
                "",
                "{\"id\": \"boxed\", \"image\": \"img/a.png\", \"caption\": \"a tall man\", \"subjects\": ["
                        + "{\"word\": \"tall man\", \"bbox\": [20, 4, 34, 22]}]}",
                "{\"image\": \"img/a.png\", \"caption\": \"\"}") + "\n");
        ManifestDataset ds = ManifestDataset.open(manifest);
        assertEquals(3, ds.size());
        assertEquals("img/a.png", ds.id(0));
        assertEquals("boxed", ds.id(1));

        SourceExample a = ds.load(0);
        assertEquals(2, a.subjects().size());
        SourceSubject first = a.subjects().get(0), second = a.subjects().get(1);
        assertEquals(new Box(2, 2, 14, 20), first.mask().bounds());
        assertEquals(12 * 18, first.mask().area());
        assertEquals(first.mask().bounds(), first.bbox(), "bbox defaults to the mask's bounds");
        assertEquals(new Box(20, 4, 34, 22), second.mask().bounds());
        assertNull(first.reference());
        assertNotNull(second.reference());
        assertEquals(10, second.reference().width());
        assertEquals("person", second.label());

        SourceExample boxed = ds.load(1);
        assertEquals(new Box(20, 4, 34, 22), boxed.subjects().get(0).bbox());
        assertEquals(14 * 18, boxed.subjects().get(0).mask().area(), "a bbox without mask is the mask");
        assertTrue(ds.load(2).subjects().isEmpty());

        // binding: the same word twice takes the first, then the second occurrence; phrases bind their last word
        Preprocessor p = new Preprocessor(TestData.tokenizer(), PreprocessOptions.evaluation().withResolution(24)
                .withReferenceProcessor(ClipImageProcessor.square(12)).withMinVisibleFraction(0));
        TrainingExample t = p.prepare(a, 3, 0, 0);
        Encoding enc = TestData.tokenizer().encodeDetailedPadded("a man and a man");
        int[] men = enc.findWords("man");
        assertArrayEquals(new int[] {enc.lastPositionOfWord(men[0]), enc.lastPositionOfWord(men[1])},
                t.subjects().stream().mapToInt(SubjectSample::tokenPosition).toArray());
        TrainingExample tb = p.prepare(boxed, 3, 0, 0);
        assertEquals("man", tb.subjects().get(0).word());
        // a separate reference is used whole: padded to a square (black), so green in the middle, black at the sides
        RgbImage ref = p.referencePicture(a, 1, 3, 0, 0);
        assertEquals(12, ref.width());
        assertEquals(0x00FF00, ref.rgb(6, 6));
        assertEquals(0x000000, ref.rgb(0, 6));
    }

    @Test
    void errorsNameTheLineAndTheFile() throws IOException {
        files();
        Path m = dir.resolve("m.jsonl");
        String[][] cases = {
            {"{\"image\": \"img/a.png\", \"caption\": \"x\"", "invalid JSON"},
            {"{\"caption\": \"x\"}", "no \"image\""},
            {"{\"image\": \"img/a.png\"}", "no \"caption\""},
            {"{\"image\": \"img/a.png\", \"caption\": \"a man\", \"subjects\": [{\"word\": \"man\"}]}", "needs \"mask\""},
            {"{\"image\": \"img/a.png\", \"caption\": \"a man\", \"subjects\": [{\"mask\": \"masks/a_man.png\"}]}",
                "needs \"word\""},
            {"{\"image\": \"img/gone.png\", \"caption\": \"a man\"}", "gone.png not found"},
            {"{\"image\": \"img/a.png\", \"caption\": \"a man\", \"subjects\": [{\"word\": \"man\", \"bbox\": [5, 5, 5, 9]}]}",
                "empty"},
        };
        for (String[] c : cases) {
            Files.writeString(m, "\n" + c[0] + "\n");
            DataFormatException e = assertThrows(DataFormatException.class, () -> ManifestDataset.open(m), c[0]);
            assertTrue(e.getMessage().contains("m.jsonl line 2") && e.getMessage().contains(c[1]), e.getMessage());
        }
        // a mask of the wrong size is found when the entry is loaded
        PngWriter.write(dir.resolve("masks/small.png"), RgbImage.filled(W - 1, H, 0xFFFFFF));
        Files.writeString(m, "{\"image\": \"img/a.png\", \"caption\": \"a man\", \"subjects\": "
                + "[{\"word\": \"man\", \"mask\": \"masks/small.png\"}]}\n");
        ManifestDataset ds = ManifestDataset.open(m);
        DataFormatException e = assertThrows(DataFormatException.class, () -> ds.load(0));
        assertTrue(e.getMessage().contains("line 1") && e.getMessage().contains("small.png")
                && e.getMessage().contains("35x24"), e.getMessage());
    }

    @Test
    void missingWordsAndEmptyMasksAreCountedNotFatal() throws IOException {
        files();
        PngWriter.write(dir.resolve("masks/none.png"), RgbImage.filled(W, H, 0));
        Path m = dir.resolve("m.jsonl");
        Files.writeString(m, "{\"image\": \"img/a.png\", \"caption\": \"a man\", \"subjects\": ["
                + "{\"word\": \"woman\", \"mask\": \"masks/a_man.png\"},"
                + "{\"word\": \"man\", \"mask\": \"masks/none.png\"},"
                + "{\"word\": \"man\", \"mask\": \"masks/a_man.png\"},"
                + "{\"word\": \"man\", \"mask\": \"masks/a_man2.npy\"}]}\n");
        DataWarnings w = new DataWarnings(0);
        Preprocessor p = new Preprocessor(TestData.tokenizer(), PreprocessOptions.evaluation().withResolution(24)
                .withReferenceProcessor(ClipImageProcessor.square(12)));
        TrainingExample t = p.prepare(ManifestDataset.open(m).load(0), 0, 0, 0, w);
        assertEquals(List.of("man"), t.subjects().stream().map(SubjectSample::word).toList());
        assertEquals(2, t.subjects().get(0).sourceIndex());
        assertEquals(2, w.count(DataWarnings.Kind.WORD_NOT_IN_CAPTION),
                "'woman' is not in the caption, and the fourth subject finds its only 'man' taken");
        assertEquals(1, w.count(DataWarnings.Kind.EMPTY_MASK));
        assertEquals(0, w.count(DataWarnings.Kind.SAME_TOKEN));
    }
}
