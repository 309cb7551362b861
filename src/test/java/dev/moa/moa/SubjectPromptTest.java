package dev.moa.moa;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moa.io.SafetensorsFile;
import dev.moa.testing.Fixtures;
import dev.moa.text.ClipTokenizer;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SubjectPromptTest {
    static ClipTokenizer tok;

    @BeforeAll
    static void setUp() throws Exception {
        tok = ClipTokenizer.fromFolder(Fixtures.path("models/tiny-sd/tokenizer"));
    }

    @Test
    void wordsBindToTheReferencePositions() throws Exception {
        SubjectPrompt p = SubjectPrompt.bind(tok, "a man and a woman talking in a cafe", List.of("man", "woman"));
        try (SafetensorsFile ref = Fixtures.ref("ref/moa_files/moa_files.safetensors")) {
            long[] expected = ref.longs("positions");
            assertArrayEquals(new int[] {(int) expected[0], (int) expected[1]}, p.positions());
        }
        // subject order follows the flags, not the prompt
        assertArrayEquals(new int[] {5, 2}, SubjectPrompt.bind(tok, "a man and a woman", List.of("woman", "man")).positions());
    }

    @Test
    void markersGiveTheSameBindingAsWords() {
        SubjectPrompt words = SubjectPrompt.bind(tok, "a man and a woman talking in a cafe", List.of("man", "woman"));
        SubjectPrompt marked = SubjectPrompt.bind(tok, "a man <|image|> and a woman <|image|> talking in a cafe", List.of());
        assertEquals("a man and a woman talking in a cafe", marked.prompt());
        assertArrayEquals(words.ids(), marked.ids());
        assertArrayEquals(words.positions(), marked.positions());
        assertEquals(List.of("man", "woman"), marked.words());
    }

    @Test
    void repeatedWordsBindToSuccessiveOccurrences() {
        SubjectPrompt p = SubjectPrompt.bind(tok, "a man shaking hands with a man", List.of("man", "man"));
        assertEquals(2, p.count());
        assertTrue(p.positions()[0] < p.positions()[1]);
    }

    @Test
    void multiTokenWordsUseTheirLastToken() {
        // "astronaut" is several BPE tokens; the subject token is the last one (ending in </w>)
        SubjectPrompt p = SubjectPrompt.bind(tok, "an astronautical engineer", List.of("astronautical"));
        int pos = p.positions()[0];
        assertTrue(tok.token(p.ids()[pos]).endsWith("</w>"));
        assertTrue(!tok.token(p.ids()[pos + 1]).startsWith("astro"));
    }

    @Test
    void clearErrors() {
        String m = assertThrows(IllegalArgumentException.class,
                () -> SubjectPrompt.bind(tok, "a photo of a dog", List.of("cat"))).getMessage();
        assertTrue(m.contains("'cat'") && m.contains("not in the prompt"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> SubjectPrompt.bind(tok, "a b c d e", List.of("a", "b", "c", "d", "e"))).getMessage();
        assertTrue(m.contains("at most 4"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> SubjectPrompt.bind(tok, "a man <|image|>", List.of("man", "woman"))).getMessage();
        assertTrue(m.contains("1 <|image|> marker"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> SubjectPrompt.bind(tok, "a man", List.of("man", "man"))).getMessage();
        assertTrue(m.contains("often enough"), m);
        String longPrompt = "word ".repeat(80) + "man";
        m = assertThrows(IllegalArgumentException.class,
                () -> SubjectPrompt.bind(tok, longPrompt, List.of("man"))).getMessage();
        assertTrue(m.contains("token limit"), m);
    }
}
