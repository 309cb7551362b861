package dev.moa.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moa.testing.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Loading from files: configs, small hand-written vocabularies, and the error messages for bad files. */
class ClipTokenizerFilesTest {
    @TempDir
    Path dir;

    /** A vocabulary where "a b" merges to "ab</w>", plus the two specials. */
    private static final String TINY_VOCAB = "{\"a\": 0, \"b\": 1, \"a</w>\": 2, \"b</w>\": 3, \"ab</w>\": 4,"
            + " \"<|startoftext|>\": 5, \"<|endoftext|>\": 6}";
    private static final String TINY_MERGES = "#version: 0.2\na b</w>\n";

    private void write(String name, String content) throws IOException {
        Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
    }

    private static String messageOf(Executable load) {
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, load);
        return e.getMessage();
    }

    @Test
    void tinyVocabularyMergesAndMapsUnknownSymbolsToUnk() throws IOException {
        write("vocab.json", TINY_VOCAB);
        write("merges.txt", TINY_MERGES);
        ClipTokenizer tok = ClipTokenizer.fromFolder(dir);
        assertEquals(7, tok.vocabSize());
        assertArrayEquals(new int[] {5, 4, 6}, tok.encode("AB"));
        assertArrayEquals(new int[] {5, 0, 4, 6}, tok.encode("aab")); // a, a, b</w> -> a, ab</w>
        assertArrayEquals(new int[] {5, 6, 4, 6}, tok.encode("cab")); // no "c": unk (= <|endoftext|>)
        assertArrayEquals(new int[] {5, 2, 5, 3, 6}, tok.encode("a<|startoftext|>b"));
    }

    @Test
    void configGivesPadTokenAsObjectAndMaxLength() throws IOException {
        write("vocab.json", TINY_VOCAB);
        write("merges.txt", TINY_MERGES);
        write("tokenizer_config.json", "{\"model_max_length\": 6, \"pad_token\": {\"__type\": \"AddedToken\","
                + " \"content\": \"a\", \"lstrip\": false}}");
        ClipTokenizer tok = ClipTokenizer.fromFolder(dir);
        assertEquals(6, tok.maxLength());
        assertEquals(0, tok.padId());
        assertArrayEquals(new int[] {5, 3, 6, 0, 0, 0}, tok.encodePadded("b"));
        Encoding cut = tok.encodeDetailedPadded("b b b b b b");
        assertArrayEquals(new int[] {5, 3, 3, 3, 3, 6}, cut.ids());
        assertEquals(2, cut.droppedTokens());
    }

    @Test
    void specialTokensMapOverridesConfigAndHugeMaxLengthMeans77() throws IOException {
        write("vocab.json", TINY_VOCAB);
        write("merges.txt", TINY_MERGES);
        write("tokenizer_config.json", "{\"model_max_length\": 1e30, \"pad_token\": \"a\"}");
        write("special_tokens_map.json", "{\"pad_token\": \"b</w>\"}");
        ClipTokenizer tok = ClipTokenizer.fromFolder(dir);
        assertEquals(77, tok.maxLength());
        assertEquals(3, tok.padId());
    }

    @Test
    void missingFolderOrFiles() throws IOException {
        Path nowhere = dir.resolve("nowhere");
        assertTrue(messageOf(() -> ClipTokenizer.fromFolder(nowhere)).contains(nowhere.toString()));
        assertTrue(messageOf(() -> ClipTokenizer.fromFolder(dir)).contains("no tokenizer in " + dir));
        write("vocab.json", TINY_VOCAB);
        String m = messageOf(() -> ClipTokenizer.fromFolder(dir));
        assertTrue(m.contains(dir.resolve("merges.txt").toString()), m);
        m = messageOf(() -> ClipTokenizer.fromFolder(dir, ClipTokenizer.Format.TOKENIZER_JSON));
        assertTrue(m.contains("tokenizer.json") && m.contains("not found"), m);
        m = messageOf(() -> ClipTokenizer.fromVocabAndMerges(dir.resolve("vocab.json"), dir.resolve("m.txt")));
        assertTrue(m.contains("m.txt") && m.contains("not found"), m);
    }

    @Test
    void corruptVocab() throws IOException {
        write("merges.txt", TINY_MERGES);
        for (String bad : new String[] {"{\"a\": 0, \"b\": ", "[\"a\", \"b\"]", "{\"a\": \"zero\"}", "", "{}",
                                        "{\"a\": -3}"}) {
            write("vocab.json", bad);
            String m = messageOf(() -> ClipTokenizer.fromFolder(dir));
            assertTrue(m.contains(dir.resolve("vocab.json").toString()), bad + " -> " + m);
        }
        Files.write(dir.resolve("vocab.json"), new byte[] {'{', '"', (byte) 0xFF, '"', ':', '0', '}'});
        String m = messageOf(() -> ClipTokenizer.fromFolder(dir));
        assertTrue(m.contains("vocab.json"), m);
    }

    @Test
    void corruptMerges() throws IOException {
        write("vocab.json", TINY_VOCAB);
        write("merges.txt", "#version: 0.2\na b</w>\na b c\n");
        String m = messageOf(() -> ClipTokenizer.fromFolder(dir));
        assertTrue(m.contains(dir.resolve("merges.txt") + " line 3"), m);
        write("merges.txt", "#version: 0.2\nb x\n");
        m = messageOf(() -> ClipTokenizer.fromFolder(dir));
        assertTrue(m.contains("merges.txt line 2") && m.contains("\"x\""), m);
        write("merges.txt", "#version: 0.2\n");
        m = messageOf(() -> ClipTokenizer.fromFolder(dir));
        assertTrue(m.contains("merges.txt") && m.contains("no merge rules"), m);
    }

    @Test
    void corruptTokenizerJson() throws IOException {
        String good = Files.readString(Fixtures.path("models/tiny-sd/tokenizer/tokenizer.json"));
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, good.substring(0, good.length() / 2));
        String m = messageOf(() -> ClipTokenizer.fromTokenizerJson(file));
        assertTrue(m.contains(file.toString()), m);
        Files.writeString(file, good.replace("\"end_of_word_suffix\": \"</w>\"", "\"end_of_word_suffix\": null"));
        m = messageOf(() -> ClipTokenizer.fromTokenizerJson(file));
        assertTrue(m.contains(file.toString()) && m.contains("end_of_word_suffix"), m);
        Files.writeString(file, "{\"model\": {\"type\": \"WordPiece\"}}");
        m = messageOf(() -> ClipTokenizer.fromFolder(dir));
        assertTrue(m.contains(file.toString()), m);
    }

    @Test
    void corruptConfigAndUnknownPadToken() throws IOException {
        write("vocab.json", TINY_VOCAB);
        write("merges.txt", TINY_MERGES);
        write("tokenizer_config.json", "{\"pad_token\": ");
        String m = messageOf(() -> ClipTokenizer.fromFolder(dir));
        assertTrue(m.contains(dir.resolve("tokenizer_config.json").toString()), m);
        write("tokenizer_config.json", "{\"pad_token\": \"<pad>\"}");
        m = messageOf(() -> ClipTokenizer.fromFolder(dir));
        assertTrue(m.contains("pad token") && m.contains("<pad>"), m);
        write("tokenizer_config.json", "{\"model_max_length\": 1}");
        m = messageOf(() -> ClipTokenizer.fromFolder(dir));
        assertTrue(m.contains("model_max_length"), m);
    }
}
