package dev.moa.toy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moa.image.ClipImageProcessor;
import dev.moa.text.ClipTokenizer;
import dev.moa.train.data.SubjectSample;
import dev.moa.train.data.TrainingExample;
import dev.moa.testing.Fixtures;
import java.util.List;
import org.junit.jupiter.api.Test;

/** MoA training examples from the toy world: deterministic, bound to the class word, masks and references right. */
class ToyMoaBatchesTest {

    @Test
    void batchesAreDeterministicAndBindTheClassWord() throws Exception {
        ClipTokenizer tok = ClipTokenizer.fromFolder(Fixtures.path("models/tiny-sd/tokenizer"));
        ToyMoaBatches b = new ToyMoaBatches(new ToyWorld(3), tok, ClipImageProcessor.square(32), 8, 0.25);
        List<TrainingExample> first = b.batch(5);
        List<TrainingExample> again = new ToyMoaBatches(new ToyWorld(3), tok, ClipImageProcessor.square(32), 8, 0.25).batch(5);
        assertEquals(8, first.size());
        int uncond = 0;
        for (int k = 0; k < 8; k++) {
            TrainingExample e = first.get(k);
            assertArrayEquals(e.image(), again.get(k).image(), "the same batch index gives the same pictures");
            assertEquals(3 * 64 * 64, e.image().length);
            if (e.unconditional()) {
                uncond++;
                assertEquals("", e.caption());
                assertTrue(e.subjects().isEmpty());
                continue;
            }
            SubjectSample s = e.subjects().get(0);
            assertTrue(e.caption().contains(" " + s.word() + " "), e.caption());
            // the bound position holds the word's (last) token
            int[] wordIds = tok.encode(s.word());   // start, the word's tokens, end
            assertEquals(wordIds[wordIds.length - 2], e.inputIds()[s.tokenPosition()]);
            assertEquals(3 * 32 * 32, s.reference().length);
            double area = 0;
            for (float m : s.mask()) {
                area += m;
            }
            assertTrue(area > 0.05 * 64 * 64, "a large subject: " + area);
        }
        assertTrue(uncond > 0 && uncond < 8, "some examples are unconditional: " + uncond);
        for (TrainingExample v : b.validationSamples(3)) {
            assertFalse(v.unconditional());
            assertTrue(v.id().startsWith("toy-held-out-"));
        }
    }

    @Test
    void fullWorldExamplesBindEverySubjectToItsWordMaskAndReference() throws Exception {
        ClipTokenizer tok = ClipTokenizer.fromFolder(Fixtures.path("models/tiny-sd/tokenizer"));
        ToyMoaBatches b = new ToyMoaBatches(new ToyWorld(3, 3), tok, ClipImageProcessor.square(32), 16, 0);
        int several = 0;
        for (TrainingExample e : b.batch(2)) {
            List<SubjectSample> ss = e.subjects();
            assertFalse(ss.isEmpty());
            several += ss.size() > 1 ? 1 : 0;
            float[] seen = new float[64 * 64];
            for (int k = 0; k < ss.size(); k++) {
                SubjectSample s = ss.get(k);
                assertEquals(k, s.sourceIndex());
                int[] wordIds = tok.encode(s.word());
                assertEquals(wordIds[wordIds.length - 2], e.inputIds()[s.tokenPosition()], e.caption());
                if (k > 0) {
                    assertTrue(s.tokenPosition() > ss.get(k - 1).tokenPosition(), "words in the caption's order");
                    assertFalse(java.util.Arrays.equals(s.reference(), ss.get(0).reference()), "each its own reference");
                }
                for (int p = 0; p < seen.length; p++) {
                    seen[p] += s.mask()[p];
                }
            }
            for (float v : seen) {
                assertTrue(v <= 1, "subject masks do not overlap");
            }
        }
        assertTrue(several > 4, several + " of 16 examples hold several subjects");
    }
}
