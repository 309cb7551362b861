package dev.moa.text;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The CLIP BPE tokenizer of Stable Diffusion 1.x / 2.x, giving the same ids as Hugging Face's
 * {@code CLIPTokenizerFast} (the package doc lists the steps). Immutable and thread-safe.
 *
 * <p>Behaviour notes:
 * <ul>
 *   <li>Special tokens written in the prompt count only if spelled exactly ({@code <|endoftext|>});
 *       other casings are tokenized as ordinary symbols and letters, as HF does. With SD 2.x's tokenizer the
 *       pad token {@code !} is such a token too, so "!" in a prompt becomes id 0, again as in HF.</li>
 *   <li>Character spans ({@link #encodeDetailed}) are exact when NFC leaves the text unchanged (ASCII,
 *       precomposed accents, CJK, emoji). Characters NFC merges (e.g. {@code e} + combining acute) share one
 *       span; lowercasing that adds a character ({@code İ} -> {@code i} + U+0307, which becomes two words)
 *       gives both words the span of the one original character.</li>
 *   <li>Unicode tables are Java 17's (Unicode 13); HF's may be newer, which can only matter for characters
 *       assigned since.</li>
 * </ul>
 */
public final class ClipTokenizer {
    /** SD's text encoders have 77 positions; used when the config does not say. */
    public static final int DEFAULT_MAX_LENGTH = 77;
    static final String DEFAULT_BOS = "<|startoftext|>";
    static final String DEFAULT_EOS = "<|endoftext|>";
    private static final String END_OF_WORD = "</w>";

    /** Which files {@link #fromFolder(Path, Format)} reads. */
    public enum Format {
        /** {@code vocab.json} + {@code merges.txt} if both exist, else {@code tokenizer.json}. */
        AUTO,
        VOCAB_AND_MERGES,
        TOKENIZER_JSON
    }

    private final Map<String, Integer> tokenToId;
    private final String[] idToToken;
    private final AddedTokens added;
    private final Bpe bpe;
    private final int bosId;
    private final int eosId;
    private final int padId;
    private final int unkId;
    private final int maxLength;

    private ClipTokenizer(TokenizerFiles.Parts parts, TokenizerFiles.Settings settings, Path configDir)
            throws TokenizerFormatException {
        String where = configDir == null ? "tokenizer" : configDir.toString();
        tokenToId = new HashMap<>(parts.vocab());
        List<AddedTokens.Token> addedList = new ArrayList<>(parts.added());
        addedList.addAll(settings.added());
        for (AddedTokens.Token t : addedList) {
            tokenToId.putIfAbsent(t.content(), t.id());
        }
        String bos = first(settings.bos(), parts.bos(), DEFAULT_BOS);
        String eos = first(settings.eos(), parts.eos(), DEFAULT_EOS);
        String unk = first(parts.unk(), settings.unk(), eos); // the BPE model's own unk wins
        String pad = first(settings.pad(), eos, eos); // CLIPTokenizer's default pad is <|endoftext|>
        bosId = require(bos, "bos (start) token", where);
        eosId = require(eos, "eos (end) token", where);
        unkId = require(unk, "unk token", where);
        padId = require(pad, "pad token", where);
        // transformers registers the special tokens as added tokens, matched verbatim in the raw text
        for (String special : new String[] {bos, eos, unk, pad}) {
            addedList.add(new AddedTokens.Token(special, tokenToId.get(special)));
        }
        Map<String, AddedTokens.Token> unique = new LinkedHashMap<>();
        for (AddedTokens.Token t : addedList) {
            unique.putIfAbsent(t.content(), t);
        }
        added = new AddedTokens(new ArrayList<>(unique.values()));
        maxLength = settings.maxLength() != null ? settings.maxLength() : DEFAULT_MAX_LENGTH;

        int size = 0;
        for (int id : tokenToId.values()) {
            size = Math.max(size, id + 1);
        }
        idToToken = new String[size];
        for (Map.Entry<String, Integer> e : tokenToId.entrySet()) {
            if (idToToken[e.getValue()] == null || parts.vocab().containsKey(e.getKey())) {
                idToToken[e.getValue()] = e.getKey();
            }
        }
        bpe = new Bpe(byteIds(parts.vocab(), ""), byteIds(parts.vocab(), END_OF_WORD),
                mergeTable(parts), unkId);
    }

    // ---------------------------------------------------------------- loading

    /**
     * Loads a diffusers/HF {@code tokenizer/} folder: {@code vocab.json} + {@code merges.txt} if present, else
     * {@code tokenizer.json}; {@code tokenizer_config.json} / {@code special_tokens_map.json} when present
     * give the pad token and {@code model_max_length} (default 77).
     */
    public static ClipTokenizer fromFolder(Path dir) throws IOException {
        return fromFolder(dir, Format.AUTO);
    }

    public static ClipTokenizer fromFolder(Path dir, Format format) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new TokenizerFormatException("tokenizer folder not found: " + dir);
        }
        Path vocab = dir.resolve(TokenizerFiles.VOCAB);
        Path merges = dir.resolve(TokenizerFiles.MERGES);
        Path json = dir.resolve(TokenizerFiles.TOKENIZER_JSON);
        switch (format) {
            case VOCAB_AND_MERGES:
                return load(TokenizerFiles.readVocabAndMerges(vocab, merges), dir);
            case TOKENIZER_JSON:
                return load(TokenizerFiles.readTokenizerJson(json), dir);
            default:
                if (Files.exists(vocab) && Files.exists(merges)) {
                    return load(TokenizerFiles.readVocabAndMerges(vocab, merges), dir);
                }
                if (Files.exists(json)) {
                    return load(TokenizerFiles.readTokenizerJson(json), dir);
                }
                if (Files.exists(vocab) || Files.exists(merges)) {
                    Path missing = Files.exists(vocab) ? merges : vocab;
                    throw new TokenizerFormatException("tokenizer file not found: " + missing
                            + " (needed with " + (Files.exists(vocab) ? vocab : merges) + "; no tokenizer.json either)");
                }
                throw new TokenizerFormatException("no tokenizer in " + dir
                        + ": expected vocab.json + merges.txt or tokenizer.json");
        }
    }

    /**
     * The SD 1.x / CLIP ViT-L/14 tokenizer shipped inside this library (CLIP's published BPE vocabulary, MIT
     * licensed), for single-file checkpoints that carry no tokenizer.
     */
    public static ClipTokenizer bundled() throws IOException {
        Path dir = Files.createTempDirectory("moa-clip-tokenizer");
        try {
            for (String name : new String[] {TokenizerFiles.VOCAB, TokenizerFiles.MERGES, "tokenizer_config.json",
                    "special_tokens_map.json"}) {
                try (java.io.InputStream in = ClipTokenizer.class.getResourceAsStream("sd-clip/" + name)) {
                    if (in == null) {
                        throw new TokenizerFormatException("bundled tokenizer file missing from the classpath: " + name);
                    }
                    Files.copy(in, dir.resolve(name));
                }
            }
            return fromFolder(dir);
        } finally {
            try (java.util.stream.Stream<Path> s = Files.list(dir)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    /** From explicit vocabulary and merges files; configs are read from the vocabulary's folder if there. */
    public static ClipTokenizer fromVocabAndMerges(Path vocabJson, Path mergesTxt) throws IOException {
        return load(TokenizerFiles.readVocabAndMerges(vocabJson, mergesTxt), vocabJson.toAbsolutePath().getParent());
    }

    /** From an HF {@code tokenizer.json}; configs are read from its folder if there. */
    public static ClipTokenizer fromTokenizerJson(Path tokenizerJson) throws IOException {
        return load(TokenizerFiles.readTokenizerJson(tokenizerJson), tokenizerJson.toAbsolutePath().getParent());
    }

    private static ClipTokenizer load(TokenizerFiles.Parts parts, Path configDir) throws IOException {
        return new ClipTokenizer(parts, TokenizerFiles.readSettings(configDir), configDir);
    }

    // ---------------------------------------------------------------- encoding

    /** Ids with start and end tokens, no truncation or padding. */
    public int[] encode(String text) {
        return encodeDetailed(text).ids();
    }

    /**
     * Exactly {@link #maxLength()} ids: start, content truncated if needed, end, then pad ids. Use
     * {@link #encodeDetailedPadded} to learn whether (and how much) was truncated.
     */
    public int[] encodePadded(String text) {
        return encodeDetailedPadded(text).ids();
    }

    /** How many content tokens {@link #encodePadded} drops from {@code text} (0 if it fits). */
    public int overflow(String text) {
        return Math.max(0, encodeDetailed(text).length() - maxLength);
    }

    /** Ids (start and end included, no truncation) with each token's word and character span. */
    public Encoding encodeDetailed(String text) {
        IntList ids = new IntList();
        IntList words = new IntList();
        IntList wordStarts = new IntList();
        IntList wordEnds = new IntList();
        ids.add(bosId);
        words.add(-1);
        for (AddedTokens.Segment seg : added.split(text)) {
            if (seg.isAdded()) {
                words.add(wordStarts.size());
                ids.add(seg.id());
                wordStarts.add(seg.start());
                wordEnds.add(seg.end());
                continue;
            }
            TextNormalizer.Normalized norm = TextNormalizer.normalize(text, seg.start(), seg.end());
            for (int[] piece : PreTokenizer.split(norm.text())) {
                int word = wordStarts.size();
                wordStarts.add(norm.start()[piece[0]]);
                wordEnds.add(norm.end()[piece[1] - 1]);
                for (int id : bpe.encode(norm.text().substring(piece[0], piece[1]))) {
                    ids.add(id);
                    words.add(word);
                }
            }
        }
        ids.add(eosId);
        words.add(-1);
        return new Encoding(text, ids.toArray(), words.toArray(), wordStarts.toArray(), wordEnds.toArray());
    }

    /**
     * {@link #encodeDetailed} cut/padded to {@link #maxLength()}, with {@link Encoding#droppedTokens()} set.
     * Positions are the same as in the unpadded form (truncation only removes tokens at the end), so the
     * CLI can warn "prompt truncated: N tokens over 77" from {@code droppedTokens()} and {@link #maxLength()}.
     */
    public Encoding encodeDetailedPadded(String text) {
        return encodeDetailed(text).fit(maxLength, eosId, padId);
    }

    // ---------------------------------------------------------------- decoding

    /**
     * Text of {@code ids} for messages and debugging: start/end tokens and the padding after the end token are
     * skipped, {@code </w>} becomes a space, bytes are decoded as UTF-8 (invalid sequences -> U+FFFD). Gives the
     * normalized text back for plain words; punctuation comes back space-separated ("a man ," for "a man,").
     */
    public String decode(int[] ids) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean afterEnd = false;
        for (int id : ids) {
            if (id == bosId || id == eosId) {
                afterEnd |= id == eosId;
                continue;
            }
            if (afterEnd && id == padId) {
                continue;
            }
            String token = token(id);
            boolean wordEnd = token.endsWith(END_OF_WORD);
            ByteLevel.appendBytes(wordEnd ? token.substring(0, token.length() - END_OF_WORD.length()) : token, bytes);
            if (wordEnd) {
                bytes.write(' ');
            }
        }
        String s = bytes.toString(StandardCharsets.UTF_8);
        return s.endsWith(" ") ? s.substring(0, s.length() - 1) : s;
    }

    // ---------------------------------------------------------------- accessors

    public int bosId() {
        return bosId;
    }

    public int eosId() {
        return eosId;
    }

    public int padId() {
        return padId;
    }

    public int unkId() {
        return unkId;
    }

    /** Length of {@link #encodePadded} output (tokenizer_config's {@code model_max_length}, default 77). */
    public int maxLength() {
        return maxLength;
    }

    /** Number of ids (highest id + 1): 49408 for CLIP. */
    public int vocabSize() {
        return idToToken.length;
    }

    /** The id of a vocabulary token in its stored form (e.g. {@code "man</w>"}), or -1 if there is none. */
    public int tokenId(String token) {
        Integer id = tokenToId.get(token);
        return id == null ? -1 : id;
    }

    /** The stored form of token {@code id} (e.g. {@code "man</w>"}). */
    public String token(int id) {
        if (id < 0 || id >= idToToken.length || idToToken[id] == null) {
            throw new IllegalArgumentException("no token with id " + id + " (vocabulary size " + idToToken.length + ")");
        }
        return idToToken[id];
    }

    // ---------------------------------------------------------------- construction helpers

    private int require(String token, String what, String where) throws TokenizerFormatException {
        Integer id = tokenToId.get(token);
        if (id == null) {
            throw new TokenizerFormatException(where + ": " + what + " \"" + token + "\" is not in the vocabulary");
        }
        return id;
    }

    private static int[] byteIds(Map<String, Integer> vocab, String suffix) {
        int[] ids = new int[256];
        for (int b = 0; b < 256; b++) {
            ids[b] = vocab.getOrDefault(ByteLevel.charOf(b) + suffix, -1);
        }
        return ids;
    }

    private static PairTable mergeTable(TokenizerFiles.Parts parts) throws TokenizerFormatException {
        Map<String, Integer> vocab = parts.vocab();
        PairTable table = new PairTable(parts.merges().size());
        int rank = 0;
        for (String[] m : parts.merges()) {
            Integer left = vocab.get(m[0]);
            Integer right = vocab.get(m[1]);
            Integer merged = vocab.get(m[0] + m[1]);
            if (left == null || right == null || merged == null) {
                String missing = left == null ? m[0] : right == null ? m[1] : m[0] + m[1];
                throw new TokenizerFormatException(parts.mergesSource() + " " + m[2] + ": merge \"" + m[0] + " " + m[1]
                        + "\" uses \"" + missing + "\", which is not in the vocabulary");
            }
            table.put(left, right, rank++, merged);
        }
        return table;
    }

    private static String first(String a, String b, String c) {
        return a != null ? a : b != null ? b : c;
    }

    /** Growable int array, to avoid boxing while collecting ids. */
    private static final class IntList {
        private int[] a = new int[32];
        private int n;

        void add(int v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, n * 2);
            }
            a[n++] = v;
        }

        int size() {
            return n;
        }

        int[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }
}
