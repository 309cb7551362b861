package dev.moa.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moa.image.ClipImageProcessor;
import dev.moa.image.RgbImage;
import dev.moa.text.Encoding;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Preprocessing invariants: geometry, masks, references, dropout, binding, determinism. */
class PreprocessorTest {
    static final int RED = 0xFF0000, BLUE = 0x0000FF;

    /** One red subject (a rectangle) on blue; its mask is exactly the rectangle. */
    static SourceExample redOnBlue(int w, int h, int[] box, String caption, String word) {
        RgbImage img = TestData.picture(w, h, BLUE, new int[][] {box}, new int[] {RED});
        BinaryMask mask = BinaryMask.ofLabel(w, h, TestData.labels(w, h, new int[][] {box}, new int[] {1}), 1);
        return new SourceExample("red", img, caption, List.of(new SourceSubject(word, -1, mask, mask.bounds(), null, null)));
    }

    static Preprocessor preprocessor(PreprocessOptions o) {
        return new Preprocessor(TestData.tokenizer(), o);
    }

    /** Channel 0 of pixel i of a CHW [-1, 1] picture, as 0..255. */
    static int red(float[] chw, int i) {
        return Math.round((chw[i] + 1) * 127.5f);
    }

    static int blue(float[] chw, int res, int i) {
        return Math.round((chw[2 * res * res + i] + 1) * 127.5f);
    }

    @Test
    void flipMovesPictureAndMasksTogether() {
        int res = 48;
        // asymmetric subject: left part of the picture; no resize (the picture is already R x R)
        SourceExample src = redOnBlue(res, res, new int[] {4, 10, 20, 30}, "a box", "box");
        Preprocessor p = preprocessor(PreprocessOptions.training().withResolution(res).withCrop(PreprocessOptions.CropMode.CENTER)
                .withReferenceProcessor(ClipImageProcessor.square(16)).withDropout(0, 0));
        TrainingExample plain = null, flipped = null;
        for (int i = 0; i < 40 && (plain == null || flipped == null); i++) {
            TrainingExample t = p.prepare(src, 5, 0, i);
            if (t.flipped()) {
                flipped = t;
            } else {
                plain = t;
            }
        }
        assertTrue(plain != null && flipped != null, "both outcomes within 40 draws");
        float[] m0 = plain.subjects().get(0).mask(), m1 = flipped.subjects().get(0).mask();
        for (int y = 0; y < res; y++) {
            for (int x = 0; x < res; x++) {
                int i = y * res + x, j = y * res + (res - 1 - x);
                assertEquals(m0[i], m1[j], "flipped mask is the mirror image");
                assertEquals(m0[i] == 1, red(plain.image(), i) == 255 && blue(plain.image(), res, i) == 0, "plain " + x + "," + y);
                assertEquals(m1[i] == 1, red(flipped.image(), i) == 255 && blue(flipped.image(), res, i) == 0, "flip " + x + "," + y);
            }
        }
        assertEquals(1f, m0[15 * res + 5]);
        assertEquals(0f, m1[15 * res + 5], "the subject moved to the right");
    }

