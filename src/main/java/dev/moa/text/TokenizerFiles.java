package dev.moa.text;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the tokenizer files of a Hugging Face / diffusers {@code tokenizer/} folder into {@link Parts}.
 * Every failure is a {@link TokenizerFormatException} naming the file (and line or entry where it helps).
 */
final class TokenizerFiles {
    static final String VOCAB = "vocab.json";
    static final String MERGES = "merges.txt";
    static final String TOKENIZER_JSON = "tokenizer.json";
    static final String CONFIG = "tokenizer_config.json";
    static final String SPECIAL_TOKENS_MAP = "special_tokens_map.json";

    private TokenizerFiles() {}

    /** The model files' content: vocabulary, merge rules in rank order, and the file's own added tokens. */
    record Parts(Map<String, Integer> vocab, List<String[]> merges, String mergesSource,
                 List<AddedTokens.Token> added, String unk, String bos, String eos) {}

    /**
     * Special-token names and length from {@code tokenizer_config.json} / {@code special_tokens_map.json}
     * (the latter wins, as in transformers); null where neither file says.
     */
    record Settings(String bos, String eos, String unk, String pad, Integer maxLength,
                    List<AddedTokens.Token> added) {}

    // ---------------------------------------------------------------- vocab.json + merges.txt

    static Parts readVocabAndMerges(Path vocabFile, Path mergesFile) throws IOException {
        return new Parts(readVocab(vocabFile), readMerges(mergesFile), mergesFile.toString(), List.of(),
                null, null, null);
    }

    /** {@code {"token": id, ...}}. */
    static Map<String, Integer> readVocab(Path file) throws IOException {
        try (JsonReader r = new JsonReader(open(file, "vocabulary"))) {
            Map<String, Integer> vocab = readVocabObject(r, file);
            if (r.peek() != JsonToken.END_DOCUMENT) {
                throw new TokenizerFormatException(file + ": unexpected content after the vocabulary object");
            }
            return vocab;
        } catch (TokenizerFormatException e) {
            throw e;
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            throw corrupt(file, "not a JSON object of token -> id", e);
        }
    }

