package dev.moa.text;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Tokens matched verbatim in the raw input before normalization (HF "added tokens" with
 * {@code normalized: false}): the specials, and for SD 2.x also the pad token {@code !}. Matching is
 * exact-case and leftmost-longest, like HF's Aho-Corasick matcher. Flags such as {@code lstrip},
 * {@code rstrip} and {@code single_word} are not supported (CLIP tokenizers do not set them).
 */
final class AddedTokens {
    record Token(String content, int id) {}

    /** A stretch of the input: an added token ({@code id >= 0}) or ordinary text ({@code id == -1}). */
    record Segment(int start, int end, int id) {
        boolean isAdded() {
            return id >= 0;
        }
    }

    private final List<Token> longestFirst;

    AddedTokens(List<Token> tokens) {
        List<Token> sorted = new ArrayList<>();
        for (Token t : tokens) {
            if (!t.content().isEmpty()) {
                sorted.add(t);
            }
        }
        sorted.sort(Comparator.comparingInt((Token t) -> t.content().length()).reversed());
        this.longestFirst = List.copyOf(sorted);
    }

    List<Token> tokens() {
        return longestFirst;
    }

    List<Segment> split(String text) {
        List<Segment> out = new ArrayList<>();
        int plain = 0;
        int i = 0;
        while (i < text.length()) {
            Token hit = longestAt(text, i);
            if (hit == null) {
                i++;
                continue;
            }
            if (i > plain) {
                out.add(new Segment(plain, i, -1));
            }
            out.add(new Segment(i, i + hit.content().length(), hit.id()));
            i += hit.content().length();
            plain = i;
        }
        if (plain < text.length()) {
            out.add(new Segment(plain, text.length(), -1));
        }
        return out;
    }

    private Token longestAt(String text, int i) {
        for (Token t : longestFirst) {
            if (text.startsWith(t.content(), i)) {
                return t;
            }
        }
        return null;
    }
}
