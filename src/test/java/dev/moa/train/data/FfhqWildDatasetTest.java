package dev.moa.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moa.image.ClipImageProcessor;
import dev.moa.image.RgbImage;
import dev.moa.text.Encoding;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading FastComposer's FFHQ-wild layout from a tiny hand-made set. */
class FfhqWildDatasetTest {
    @TempDir
    Path root;

    static final int W = 40, H = 30;
    // caption offsets:       0         1         2         3         4
    //                        0123456789012345678901234567890123456789012345
    static final String CAPTION = "a woman and a policeman with a dog in a park";
    static final int[][] BOXES = {{2, 3, 12, 20}, {15, 5, 25, 28}, {28, 18, 38, 26}};
    static final int[] IDS = {7, 3, 11};

    @BeforeEach
    void makeSet() throws IOException {
        RgbImage img = TestData.picture(W, H, 0x204080, BOXES, new int[] {0xFF0000, 0x00FF00, 0xFFFF00});
        byte[] seg = Npy.encodeInts(TestData.labels(W, H, BOXES, IDS), "<i8", H, W);
        // segments listed out of caption order; "policeman" ends mid-word at "police|man" (end 20);
        // the dog's bbox is given with fractions and partly outside the picture
        String json = "{\"caption\": \"" + CAPTION + "\", \"segments\": ["
                + "{\"id\": 3, \"bbox\": [15, 5, 25, 28], \"end\": 20, \"coco_label\": \"person\"},"
                + "{\"id\": 7, \"bbox\": [2, 3, 12, 20], \"end\": 7, \"coco_label\": \"person\"},"
                + "{\"id\": 11, \"bbox\": [27.5, 17.2, 45, 26], \"end\": 34, \"coco_label\": \"dog\"}]}";
        TestData.ffhqEntry(root, "00001", img, json, seg);
        // 00002: a truncated segmentation map (found only when loaded)
        TestData.ffhqEntry(root, "00002", img, json, seg);
        Path npy = root.resolve("00002/00002.npy");
        byte[] b = Files.readAllBytes(npy);
        Files.write(npy, java.util.Arrays.copyOf(b, b.length - 100));
        // 0000300: a longer id in chunk 00003 whose json is missing
        TestData.ffhqEntry(root, "0000300", img, json, seg);
        Files.delete(root.resolve("00003/0000300.json"));
        // 00004: a segmentation map of the wrong size
        TestData.ffhqEntry(root, "00004", img, json, Npy.encodeInts(new int[W * (H - 1)], "|u1", H - 1, W));
        TestData.idList(root, "image_ids.txt", List.of("00001", "00002", "0000300", "00004"));
        TestData.idList(root, "image_ids_train.txt", List.of("00001", "00002"));
        TestData.idList(root, "image_ids_test.txt", List.of("00004", ""));
    }

    @Test
    void readsSubjectsInCaptionOrderWithMasksAndBoxes() throws IOException {
        FfhqWildDataset ds = FfhqWildDataset.open(root, FfhqWildDataset.Split.TRAIN);
        assertEquals(List.of("00001", "00002"), ds.ids());
        SourceExample e = ds.load(0);
        assertEquals("00001", e.id());
        assertEquals(CAPTION, e.caption());
        assertEquals(W, e.image().width());
        assertEquals(H, e.image().height());
        assertEquals(0xFF0000, e.image().rgb(5, 5));
        List<SourceSubject> s = e.subjects();
        assertEquals(3, s.size());
        assertArrayEquals(new int[] {7, 20, 34}, s.stream().mapToInt(SourceSubject::end).toArray(), "sorted by end");
        assertEquals("dog", s.get(2).label());
        for (int k = 0; k < 3; k++) {
            int[] box = BOXES[new int[] {0, 1, 2}[k]];
            BinaryMask m = s.get(k).mask();
            assertEquals((box[2] - box[0]) * (box[3] - box[1]), m.area());
            assertEquals(new Box(box[0], box[1], box[2], box[3]), m.bounds());
            assertTrue(m.get(box[0], box[1]) && !m.get(box[0] - 1, box[1]));
        }
        assertEquals(new Box(2, 3, 12, 20), s.get(0).bbox());
        assertEquals(new Box(27, 17, 40, 26), s.get(2).bbox(), "fractions widened, clipped to the picture");
        assertNull(s.get(0).reference());
        assertNull(s.get(0).word());
    }

