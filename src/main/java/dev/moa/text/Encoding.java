package dev.moa.text;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Token ids of one text with, for each token, the word (pre-token) it came from and that word's character
 * span {@code [start, end)} in the original string (UTF-16 indices, as {@link String#substring}).
 *
 * <p>A word is one unit BPE saw: a run of letters, a single digit, a contraction such as {@code 's}, a run of
 * other symbols, or a special token written in the text. All tokens of a word share its span, and its last
 * token is the one ending in {@code </w>}. Tokens the tokenizer adds (start, end, padding) have span
 * (-1, -1) and word -1. Positions are indices into {@link #ids()}; position 0 is the start token.
 *
 * <p>Spans are exact for text that NFC leaves unchanged; see {@link ClipTokenizer} for the limitations.
 */
public final class Encoding {
    private final String text;
    private final int[] ids;
    private final int[] words;
    private final int[] wordStarts;
    private final int[] wordEnds;
    private final int droppedTokens;
    private final int cutWord; // word split by truncation (some tokens kept, some dropped), or -1

    Encoding(String text, int[] ids, int[] words, int[] wordStarts, int[] wordEnds) {
        this(text, ids, words, wordStarts, wordEnds, 0, -1);
    }

    private Encoding(String text, int[] ids, int[] words, int[] wordStarts, int[] wordEnds, int droppedTokens,
                     int cutWord) {
        this.text = text;
        this.ids = ids;
        this.words = words;
        this.wordStarts = wordStarts;
        this.wordEnds = wordEnds;
        this.droppedTokens = droppedTokens;
        this.cutWord = cutWord;
    }

    /** The input text the spans refer to. */
    public String text() {
        return text;
    }

    /** Number of tokens, including start/end (and padding, for a padded encoding). */
    public int length() {
        return ids.length;
    }

    /** A copy of the token ids. */
    public int[] ids() {
        return ids.clone();
    }

    public int id(int position) {
        return ids[position];
    }

    /** Index of the word token {@code position} came from, or -1 for start/end/padding tokens. */
    public int word(int position) {
        return words[position];
    }

    /** Start (inclusive) in {@link #text()} of the word of token {@code position}; -1 for added tokens. */
    public int start(int position) {
        int w = words[position];
        return w < 0 ? -1 : wordStarts[w];
    }

    /** End (exclusive) in {@link #text()} of the word of token {@code position}; -1 for added tokens. */
    public int end(int position) {
        int w = words[position];
        return w < 0 ? -1 : wordEnds[w];
    }

    /** Number of words in the whole text, including words whose tokens were truncated away. */
    public int wordCount() {
        return wordStarts.length;
    }

    public int wordStart(int word) {
        return wordStarts[word];
    }

    public int wordEnd(int word) {
        return wordEnds[word];
    }

    /** The word as written in the original text. */
    public String wordText(int word) {
        return text.substring(wordStarts[word], wordEnds[word]);
    }

    /**
     * Indices of the words that read {@code word} after the tokenizer's normalization (NFC, lowercase), so
     * {@code findWords("man")} finds "MAN" in "a MAN's hat" (words "man", "'s", "hat"). Empty if none.
     */
    public int[] findWords(String word) {
        String wanted = fold(word);
        List<Integer> hits = new ArrayList<>();
        for (int w = 0; w < wordCount(); w++) {
            if (fold(wordText(w)).equals(wanted)) {
                hits.add(w);
            }
        }
        return hits.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Token positions of {@code word}, in order; fewer (or none) if truncation cut the word. */
    public int[] positionsOfWord(int word) {
        return positionsWhere(p -> words[p] == word);
    }

    /**
     * Position of the last token of {@code word} (the one ending in {@code </w>}), or -1 if truncation removed
     * it. This is the position subject binding attaches a subject to.
     */
    public int lastPositionOfWord(int word) {
        if (word == cutWord) {
            return -1;
        }
        for (int p = ids.length - 1; p >= 0; p--) {
            if (words[p] == word) {
                return p;
            }
        }
        return -1;
    }

    /** The word whose span contains character index {@code charIndex}, or -1 (whitespace, out of range). */
    public int wordAt(int charIndex) {
        for (int w = 0; w < wordCount(); w++) {
            if (wordStarts[w] <= charIndex && charIndex < wordEnds[w]) {
                return w;
            }
        }
        return -1;
    }

    /** Token positions whose word span overlaps the character range {@code [start, end)}, in order. */
    public int[] positionsInSpan(int start, int end) {
        return positionsWhere(p -> words[p] >= 0 && wordStarts[words[p]] < end && start < wordEnds[words[p]]);
    }

    /** How many content tokens truncation removed (0 for an unpadded encoding). */
    public int droppedTokens() {
        return droppedTokens;
    }

    public boolean truncated() {
        return droppedTokens > 0;
    }

    /**
     * This encoding cut or padded to exactly {@code length} tokens, as SD feeds the text encoder: content is
     * truncated so that the end token stays last, then {@code padId} fills up.
     */
    Encoding fit(int length, int eosId, int padId) {
        int[] outIds = new int[length];
        int[] outWords = new int[length];
        Arrays.fill(outWords, -1);
        int dropped = Math.max(0, ids.length - length);
        int cut = -1;
        if (dropped > 0) {
            int firstDropped = length - 1;
            if (words[firstDropped] >= 0 && words[firstDropped] == words[firstDropped - 1]) {
                cut = words[firstDropped];
            }
            System.arraycopy(ids, 0, outIds, 0, length - 1);
            System.arraycopy(words, 0, outWords, 0, length - 1);
            outIds[length - 1] = eosId;
        } else {
            System.arraycopy(ids, 0, outIds, 0, ids.length);
            System.arraycopy(words, 0, outWords, 0, ids.length);
            Arrays.fill(outIds, ids.length, length, padId);
        }
        return new Encoding(text, outIds, outWords, wordStarts, wordEnds, dropped, cut);
    }

    private int[] positionsWhere(java.util.function.IntPredicate keep) {
        int n = 0;
        int[] out = new int[ids.length];
        for (int p = 0; p < ids.length; p++) {
            if (keep.test(p)) {
                out[n++] = p;
            }
        }
        return Arrays.copyOf(out, n);
    }

    private static String fold(String s) {
        return Normalizer.normalize(s, Normalizer.Form.NFC).toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return "Encoding" + Arrays.toString(ids) + (truncated() ? " (" + droppedTokens + " tokens dropped)" : "");
    }

    /**
     * Word indices where a (possibly multi-word) phrase ends, in order of appearance; words compare after
     * lower-casing, as {@link #findWords} does.
     */
    public int[] findPhrase(String phrase) {
        String[] parts = phrase.strip().toLowerCase(java.util.Locale.ROOT).split("\\s+");
        java.util.List<Integer> out = new java.util.ArrayList<>();
        for (int w : findWords(parts[parts.length - 1])) {
            boolean ok = true;
            for (int k = 1; k < parts.length && ok; k++) {
                int prev = w - k;
                ok = prev >= 0 && wordText(prev).toLowerCase(java.util.Locale.ROOT).equals(parts[parts.length - 1 - k]);
            }
            if (ok) {
                out.add(w);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}
