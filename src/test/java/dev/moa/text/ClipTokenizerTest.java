package dev.moa.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moa.testing.Fixtures;
import java.io.IOException;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Accessors, truncation, SD 2.x padding, decoding and HF-specific behaviours. */
class ClipTokenizerTest {
    private static ClipTokenizer sd1;
    private static ClipTokenizer sd2;
    private static ClipTokenizer sd2Json;

    @BeforeAll
    static void load() throws IOException {
        sd1 = ClipTokenizer.fromFolder(Fixtures.path("tokenizer"));
        sd2 = ClipTokenizer.fromFolder(Fixtures.path("models/tiny-sd2/tokenizer"), ClipTokenizer.Format.VOCAB_AND_MERGES);
        sd2Json = ClipTokenizer.fromFolder(Fixtures.path("models/tiny-sd2/tokenizer"), ClipTokenizer.Format.TOKENIZER_JSON);
    }

    @Test
    void accessors() {
        assertEquals(49406, sd1.bosId());
        assertEquals(49407, sd1.eosId());
        assertEquals(49407, sd1.padId());
        assertEquals(49407, sd1.unkId());
        assertEquals(77, sd1.maxLength());
        assertEquals(49408, sd1.vocabSize());
        assertEquals(786, sd1.tokenId("man</w>"));
        assertEquals("man</w>", sd1.token(786));
        assertEquals(0, sd1.tokenId("!"));
        assertEquals(256, sd1.tokenId("!</w>"));
        assertEquals(-1, sd1.tokenId("no such token"));
        assertEquals("<|startoftext|>", sd1.token(49406));
        assertThrows(IllegalArgumentException.class, () -> sd1.token(49408));
        assertThrows(IllegalArgumentException.class, () -> sd1.token(-1));
    }

    // ------------------------------------------------------------------ SD 2.x: pad with "!"

    @Test
    void sd2PadsWithExclamationMark() {
        for (ClipTokenizer tok : new ClipTokenizer[] {sd2, sd2Json}) {
            assertEquals(0, tok.padId());
            assertEquals(49407, tok.eosId());
            assertEquals(77, tok.maxLength());
            int[] ids = tok.encode("a photo of a man");
            assertArrayEquals(new int[] {49406, 320, 1125, 539, 320, 786, 49407}, ids);
            int[] padded = tok.encodePadded("a photo of a man");
            assertEquals(77, padded.length);
            assertArrayEquals(ids, Arrays.copyOf(padded, ids.length));
            assertTrue(IntStream.range(ids.length, 77).allMatch(i -> padded[i] == 0), Arrays.toString(padded));
        }
        // SD 1.x pads with <|endoftext|>
        int[] padded1 = sd1.encodePadded("a photo of a man");
        assertTrue(IntStream.range(7, 77).allMatch(i -> padded1[i] == 49407));
    }

    @Test
    void sd2PadTokenInPromptIsAnAddedTokenAsInHf() {
        // tiny-sd2's tokenizer.json lists "!" (id 0) as a special added token, matched in the raw text before
        // BPE; so "wow!" ends in id 0 with SD 2.x, but in "!</w>" (256) with SD 1.x
        assertArrayEquals(new int[] {49406, sd1.tokenId("wow</w>"), 0, 49407}, sd2Json.encode("wow!"));
        assertArrayEquals(sd2Json.encode("wow!! ok"), sd2.encode("wow!! ok"));
        assertArrayEquals(new int[] {49406, sd1.tokenId("wow</w>"), 256, 49407}, sd1.encode("wow!"));
    }

    // ------------------------------------------------------------------ truncation

    @Test
    void truncationIsReported() {
        String longPrompt = "a very long prompt ".repeat(40).trim(); // 160 content tokens
        Encoding full = sd1.encodeDetailed(longPrompt);
        assertEquals(162, full.length());
        assertFalse(full.truncated());
        Encoding padded = sd1.encodeDetailedPadded(longPrompt);
        assertEquals(77, padded.length());
        assertTrue(padded.truncated());
        assertEquals(85, padded.droppedTokens());
        assertEquals(85, sd1.overflow(longPrompt));
        assertEquals(49407, padded.id(76));
        assertArrayEquals(Arrays.copyOf(full.ids(), 76), Arrays.copyOf(padded.ids(), 76));

        Encoding exact = sd1.encodeDetailedPadded("a very long prompt ".repeat(18).trim() + " a very long"); // 75
        assertEquals(0, exact.droppedTokens());
        assertEquals(49407, exact.id(76));
        Encoding oneOver = sd1.encodeDetailedPadded("a very long prompt ".repeat(19).trim()); // 76
        assertEquals(1, oneOver.droppedTokens());
        assertEquals(0, sd1.encodeDetailedPadded("a photo of a man").droppedTokens());
        assertEquals(0, sd1.overflow("a photo of a man"));
    }