    @Test
    void labelFilterFollowsFastComposer() throws IOException {
        FfhqWildDataset persons = FfhqWildDataset.open(root, FfhqWildDataset.Split.TRAIN,
                FfhqWildDataset.Options.defaults().withLabels(FfhqWildDataset.FASTCOMPOSER_LABELS));
        List<SourceSubject> s = persons.load(0).subjects();
        assertEquals(2, s.size());
        assertTrue(s.stream().allMatch(x -> x.label().equals("person")));
    }

    @Test
    void subjectWordIsTheLastTokenBeforeEnd() throws IOException {
        SourceExample e = FfhqWildDataset.open(root, FfhqWildDataset.Split.TRAIN).load(0);
        PreprocessOptions o = PreprocessOptions.evaluation().withResolution(32)
                .withReferenceProcessor(ClipImageProcessor.square(16));
        TrainingExample t = new Preprocessor(TestData.tokenizer(), o).prepare(e, 1, 0, 0);
        Encoding enc = TestData.tokenizer().encodeDetailedPadded(CAPTION);
        assertEquals(List.of("woman", "policeman", "dog"), t.subjects().stream().map(SubjectSample::word).toList());
        int[] expected = {enc.lastPositionOfWord(enc.findWords("woman")[0]),
            enc.lastPositionOfWord(enc.findWords("policeman")[0]), enc.lastPositionOfWord(enc.findWords("dog")[0])};
        assertArrayEquals(expected, t.subjects().stream().mapToInt(SubjectSample::tokenPosition).toArray());
        assertArrayEquals(enc.ids(), t.inputIds());
        // the end offset rule on its own: 'end' just after a word, inside a word, and after a space
        assertEquals("woman", enc.wordText(Preprocessor.wordBefore(enc, 7)));
        assertEquals("policeman", enc.wordText(Preprocessor.wordBefore(enc, 20)));
        assertEquals("woman", enc.wordText(Preprocessor.wordBefore(enc, 8)));
        assertEquals(-1, Preprocessor.wordBefore(enc, 0));
    }

    @Test
    void badEntriesFailWithTheirFileNamed() throws IOException {
        FfhqWildDataset train = FfhqWildDataset.open(root, FfhqWildDataset.Split.TRAIN);
        DataFormatException e = assertThrows(DataFormatException.class, () -> train.load(1));
        assertTrue(e.getMessage().contains("00002") && e.getMessage().contains("00002.npy")
                && e.getMessage().contains("truncated"), e.getMessage());

        DataFormatException missing = assertThrows(DataFormatException.class,
                () -> FfhqWildDataset.open(root, FfhqWildDataset.Split.ALL));
        assertTrue(missing.getMessage().contains("0000300.json") && missing.getMessage().contains("not found"),
                missing.getMessage());
        FfhqWildDataset all = FfhqWildDataset.open(root, FfhqWildDataset.Split.ALL,
                FfhqWildDataset.Options.defaults().withSkipMissing(true));
        assertEquals(List.of("00001", "00002", "00004"), all.ids());
        assertEquals(List.of("0000300"), all.missingIds());

        FfhqWildDataset test = FfhqWildDataset.open(root, FfhqWildDataset.Split.TEST);
        assertEquals(1, test.size(), "blank lines are ignored");
        DataFormatException size = assertThrows(DataFormatException.class, () -> test.load(0));
        assertTrue(size.getMessage().contains("00004.npy") && size.getMessage().contains("40x29"), size.getMessage());

        DataFormatException noSet = assertThrows(DataFormatException.class,
                () -> FfhqWildDataset.open(root.resolve("00001"), FfhqWildDataset.Split.ALL));
        assertTrue(noSet.getMessage().contains("image_ids.txt"), noSet.getMessage());
    }