    @Test
    void randomCropKeepsMasksAligned() {
        int res = 40;
        // landscape 100 x 40: the window slides horizontally; subject near the middle
        SourceExample src = redOnBlue(100, 40, new int[] {38, 8, 62, 30}, "a box", "box");
        Preprocessor p = preprocessor(PreprocessOptions.training().withResolution(res)
                .withReferenceProcessor(ClipImageProcessor.square(8)).withDropout(0, 0).withMinVisibleFraction(0));
        Set<Integer> firstColumns = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            TrainingExample t = p.prepare(src, 11, 2, i);
            if (t.subjects().isEmpty()) {
                continue; // cropped out entirely
            }
            float[] m = t.subjects().get(0).mask();
            int first = -1;
            for (int y = 0; y < res; y++) {
                for (int x = 0; x < res; x++) {
                    int k = y * res + x;
                    boolean isRed = red(t.image(), k) == 255 && blue(t.image(), res, k) == 0;
                    assertEquals(m[k] == 1, isRed, "seed index " + i + " pixel " + x + "," + y);
                    if (y == 15 && m[k] == 1 && first < 0) {
                        first = x;
                    }
                }
            }
            firstColumns.add(first);
        }
        assertTrue(firstColumns.size() > 5, "the crop window moves: " + firstColumns);
    }

    @Test
    void resizedMasksStayOnTheSubject() {
        // 160 x 120 picture, R = 48: downscaled by 2.5 with antialiasing, so edges blur; the subject's edges
        // fall between output pixels (x 13.2 and 42.8, y 8.4 and 35.6), where a half-pixel shift would show
        SourceExample src = redOnBlue(160, 120, new int[] {33, 21, 107, 89}, "a box", "box");
        Preprocessor p = preprocessor(PreprocessOptions.evaluation().withResolution(48)
                .withReferenceProcessor(ClipImageProcessor.square(8)));
        TrainingExample t = p.prepare(src, 0, 0, 0);
        float[] m = t.subjects().get(0).mask();
        int mismatches = 0, area = 0;
        for (int k = 0; k < m.length; k++) {
            area += m[k];
            boolean isRed = red(t.image(), k) > 127;
            mismatches += (m[k] == 1) != isRed ? 1 : 0;
        }
        // expected: columns 13..42 and rows 8..35 (pixel centres inside the scaled box)
        assertEquals(30 * 28, area);
        assertTrue(mismatches <= 4, mismatches + " pixels disagree (at most the four corners, where the coverage is 0.48)");
    }

    @Test
    void referenceIsSquareAndClipNormalised() {
        SourceExample src = redOnBlue(64, 48, new int[] {10, 5, 30, 45}, "a box", "box");
        ClipImageProcessor clip = ClipImageProcessor.square(24);
        Preprocessor p = preprocessor(PreprocessOptions.training().withResolution(32).withReferenceProcessor(clip)
                .withDropout(0, 0));
        TrainingExample t = p.prepare(src, 1, 0, 3);
        float[] ref = t.subjects().get(0).reference();
        assertEquals(3 * 24 * 24, ref.length);
        assertEquals(24, t.referenceSize());
        RgbImage pic = p.referencePicture(src, 0, 1, 0, 3);
        assertEquals(24, pic.width());
        assertEquals(24, pic.height());
        assertArrayEquals(clip.preprocess(pic), ref, "CLIP normalisation of the 8-bit reference");
        // red subject, normalised: (1 - 0.48145466) / 0.26862954 = 1.9303 for a pure red pixel in the middle
        float[] mean = clip.mean(), std = clip.std();
        int centre = 12 * 24 + 12;
        float r = ref[centre] * std[0] + mean[0];
        assertTrue(r > 0.8f, "the subject's red is in the middle of the reference: " + r);
        // padding: the box is 20 x 40, so a black band (normalised -mean/std) lies at the far left and right
        // (after at most 10 degrees of rotation and a flip the outer columns are still black)
        assertEquals(-mean[1] / std[1], ref[24 * 24 + 12 * 24], 0.05f);
    }

    @Test
    void backgroundNoiseOnlyOutsideTheMask() {
        int s = 20;
        // a green picture whose subject is a disc-like blob inside a 20 x 20 box; with no resize and no
        // augmentation the reference is the box itself, pixel for pixel
        int w = 50, h = 40;
        RgbImage img = RgbImage.filled(w, h, 0x00C000);
        boolean[] bits = new boolean[w * h];
        for (int y = 10; y < 30; y++) {
            for (int x = 15; x < 35; x++) {
                double dx = x - 24.5, dy = y - 19.5;
                bits[y * w + x] = dx * dx + dy * dy <= 64;
            }
        }
        BinaryMask mask = BinaryMask.of(w, h, bits);
        SourceExample src = new SourceExample("g", img, "a blob", List.of(
                new SourceSubject("blob", -1, mask, new Box(15, 10, 35, 30), null, null)));
        for (PreprocessOptions.ReferenceBackground bg : PreprocessOptions.ReferenceBackground.values()) {
            Preprocessor p = preprocessor(PreprocessOptions.evaluation().withResolution(16).withBackground(bg)
                    .withReferenceProcessor(ClipImageProcessor.square(s)));
            RgbImage ref = p.referencePicture(src, 0, 9, 0, 0);
            int outside = 0, notGreen = 0;
            Set<Integer> colours = new HashSet<>();
            for (int y = 0; y < s; y++) {
                for (int x = 0; x < s; x++) {
                    boolean in = mask.get(15 + x, 10 + y);
                    int c = ref.rgb(x, y);
                    if (in) {
                        assertEquals(0x00C000, c, bg + ": subject pixels are kept");
                    } else {
                        outside++;
                        notGreen += c != 0x00C000 ? 1 : 0;
                        colours.add(c);
                        if (bg == PreprocessOptions.ReferenceBackground.BLACK) {
                            assertEquals(0, c);
                        }
                    }
                }
            }
            assertTrue(outside > 150, "the test has background pixels");
            switch (bg) {
                case NOISE:
                    assertTrue(notGreen == outside && colours.size() > outside * 0.9, "noise everywhere outside");
                    break;
                case KEEP:
                    assertEquals(0, notGreen);
                    break;
                default:
                    assertEquals(outside, notGreen);
            }
        }
        // the noise is a function of the seed, epoch and index
        Preprocessor p = preprocessor(PreprocessOptions.evaluation().withReferenceProcessor(ClipImageProcessor.square(s)));
        assertEquals(p.referencePicture(src, 0, 9, 0, 0), p.referencePicture(src, 0, 9, 0, 0));
        assertNotEquals(p.referencePicture(src, 0, 9, 0, 0), p.referencePicture(src, 0, 9, 0, 1));
    }

    @Test
    void dropoutRatesMatchTheSpec() {
        // three subjects, always fully visible; tiny sizes keep 20000 examples fast
        int w = 24, h = 24;
        int[][] boxes = {{0, 0, 8, 8}, {8, 8, 16, 16}, {16, 16, 24, 24}};
        RgbImage img = TestData.picture(w, h, 0, boxes, new int[] {RED, BLUE, 0x00FF00});
        int[] labels = TestData.labels(w, h, boxes, new int[] {1, 2, 3});
        List<SourceSubject> subs = new ArrayList<>();
        String caption = "a cat, a dog and a bird";
        String[] words = {"cat", "dog", "bird"};
        for (int k = 0; k < 3; k++) {
            BinaryMask m = BinaryMask.ofLabel(w, h, labels, k + 1);
            subs.add(new SourceSubject(words[k], -1, m, m.bounds(), null, null));
        }
        SourceExample src = new SourceExample("three", img, caption, subs);
        Preprocessor p = preprocessor(PreprocessOptions.training().withResolution(16)
                .withReferenceProcessor(ClipImageProcessor.square(4)).withMinVisibleFraction(0));
        int n = 20000, uncond = 0, offered = 0, kept = 0;
        int[] emptyIds = TestData.tokenizer().encodePadded("");
        for (int i = 0; i < n; i++) {
            TrainingExample t = p.prepare(src, 2024, 0, i);
            if (t.unconditional()) {
                uncond++;
                assertEquals("", t.caption());
                assertTrue(t.subjects().isEmpty());
                assertArrayEquals(emptyIds, t.inputIds());
            } else {
                assertEquals(caption, t.caption(), "dropped subjects keep their words in the caption");
                offered += 3;
                kept += t.subjects().size();
            }
        }
        double u = uncond / (double) n, drop = 1 - kept / (double) offered;
        // binomial standard errors: 0.0021 and 0.0010; allow 5 of them
        assertEquals(0.10, u, 0.0106, "unconditional rate " + u);
        assertEquals(0.10, drop, 0.0055, "subject drop rate " + drop);

        // no dropout: everything kept
        Preprocessor none = preprocessor(p.options().withDropout(0, 0));
        for (int i = 0; i < 50; i++) {
            assertEquals(3, none.prepare(src, 1, 0, i).subjects().size());
        }
    }

    @Test
    void atMostFourSubjectsInCaptionOrder() {
        int w = 36, h = 12;
        int[][] boxes = new int[6][];
        int[] ids = new int[6];
        for (int k = 0; k < 6; k++) {
            boxes[k] = new int[] {k * 6, 0, k * 6 + 5, 12};
            ids[k] = k + 1;
        }
        int[] labels = TestData.labels(w, h, boxes, ids);
        String[] words = {"cat", "dog", "bird", "fish", "cow", "horse"};
        List<SourceSubject> subs = new ArrayList<>();
        for (int k = 5; k >= 0; k--) { // given in reverse order
            BinaryMask m = BinaryMask.ofLabel(w, h, labels, k + 1);
            subs.add(new SourceSubject(words[k], -1, m, m.bounds(), null, null));
        }
        SourceExample src = new SourceExample("six", TestData.picture(w, h, 0, boxes, new int[6]),
                "a cat a dog a bird a fish a cow a horse", subs);
        Preprocessor p = preprocessor(PreprocessOptions.evaluation().withResolution(12).withCrop(PreprocessOptions.CropMode.PAD)
                .withReferenceProcessor(ClipImageProcessor.square(4)));
        Set<List<String>> subsets = new HashSet<>();
        for (int i = 0; i < 60; i++) {
            TrainingExample t = p.prepare(src, 8, 1, i);
            assertEquals(4, t.subjects().size());
            int[] pos = t.subjects().stream().mapToInt(SubjectSample::tokenPosition).toArray();
            int[] sorted = pos.clone();
            Arrays.sort(sorted);
            assertArrayEquals(sorted, pos, "caption order");
            subsets.add(t.subjects().stream().map(SubjectSample::word).toList());
        }
        assertTrue(subsets.size() > 5, "a random choice of four: " + subsets);
    }

    @Test
    void subjectsBeyondTheTokenLimitAreDroppedAndCounted() {
        StringBuilder caption = new StringBuilder("a man");
        for (int i = 0; i < 80; i++) {
            caption.append(" very");
        }
        caption.append(" tall woman");
        int w = 20, h = 10;
        int[][] boxes = {{0, 0, 10, 10}, {10, 0, 20, 10}};
        int[] labels = TestData.labels(w, h, boxes, new int[] {1, 2});
        BinaryMask man = BinaryMask.ofLabel(w, h, labels, 1), woman = BinaryMask.ofLabel(w, h, labels, 2);
        String text = caption.toString();
        SourceExample src = new SourceExample("long", TestData.picture(w, h, 0, boxes, new int[] {RED, BLUE}), text,
                List.of(new SourceSubject(null, text.indexOf(" very"), man, man.bounds(), null, null),
                        new SourceSubject(null, text.length(), woman, woman.bounds(), null, null)));
        DataWarnings warnings = new DataWarnings(0);
        TrainingExample t = preprocessor(PreprocessOptions.evaluation().withResolution(10).withCrop(PreprocessOptions.CropMode.PAD)
                .withReferenceProcessor(ClipImageProcessor.square(4))).prepare(src, 0, 0, 0, warnings);
        assertEquals(List.of("man"), t.subjects().stream().map(SubjectSample::word).toList());
        assertEquals(2, t.subjects().get(0).tokenPosition());
        assertEquals(1, warnings.count(DataWarnings.Kind.TOKEN_BEYOND_LIMIT));
        assertEquals(77, t.inputIds().length);
    }

    @Test
    void sameArgumentsSameExampleAndStreamsAreIndependent() {
        SourceExample src = redOnBlue(90, 60, new int[] {20, 10, 60, 50}, "a photo of a box", "box");
        PreprocessOptions o = PreprocessOptions.training().withResolution(32).withReferenceProcessor(ClipImageProcessor.square(16))
                .withDropout(0, 0);
        Preprocessor p = preprocessor(o);
        TrainingExample a = p.prepare(src, 77, 3, 5), b = p.prepare(src, 77, 3, 5);
        assertArrayEquals(a.image(), b.image());
        assertArrayEquals(a.subjects().get(0).mask(), b.subjects().get(0).mask());
        assertArrayEquals(a.subjects().get(0).reference(), b.subjects().get(0).reference());
        boolean differs = false;
        for (int i = 0; i < 6 && !differs; i++) {
            differs = !Arrays.equals(a.image(), p.prepare(src, 77, 3, 6 + i).image());
        }
        assertTrue(differs, "other indices crop or flip differently");
        // switching reference augmentation off changes neither the picture nor the masks
        TrainingExample c = preprocessor(o.withAugmentation(ReferenceAugmentation.none())).prepare(src, 77, 3, 5);
        assertArrayEquals(a.image(), c.image());
        assertArrayEquals(a.subjects().get(0).mask(), c.subjects().get(0).mask());
        assertFalse(Arrays.equals(a.subjects().get(0).reference(), c.subjects().get(0).reference()));
        // the inputs the text encoder gets are the caption's ids, and the subject token is "box"
        Encoding enc = TestData.tokenizer().encodeDetailedPadded("a photo of a box");
        assertArrayEquals(enc.ids(), a.inputIds());
        assertEquals(enc.lastPositionOfWord(enc.findWords("box")[0]), a.subjects().get(0).tokenPosition());
    }

    @Test
    void mostlyCroppedOutSubjectsAreDropped() {
        // a subject at the far right of a wide picture is outside most centre crops' windows
        SourceExample src = redOnBlue(120, 40, new int[] {100, 5, 118, 35}, "a box", "box");
        DataWarnings w = new DataWarnings(0);
        TrainingExample t = preprocessor(PreprocessOptions.evaluation().withResolution(40)
                .withReferenceProcessor(ClipImageProcessor.square(8))).prepare(src, 0, 0, 0, w);
        assertTrue(t.subjects().isEmpty());
        assertEquals(1, w.count(DataWarnings.Kind.CROPPED_OUT));
        TrainingExample padded = preprocessor(PreprocessOptions.evaluation().withResolution(40)
                .withCrop(PreprocessOptions.CropMode.PAD).withReferenceProcessor(ClipImageProcessor.square(8)))
                .prepare(src, 0, 0, 0, w);
        assertEquals(1, padded.subjects().size(), "padding keeps the whole picture");
        assertEquals(18 * 30 / 9.0, TestData.sum(padded.subjects().get(0).mask()), 8);
    }

    @Test
    void batchArraysAndLatentMasks() {
        SourceExample src = redOnBlue(32, 32, new int[] {0, 0, 16, 16}, "a box", "box");
        Preprocessor p = preprocessor(PreprocessOptions.evaluation().withResolution(32)
                .withReferenceProcessor(ClipImageProcessor.square(8)));
        SourceExample none = new SourceExample("none", src.image(), "nothing", List.of());
        TrainingBatch b = new TrainingBatch(0, List.of(p.prepare(src, 0, 0, 0), p.prepare(none, 0, 0, 1)), 4);
        assertArrayEquals(new long[] {2, 4, 8, 8}, b.masksShape(8));
        float[] m = b.masks(8);
        assertEquals(2 * 4 * 64, m.length);
        assertEquals(1f, m[0]);
        assertEquals(0f, m[7]);
        assertEquals(16f, TestData.sum(Arrays.copyOf(m, 64)), "16x16 of 32x32 -> 4x4 of 8x8");
        assertEquals(16f, TestData.sum(m), "every other slot is empty");
        float[] m5 = b.masks(16);
        assertEquals(64f, TestData.sum(m5));
        assertArrayEquals(new int[] {b.get(0).subjects().get(0).tokenPosition(), -1, -1, -1}, b.positions()[0]);
        assertArrayEquals(new int[] {-1, -1, -1, -1}, b.positions()[1]);
        assertEquals(2 * 4 * 3 * 64, b.references().length);
        assertEquals(2 * 77, b.inputIds().length);
        assertEquals(2 * 3 * 32 * 32, b.images().length);
        assertEquals(1, b.subjectCount());
    }

    @Test
    void previewsShowPictureMasksAndReferences() {
        SourceExample src = redOnBlue(32, 32, new int[] {0, 0, 16, 16}, "a box", "box");
        ClipImageProcessor clip = ClipImageProcessor.square(8);
        Preprocessor p = preprocessor(PreprocessOptions.evaluation().withResolution(32).withReferenceProcessor(clip));
        TrainingExample t = p.prepare(src, 0, 0, 0);
        assertEquals(src.image(), Previews.picture(t), "no resize, no crop, no flip: the picture comes back");
        RgbImage masked = Previews.masked(t);
        assertEquals(0xFF1818, masked.rgb(3, 3), "red subject tinted with the first slot's red");
        assertEquals(0x0000FF, masked.rgb(20, 20), "background untouched");
        assertEquals(p.referencePicture(src, 0, 0, 0, 0), Previews.reference(t, 0, clip));
        List<RgbImage> row = Previews.row(t, clip);
        assertEquals(2, row.size());
        assertEquals(32, row.get(1).width());
        RgbImage sheet = Previews.sheet(List.of(t, t), clip);
        assertTrue(sheet.width() > 64 && sheet.height() > 64);
    }
}
