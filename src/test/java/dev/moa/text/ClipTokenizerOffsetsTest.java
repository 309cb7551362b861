package dev.moa.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moa.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Word indices and character spans of {@link ClipTokenizer#encodeDetailed}. */
class ClipTokenizerOffsetsTest {
    private static ClipTokenizer tok;

    @BeforeAll
    static void load() throws IOException {
        tok = ClipTokenizer.fromFolder(Fixtures.path("tokenizer"));
    }

    @Test
    void subjectWordsMapToTheirSpans() {
        String text = "A photo of a MAN and a woman";
        Encoding enc = tok.encodeDetailed(text);
        assertEquals(10, enc.length());
        assertEquals(8, enc.wordCount());

        int[] man = enc.findWords("man");
        assertArrayEquals(new int[] {4}, man);
        assertEquals("MAN", enc.wordText(man[0]));
        assertEquals(13, enc.wordStart(man[0]));
        assertEquals(16, enc.wordEnd(man[0]));
        assertEquals(5, enc.lastPositionOfWord(man[0]));
        assertEquals(786, enc.id(5));
        assertEquals(13, enc.start(5));
        assertEquals(16, enc.end(5));

        int woman = enc.findWords("Woman")[0];
        assertEquals("woman", enc.wordText(woman));
        assertEquals(text.indexOf("woman"), enc.wordStart(woman));
        assertEquals(8, enc.lastPositionOfWord(woman));
        assertArrayEquals(new int[] {8}, enc.positionsInSpan(23, 28));
        assertArrayEquals(new int[] {5, 6}, enc.positionsInSpan(14, 18)); // "AN an": MAN and "and"
        assertEquals(woman, enc.wordAt(25));
        assertEquals(-1, enc.wordAt(16), "the space after MAN");
        assertEquals(-1, enc.wordAt(text.length()));

        assertEquals(0, enc.word(1));
        assertEquals("A", enc.wordText(0));
        for (int p : new int[] {0, enc.length() - 1}) {
            assertEquals(-1, enc.word(p));
            assertEquals(-1, enc.start(p));
            assertEquals(-1, enc.end(p));
        }
        // the same in the padded form, where padding has no word either
        Encoding padded = tok.encodeDetailedPadded(text);
        assertEquals(5, padded.lastPositionOfWord(man[0]));
        assertEquals(-1, padded.word(40));
        assertEquals(-1, padded.start(40));
    }

    @Test
    void everyWordSpanReadsAsItsNormalizedTokens() {
        for (String text : List.of(
                "A photo of a MAN and a woman, playing chess in a park.",
                "café naïve résumé Ωmega ñandú",
                "emoji 🐶🚀 and CJK 東京 의 text",
                "it's they're we'll I'd don't",
                "hyphen-ated words, under_scores & symbols #@$%^*()[]{}",
                "numbers 1234567 and 3.14159, dates 2024-04-17",
                "  multiple   spaces\tand\ttabs\nnewline  ")) {
            Encoding enc = tok.encodeDetailed(text);
            for (int w = 0; w < enc.wordCount(); w++) {
                int[] positions = enc.positionsOfWord(w);
                assertTrue(positions.length > 0, text + ": word " + w);
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                for (int i = 0; i < positions.length; i++) {
                    String t = tok.token(enc.id(positions[i]));
                    boolean last = i == positions.length - 1;
                    assertEquals(last, t.endsWith("</w>"), text + ": only a word's last token ends in </w>: " + t);
                    ByteLevel.appendBytes(last ? t.substring(0, t.length() - 4) : t, bytes);
                }
                String decoded = bytes.toString(StandardCharsets.UTF_8);
                String original = enc.wordText(w);
                assertEquals(original.toLowerCase(java.util.Locale.ROOT), decoded, text + ": word " + w);
                assertEquals(positions[positions.length - 1], enc.lastPositionOfWord(w));
                for (int p : positions) {
                    assertEquals(enc.wordStart(w), enc.start(p));
                    assertEquals(enc.wordEnd(w), enc.end(p));
                }
            }
        }
    }

    @Test
    void wordsOfPunctuationDigitsAndContractions() {
        String text = "a MAN's 85mm lens, (portrait)";
        Encoding enc = tok.encodeDetailed(text);
        String[] expected = {"a", "MAN", "'s", "8", "5", "mm", "lens", ",", "(", "portrait", ")"};
        assertEquals(expected.length, enc.wordCount());
        for (int w = 0; w < expected.length; w++) {
            assertEquals(expected[w], enc.wordText(w));
        }
        assertArrayEquals(new int[] {1}, enc.findWords("man"));
        assertEquals(text.indexOf("85"), enc.wordStart(3));
    }

    @Test
    void whitespaceRunsAreSkipped() {
        String text = "  multiple   spaces\tand\ttabs\nnewline  ";
        Encoding enc = tok.encodeDetailed(text);
        String[] words = {"multiple", "spaces", "and", "tabs", "newline"};
        assertEquals(words.length, enc.wordCount());
        for (int w = 0; w < words.length; w++) {
            assertEquals(text.indexOf(words[w]), enc.wordStart(w));
            assertEquals(text.indexOf(words[w]) + words[w].length(), enc.wordEnd(w));
        }
    }

    @Test
    void nonAsciiSpansAreUtf16Indices() {
        String text = "🐶 dog 東京 résumé";
        Encoding enc = tok.encodeDetailed(text);
        assertEquals("🐶", enc.wordText(0));
        assertEquals(0, enc.wordStart(0));
        assertEquals(2, enc.wordEnd(0)); // a surrogate pair
        assertEquals("dog", enc.wordText(1));
        assertEquals("東京", enc.wordText(2));
        assertEquals("résumé", enc.wordText(3));
        assertEquals(text.length(), enc.wordEnd(3));
    }

    @Test
    void decomposedAccentsShareTheSpanOfTheirBase() {
        String text = "Cafe\u0301 noir"; // NFC turns e + U+0301 into é
        Encoding enc = tok.encodeDetailed(text);
        assertArrayEquals(tok.encode("café noir"), enc.ids());
        assertEquals(2, enc.wordCount());
        assertEquals(0, enc.wordStart(0));
        assertEquals(5, enc.wordEnd(0));
        assertEquals("noir", enc.wordText(1));
        assertEquals(6, enc.wordStart(1));
    }

    @Test
    void specialTokensInTextAreWordsWithTheirSpan() {
        String text = "<|startoftext|> special tokens <|endoftext|> inside";
        Encoding enc = tok.encodeDetailed(text);
        assertEquals(49406, enc.id(1));
        assertEquals(0, enc.word(1));
        assertEquals("<|startoftext|>", enc.wordText(0));
        assertEquals(49407, enc.id(4));
        assertEquals(text.indexOf("<|endoftext|>"), enc.start(4));
        assertEquals(text.indexOf(" inside"), enc.end(4));
        assertEquals("inside", enc.wordText(enc.word(5)));
        assertEquals(-1, enc.word(0));
        assertEquals(-1, enc.word(6));
    }

    @Test
    void multiTokenWordSharesOneSpan() {
        String text = "a ñandú";
        Encoding enc = tok.encodeDetailed(text);
        int w = enc.findWords("ÑANDÚ")[0];
        int[] positions = enc.positionsOfWord(w);
        assertTrue(positions.length >= 2);
        assertArrayEquals(positions, enc.positionsInSpan(3, 4));
        for (int p : positions) {
            assertEquals(2, enc.start(p));
            assertEquals(7, enc.end(p));
        }
    }
}
