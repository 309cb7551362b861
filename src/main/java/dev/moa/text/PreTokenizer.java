package dev.moa.text;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits normalized text into the pieces BPE sees, in HF's two stages: the CLIP regex (matches kept,
 * whitespace between them dropped), then the GPT-2 regex of the byte-level pre-tokenizer inside each piece.
 *
 * <p>The second stage changes nothing for ordinary text. It matters for {@code <|endoftext|>} that did not
 * match an added token in the raw text (e.g. written {@code <|EndOfText|>}): CLIP's regex keeps it whole but
 * the GPT-2 regex cuts it into {@code <|}, {@code endoftext}, {@code |>}, so it is spelled out, not a special.
 *
 * <p>No case-insensitive flag: the text is already lowercased, and Java's Unicode case folding would let
 * {@code 's} match {@code 'ſ} (long s), which HF's pattern does not.
 */
final class PreTokenizer {
    private static final Pattern CLIP = Pattern.compile(
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
            Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern GPT2 = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    private PreTokenizer() {}

    /** Pieces as {start, end} index pairs into {@code text}, in order. */
    static List<int[]> split(String text) {
        List<int[]> pieces = new ArrayList<>();
        Matcher clip = CLIP.matcher(text);
        Matcher gpt2 = GPT2.matcher(text);
        while (clip.find()) {
            // opaque region bounds: the piece is matched as if it were the whole string, as HF does
            gpt2.region(clip.start(), clip.end());
            int covered = clip.start();
            while (gpt2.find()) {
                if (gpt2.start() > covered) {
                    pieces.add(new int[] {covered, gpt2.start()}); // "Isolated": unmatched stretches stay
                }
                pieces.add(new int[] {gpt2.start(), gpt2.end()});
                covered = gpt2.end();
            }
            if (covered < clip.end()) {
                pieces.add(new int[] {covered, clip.end()});
            }
        }
        return pieces;
    }
}