    /** One merge per line, "left right", in rank order; an optional {@code #version} header line. */
    static List<String[]> readMerges(Path file) throws IOException {
        List<String[]> merges = new ArrayList<>(50_000);
        try (BufferedReader in = open(file, "merges")) {
            String line;
            int lineNo = 0;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if ((lineNo == 1 && line.startsWith("#version")) || line.isEmpty()) {
                    continue;
                }
                int space = line.indexOf(' ');
                if (space <= 0 || space == line.length() - 1 || line.indexOf(' ', space + 1) >= 0) {
                    throw new TokenizerFormatException(file + " line " + lineNo
                            + ": expected two symbols separated by one space, got \"" + shorten(line) + "\"");
                }
                merges.add(new String[] {line.substring(0, space), line.substring(space + 1), "line " + lineNo});
            }
        } catch (CharacterCodingException e) {
            throw corrupt(file, "not UTF-8 text", e);
        }
        if (merges.isEmpty()) {
            throw new TokenizerFormatException(file + ": no merge rules");
        }
        return merges;
    }

    // ---------------------------------------------------------------- tokenizer.json

    /** The HF tokenizers single-file format; only a BPE model with the {@code </w>} suffix is accepted. */
    static Parts readTokenizerJson(Path file) throws IOException {
        Map<String, Integer> vocab = null;
        List<String[]> merges = null;
        List<AddedTokens.Token> added = new ArrayList<>();
        String[] model = new String[4]; // type, unk, suffix, prefix
        String bos = null;
        String eos = null;
        try (JsonReader r = new JsonReader(open(file, "tokenizer"))) {
            r.beginObject();
            while (r.hasNext()) {
                switch (r.nextName()) {
                    case "added_tokens" -> {
                        JsonElement list = JsonParser.parseReader(r);
                        if (list.isJsonArray()) {
                            for (JsonElement e : list.getAsJsonArray()) {
                                JsonObject o = e.getAsJsonObject();
                                added.add(new AddedTokens.Token(o.get("content").getAsString(), o.get("id").getAsInt()));
                            }
                        }
                    }
                    case "model" -> {
                        r.beginObject();
                        while (r.hasNext()) {
                            switch (r.nextName()) {
                                case "type" -> model[0] = nextStringOrNull(r);
                                case "unk_token" -> model[1] = nextStringOrNull(r);
                                case "end_of_word_suffix" -> model[2] = nextStringOrNull(r);
                                case "continuing_subword_prefix" -> model[3] = nextStringOrNull(r);
                                case "vocab" -> vocab = readVocabObject(r, file);
                                case "merges" -> merges = readMergeArray(r);
                                default -> r.skipValue();
                            }
                        }
                        r.endObject();
                    }
                    case "post_processor" -> {
                        // RobertaProcessing / BertProcessing: cls = [token, id], sep = [token, id]
                        JsonElement pp = JsonParser.parseReader(r);
                        if (pp.isJsonObject()) {
                            bos = pairToken(pp.getAsJsonObject().get("cls"));
                            eos = pairToken(pp.getAsJsonObject().get("sep"));
                        }
                    }
                    default -> r.skipValue();
                }
            }
            r.endObject();
        } catch (TokenizerFormatException e) {
            throw e;
        } catch (IOException | IllegalStateException | NumberFormatException | JsonParseException
                 | NullPointerException | UnsupportedOperationException e) {
            throw corrupt(file, "not a valid tokenizer.json", e);
        }
        if (vocab == null || merges == null) {
            throw new TokenizerFormatException(file + ": no model.vocab / model.merges (not a BPE tokenizer.json)");
        }
        if (model[0] != null && !model[0].equals("BPE")) {
            throw new TokenizerFormatException(file + ": model type " + model[0] + " is not BPE");
        }
        if (!"</w>".equals(model[2])) {
            throw new TokenizerFormatException(file + ": model.end_of_word_suffix is " + model[2]
                    + ", a CLIP tokenizer has \"</w>\"");
        }
        if (model[3] != null && !model[3].isEmpty()) {
            throw new TokenizerFormatException(file + ": continuing_subword_prefix is not supported");
        }
        return new Parts(vocab, merges, file + " model.merges", added, model[1], bos, eos);
    }

    private static List<String[]> readMergeArray(JsonReader r) throws IOException {
        List<String[]> merges = new ArrayList<>(50_000);
        r.beginArray();
        for (int i = 0; r.hasNext(); i++) {
            String where = "entry " + i;
            if (r.peek() == JsonToken.BEGIN_ARRAY) { // newer format: ["left", "right"]
                r.beginArray();
                String left = r.nextString();
                String right = r.nextString();
                r.endArray();
                merges.add(new String[] {left, right, where});
            } else { // older format: "left right"
                String s = r.nextString();
                int space = s.indexOf(' ');
                if (space <= 0 || s.indexOf(' ', space + 1) >= 0) {
                    throw new IllegalStateException("merge " + where + " is not \"left right\": " + shorten(s));
                }
                merges.add(new String[] {s.substring(0, space), s.substring(space + 1), where});
            }
        }
        r.endArray();
        return merges;
    }

    // ---------------------------------------------------------------- tokenizer_config.json, special_tokens_map.json

    static Settings readSettings(Path dir) throws IOException {
        String[] tokens = new String[4]; // bos, eos, unk, pad
        Integer maxLength = null;
        List<AddedTokens.Token> added = new ArrayList<>();
        Path config = dir == null ? null : dir.resolve(CONFIG);
        if (config != null && Files.isRegularFile(config)) {
            JsonObject o = readObject(config);
            readSpecials(o, tokens, config);
            JsonElement len = o.get("model_max_length");
            if (len != null && !len.isJsonNull()) {
                try {
                    double v = len.getAsDouble();
                    if (v < 2) {
                        throw new TokenizerFormatException(config + ": model_max_length " + len + " is below 2");
                    }
                    // transformers writes ~1e30 for "no limit"; SD text encoders have 77 positions
                    maxLength = v > 1_000_000 ? null : (int) v;
                } catch (NumberFormatException | UnsupportedOperationException | IllegalStateException e) {
                    throw corrupt(config, "model_max_length is not a number", e);
                }
            }
            // newer transformers list added tokens here: {"49406": {"content": "<|startoftext|>", ...}}
            JsonElement dec = o.get("added_tokens_decoder");
            if (dec != null && dec.isJsonObject()) {
                for (Map.Entry<String, JsonElement> e : dec.getAsJsonObject().entrySet()) {
                    String content = tokenName(e.getValue());
                    try {
                        if (content != null) {
                            added.add(new AddedTokens.Token(content, Integer.parseInt(e.getKey())));
                        }
                    } catch (NumberFormatException ex) {
                        throw corrupt(config, "added_tokens_decoder key " + e.getKey() + " is not an id", ex);
                    }
                }
            }
        }
        Path map = dir == null ? null : dir.resolve(SPECIAL_TOKENS_MAP);
        if (map != null && Files.isRegularFile(map)) {
            readSpecials(readObject(map), tokens, map);
        }
        return new Settings(tokens[0], tokens[1], tokens[2], tokens[3], maxLength, added);
    }

    private static void readSpecials(JsonObject o, String[] tokens, Path file) throws TokenizerFormatException {
        String[] keys = {"bos_token", "eos_token", "unk_token", "pad_token"};
        for (int i = 0; i < keys.length; i++) {
            JsonElement e = o.get(keys[i]);
            if (e == null || e.isJsonNull()) {
                continue;
            }
            String name = tokenName(e);
            if (name == null) {
                throw new TokenizerFormatException(file + ": " + keys[i] + " is neither a string nor {\"content\": ...}");
            }
            tokens[i] = name;
        }
    }

    /** A token given as {@code "text"} or as an AddedToken object {@code {"content": "text", ...}}. */
    private static String tokenName(JsonElement e) {
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            return e.getAsString();
        }
        if (e.isJsonObject()) {
            JsonElement c = e.getAsJsonObject().get("content");
            if (c != null && c.isJsonPrimitive() && c.getAsJsonPrimitive().isString()) {
                return c.getAsString();
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- helpers

    private static Map<String, Integer> readVocabObject(JsonReader r, Path file) throws IOException {
        Map<String, Integer> vocab = new HashMap<>(1 << 17);
        r.beginObject();
        while (r.hasNext()) {
            String token = r.nextName();
            int id = r.nextInt();
            if (id < 0) {
                throw new TokenizerFormatException(file + ": token \"" + shorten(token) + "\" has negative id " + id);
            }
            vocab.put(token, id);
        }
        r.endObject();
        if (vocab.isEmpty()) {
            throw new TokenizerFormatException(file + ": empty vocabulary");
        }
        return vocab;
    }

    private static JsonObject readObject(Path file) throws IOException {
        try (BufferedReader in = open(file, "tokenizer config")) {
            JsonElement e = JsonParser.parseReader(in);
            if (!e.isJsonObject()) {
                throw new TokenizerFormatException(file + ": not a JSON object");
            }
            return e.getAsJsonObject();
        } catch (TokenizerFormatException e) {
            throw e;
        } catch (JsonParseException | IOException e) {
            throw corrupt(file, "not valid JSON", e);
        }
    }

    private static String pairToken(JsonElement e) {
        if (e != null && e.isJsonArray() && e.getAsJsonArray().size() == 2) {
            return e.getAsJsonArray().get(0).getAsString();
        }
        return null;
    }

    private static String nextStringOrNull(JsonReader r) throws IOException {
        if (r.peek() == JsonToken.NULL) {
            r.nextNull();
            return null;
        }
        return r.nextString();
    }

    private static BufferedReader open(Path file, String what) throws IOException {
        try {
            // strict decoder: a corrupt file fails instead of turning into replacement characters
            return new BufferedReader(new java.io.InputStreamReader(Files.newInputStream(file),
                    StandardCharsets.UTF_8.newDecoder()), 1 << 16);
        } catch (NoSuchFileException e) {
            throw new TokenizerFormatException(what + " file not found: " + file, e);
        } catch (IOException e) {
            throw new TokenizerFormatException("cannot read " + what + " file " + file + ": " + e.getMessage(), e);
        }
    }

    private static TokenizerFormatException corrupt(Path file, String what, Exception cause) {
        String detail = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return new TokenizerFormatException(file + ": " + what + " (" + detail + ")", cause);
    }

    private static String shorten(String s) {
        return s.length() <= 60 ? s : s.substring(0, 60) + "...";
    }
}