    @Test
    void corruptJsonAndBadSegmentsAreReported() throws IOException {
        RgbImage img = TestData.picture(W, H, 0, BOXES, new int[] {1, 2, 3});
        byte[] seg = Npy.encodeInts(TestData.labels(W, H, BOXES, IDS), "<i4", H, W);
        TestData.ffhqEntry(root, "00010", img, "{\"caption\": \"a man\", \"segments\": [", seg);
        TestData.ffhqEntry(root, "00011", img, "{\"caption\": \"a man\", \"segments\": [{\"id\": 3, \"end\": 9}]}", seg);
        TestData.ffhqEntry(root, "00012", img, "{\"caption\": \"a man\", \"segments\": [{\"id\": 3}]}", seg);
        TestData.idList(root, "image_ids.txt", List.of("00010", "00011", "00012"));
        FfhqWildDataset ds = FfhqWildDataset.open(root, FfhqWildDataset.Split.ALL);
        String[] expect = {"invalid JSON", "outside the caption", "\"end\""};
        for (int i = 0; i < 3; i++) {
            final int index = i;
            DataFormatException e = assertThrows(DataFormatException.class, () -> ds.load(index));
            assertTrue(e.getMessage().contains(ds.id(i) + ".json") && e.getMessage().contains(expect[i]), e.getMessage());
        }
    }

    @Test
    void loaderSkipsBadEntriesWhenAsked() throws IOException {
        FfhqWildDataset ds = FfhqWildDataset.open(root, FfhqWildDataset.Split.TRAIN);
        Preprocessor p = new Preprocessor(TestData.tokenizer(), PreprocessOptions.evaluation().withResolution(16)
                .withReferenceProcessor(ClipImageProcessor.square(8)));
        try (DataLoader strict = DataLoader.builder(ds, p).batchSize(2).threads(0).build()) {
            IOException e = assertThrows(IOException.class, strict::next);
            assertTrue(e.getMessage().contains("00002.npy"), e.getMessage());
        }
        DataWarnings w = new DataWarnings(0);
        try (DataLoader lenient = DataLoader.builder(ds, p).batchSize(2).threads(2).skipBadEntries(true).warnings(w).build()) {
            for (int step = 0; step < 3; step++) {
                TrainingBatch b = lenient.next();
                assertEquals(List.of("00001", "00001"), b.ids(), "the bad entry's slot is taken by the good one");
            }
        }
        assertTrue(w.count(DataWarnings.Kind.BAD_ENTRY) >= 1);
        assertFalse(w.snapshot().containsKey(DataWarnings.Kind.EMPTY_MASK));
    }

    @Test
    void endOffsetsCountCodePointsAsPythonDoes() throws IOException {
        RgbImage img = TestData.picture(W, H, 0, BOXES, new int[] {1, 2, 3});
        byte[] seg = Npy.encodeInts(TestData.labels(W, H, BOXES, IDS), "|u1", H, W);
        // "\uD83D\uDE00 a man": the emoji is one character for Python, two for Java; "man" ends at Python offset 7
        TestData.ffhqEntry(root, "00020", img, "{\"caption\": \"\\ud83d\\ude00 a man\", \"segments\": "
                + "[{\"id\": 7, \"end\": 7, \"coco_label\": \"person\"}]}", seg);
        TestData.idList(root, "image_ids.txt", List.of("00020"));
        SourceExample e = FfhqWildDataset.open(root, FfhqWildDataset.Split.ALL).load(0);
        assertEquals(8, e.subjects().get(0).end());
        TrainingExample t = new Preprocessor(TestData.tokenizer(), PreprocessOptions.evaluation().withResolution(16)
                .withReferenceProcessor(ClipImageProcessor.square(8))).prepare(e, 0, 0, 0);
        assertEquals("man", t.subjects().get(0).word());
    }
}
