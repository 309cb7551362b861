package dev.moa.text;

import java.text.Normalizer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CLIP's normalizer (HF: NFC, then {@code \s+} to one space, then lowercase) that also records, for every
 * UTF-16 unit of the result, the span of the original string it came from.
 *
 * <p>Alignment is exact where NFC leaves the text alone (ASCII, precomposed accents, CJK, emoji). Where NFC
 * changes something, the text is cut before every character that cannot combine with what precedes it and
 * each changed piece maps to its whole original span (e.g. {@code e + U+0301} -> {@code é} spans both). If
 * piecewise NFC disagrees with NFC of the whole stretch, which only exotic input can cause, every unit of the
 * stretch maps to the whole stretch. The normalized text itself is always exact NFC.
 */
final class TextNormalizer {
    /** Unicode White_Space, as Oniguruma's {@code \s} in HF's Replace normalizer. */
    static final Pattern WHITESPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);

    private TextNormalizer() {}

    /** Normalized text plus the original span {@code [start[i], end[i])} of each of its UTF-16 units. */
    record Normalized(String text, int[] start, int[] end) {}

    /** Normalizes {@code original[from, to)}; spans are indices into {@code original}. */
    static Normalized normalize(String original, int from, int to) {
        Normalized n = nfc(original, from, to);
        n = collapseWhitespace(n);
        return lowercase(n);
    }

    private static Normalized nfc(String original, int from, int to) {
        String segment = original.substring(from, to);
        if (Normalizer.isNormalized(segment, Normalizer.Form.NFC)) {
            return identity(segment, from);
        }
        String whole = Normalizer.normalize(segment, Normalizer.Form.NFC);
        Builder b = new Builder(whole.length());
        int chunkStart = 0;
        for (int i = 0; i < segment.length(); ) {
            int cp = segment.codePointAt(i);
            int next = i + Character.charCount(cp);
            if (next == segment.length() || !combinesBackward(segment.codePointAt(next))) {
                String chunk = segment.substring(chunkStart, next);
                String nf = Normalizer.normalize(chunk, Normalizer.Form.NFC);
                if (nf.equals(chunk)) {
                    for (int k = 0; k < chunk.length(); k++) {
                        b.add(chunk.charAt(k), from + chunkStart + k, from + chunkStart + k + 1);
                    }
                } else {
                    b.add(nf, from + chunkStart, from + next);
                }
                chunkStart = next;
            }
            i = next;
        }
        Normalized pieces = b.build();
        if (pieces.text().equals(whole)) {
            return pieces;
        }
        Builder coarse = new Builder(whole.length());
        coarse.add(whole, from, to);
        return coarse.build();
    }

    /**
     * Whether NFC may attach {@code cp} to the character before it: combining marks (including the Indic vowel
     * signs that compose) and Hangul medial/final jamo. Cutting before anything else keeps NFC piecewise.
     */
    private static boolean combinesBackward(int cp) {
        int type = Character.getType(cp);
        return type == Character.NON_SPACING_MARK
                || type == Character.COMBINING_SPACING_MARK
                || type == Character.ENCLOSING_MARK
                || (cp >= 0x1160 && cp <= 0x11FF)
                || (cp >= 0xD7B0 && cp <= 0xD7FF);
    }

    private static Normalized collapseWhitespace(Normalized n) {
        Matcher m = WHITESPACE.matcher(n.text());
        if (!m.find()) {
            return n;
        }
        Builder b = new Builder(n.text().length());
        int copied = 0;
        do {
            b.copy(n, copied, m.start());
            b.add(' ', n.start()[m.start()], n.end()[m.end() - 1]);
            copied = m.end();
        } while (m.find());
        b.copy(n, copied, n.text().length());
        return b.build();
    }

    /**
     * Per-character lowercase, as Rust's {@code char::to_lowercase} in HF: no context rules (a final capital
     * sigma becomes σ, not ς, unlike {@link String#toLowerCase}); U+0130 İ becomes "i" + U+0307.
     */
    private static Normalized lowercase(Normalized n) {
        String s = n.text();
        Builder b = new Builder(s.length());
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int len = Character.charCount(cp);
            int start = n.start()[i];
            int end = n.end()[i + len - 1];
            if (cp == 0x130) {
                b.add("i\u0307", start, end);
            } else {
                int lower = Character.toLowerCase(cp);
                if (Character.isBmpCodePoint(lower)) {
                    b.add((char) lower, start, end);
                } else {
                    b.add(new String(Character.toChars(lower)), start, end);
                }
            }
            i += len;
        }
        return b.build();
    }

    private static Normalized identity(String segment, int from) {
        int n = segment.length();
        int[] start = new int[n];
        int[] end = new int[n];
        for (int i = 0; i < n; i++) {
            start[i] = from + i;
            end[i] = from + i + 1;
        }
        return new Normalized(segment, start, end);
    }

    /** Accumulates normalized units with their original spans. */
    private static final class Builder {
        private final StringBuilder text;
        private int[] start;
        private int[] end;

        Builder(int capacity) {
            int cap = Math.max(capacity, 4);
            text = new StringBuilder(cap);
            start = new int[cap];
            end = new int[cap];
        }

        void add(char c, int s, int e) {
            if (text.length() == start.length) {
                start = java.util.Arrays.copyOf(start, start.length * 2);
                end = java.util.Arrays.copyOf(end, end.length * 2);
            }
            start[text.length()] = s;
            end[text.length()] = e;
            text.append(c);
        }

        /** All units of {@code s} share one span: they can't be told apart in the original. */
        void add(String s, int spanStart, int spanEnd) {
            for (int i = 0; i < s.length(); i++) {
                add(s.charAt(i), spanStart, spanEnd);
            }
        }

        void copy(Normalized n, int from, int to) {
            for (int i = from; i < to; i++) {
                add(n.text().charAt(i), n.start()[i], n.end()[i]);
            }
        }

        Normalized build() {
            int n = text.length();
            return new Normalized(text.toString(), java.util.Arrays.copyOf(start, n), java.util.Arrays.copyOf(end, n));
        }
    }
}
