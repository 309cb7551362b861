package dev.moa.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import dev.moa.testing.Fixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every case of {@code fixtures/tokenizer_cases.json} (HF reference ids), with each way of loading. */
class ClipTokenizerCasesTest {
    record Case(String text, int[] ids, int[] padded77) {
        @Override
        public String toString() {
            return text.length() > 40 ? text.substring(0, 40) + "..." : text;
        }
    }

    private static ClipTokenizer vocabMerges;
    private static ClipTokenizer tokenizerJson;
    private static ClipTokenizer folder;

    @BeforeAll
    static void load() throws IOException {
        vocabMerges = ClipTokenizer.fromVocabAndMerges(
                Fixtures.path("tokenizer/vocab.json"), Fixtures.path("tokenizer/merges.txt"));
        tokenizerJson = ClipTokenizer.fromTokenizerJson(Fixtures.path("models/tiny-sd/tokenizer/tokenizer.json"));
        folder = ClipTokenizer.fromFolder(Fixtures.path("models/tiny-sd/tokenizer"));
    }

    static List<Case> cases() {
        try {
            String json = Files.readString(Fixtures.path("tokenizer_cases.json"), StandardCharsets.UTF_8);
            List<Case> out = new ArrayList<>();
            for (JsonElement e : JsonParser.parseString(json).getAsJsonArray()) {
                var o = e.getAsJsonObject();
                out.add(new Case(o.get("text").getAsString(), ints(o.get("ids")), ints(o.get("padded77"))));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Stream<Arguments> casesByLoader() {
        List<Arguments> args = new ArrayList<>();
        for (Case c : cases()) {
            for (String loader : List.of("vocab+merges", "tokenizer.json", "folder")) {
                args.add(Arguments.of(loader, c));
            }
        }
        return args.stream();
    }

    private static ClipTokenizer tokenizer(String loader) {
        return switch (loader) {
            case "vocab+merges" -> vocabMerges;
            case "tokenizer.json" -> tokenizerJson;
            default -> folder;
        };
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("casesByLoader")
    void idsMatchReference(String loader, Case c) {
        ClipTokenizer tok = tokenizer(loader);
        assertArrayEquals(c.ids(), tok.encode(c.text()), "ids");
        assertArrayEquals(c.padded77(), tok.encodePadded(c.text()), "padded77");
        assertArrayEquals(c.ids(), tok.encodeDetailed(c.text()).ids(), "detailed ids");
        assertArrayEquals(c.padded77(), tok.encodeDetailedPadded(c.text()).ids(), "detailed padded ids");
    }

    @Test
    void fixtureCoversTheAdvertisedKinds() {
        List<Case> all = cases();
        assertTrue(all.size() >= 12, "cases: " + all.size());
        assertTrue(all.stream().anyMatch(c -> c.ids().length > 77), "a case longer than 77 tokens");
        assertTrue(all.stream().anyMatch(c -> c.text().contains("<|endoftext|>")), "a special token in the text");
    }

    @Test
    void cachedSecondPassGivesSameIds() {
        // the BPE cache must not change results (e.g. by handing out a shared, mutated array)
        for (Case c : cases()) {
            assertArrayEquals(c.ids(), vocabMerges.encode(c.text()));
        }
    }

    private static int[] ints(JsonElement e) {
        var a = e.getAsJsonArray();
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsInt();
        }
        return out;
    }

    @Test
    void paddedLengthIsMaxLength() {
        for (Case c : cases()) {
            assertEquals(77, folder.encodePadded(c.text()).length);
        }
    }
}