    @Test
    void wordCutByTruncationHasNoLastPosition() {
        String word = "ñandú";
        int pieces = sd1.encode(word).length - 2;
        assertTrue(pieces >= 2, "needs a multi-token word, got " + pieces);
        String text = "a ".repeat(74) + word; // 74 one-token words fill positions 1..74, the word starts at 75
        Encoding enc = sd1.encodeDetailedPadded(text);
        int w = enc.findWords(word)[0];
        assertEquals(pieces - 1, enc.droppedTokens());
        assertArrayEquals(new int[] {75}, enc.positionsOfWord(w));
        assertEquals(-1, enc.lastPositionOfWord(w), "a truncated word has no last token");
        assertEquals(74, enc.lastPositionOfWord(w - 1));
        assertEquals(75 + pieces - 1, sd1.encodeDetailed(text).lastPositionOfWord(w));
    }

    // ------------------------------------------------------------------ decoding

    @Test
    void decodeRoundTrip() {
        assertEquals("a photo of a man and a woman", sd1.decode(sd1.encode("A photo of a MAN and a woman")));
        assertEquals("a photo of a man", sd1.decode(sd1.encodePadded("a photo of a man")));
        assertEquals("a photo of a man", sd2.decode(sd2.encodePadded("a photo of a man")));
        assertEquals("café naïve résumé ωmega ñandú", sd1.decode(sd1.encode("café naïve résumé Ωmega ñandú")));
        assertEquals("emoji 🐶🚀 and cjk 東京 의 text", sd1.decode(sd1.encode("emoji 🐶🚀 and CJK 東京 의 text")));
        assertEquals("multiple spaces and tabs newline", sd1.decode(sd1.encode("  multiple   spaces\tand\ttabs\nnewline  ")));
        assertEquals("special tokens inside",
                sd1.decode(sd1.encode("<|startoftext|> special tokens <|endoftext|> inside")));
        assertEquals("a man , playing", sd1.decode(sd1.encode("a man, playing")));
        assertEquals("", sd1.decode(sd1.encode("")));
        // half a UTF-8 sequence decodes to the replacement character instead of failing
        int lead = sd1.tokenId(String.valueOf(ByteLevel.charOf(0xC3)));
        assertEquals("\uFFFD", sd1.decode(new int[] {lead}));
        assertThrows(IllegalArgumentException.class, () -> sd1.decode(new int[] {70000}));
    }

    // ------------------------------------------------------------------ HF-specific behaviours

    @Test
    void specialTokenOnlyMatchesWhenSpelledExactly() {
        int[] spelled = sd1.encode("<|EndOfText|>");
        // lowercased to <|endoftext|>, kept whole by CLIP's regex, then cut by the byte-level GPT-2 regex
        int[] expected = concat(content("<|"), content("endoftext"), content("|>"));
        assertArrayEquals(wrap(expected), spelled);
        assertFalse(Arrays.stream(spelled, 1, spelled.length - 1).anyMatch(id -> id == 49407));
        assertArrayEquals(new int[] {49406, 320, 49407, 786, 49407}, sd1.encode("a<|endoftext|>man"));
    }

    @Test
    void textIsLowercasedPerCharacter() {
        // context-free lowercase as HF (Rust char::to_lowercase): a final capital sigma becomes σ, not ς
        assertArrayEquals(sd1.encode("οδοσ"), sd1.encode("ΟΔΟΣ"));
        assertNotEquals(Arrays.toString(sd1.encode("οδος")), Arrays.toString(sd1.encode("ΟΔΟΣ")));
        // NFC before BPE: a decomposed accent gives the same ids as the precomposed one
        assertArrayEquals(sd1.encode("café"), sd1.encode("cafe\u0301"));
        // Unicode whitespace (no-break space, ideographic space) separates words like a space
        assertArrayEquals(sd1.encode("a man"), sd1.encode("a\u00A0man"));
        assertArrayEquals(sd1.encode("a man"), sd1.encode("a\u3000man"));
    }

    @Test
    void digitsAreSingleTokens() {
        assertArrayEquals(new int[] {49406, 272, 273, 274, 49407}, sd1.encode("123"));
    }

    private static int[] content(String text) {
        int[] ids = sd1.encode(text);
        return Arrays.copyOfRange(ids, 1, ids.length - 1);
    }

    private static int[] wrap(int[] content) {
        int[] out = new int[content.length + 2];
        out[0] = 49406;
        System.arraycopy(content, 0, out, 1, content.length);
        out[out.length - 1] = 49407;
        return out;
    }

    private static int[] concat(int[]... parts) {
        return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray();
    }
}
