package dev.moa.moa;

import dev.moa.text.ClipTokenizer;
import dev.moa.text.Encoding;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Binds subjects to prompt tokens (spec section 3): a subject's token is the last token of its word.
 * Two ways to name them:
 * <ul>
 *   <li>words: {@code --subject man=me.jpg} on a prompt that contains "man" (its first unbound occurrence);
 *   <li>FastComposer's marker: {@code "a man <|image|> and a woman <|image|>"}: each marker is removed and
 *       the word before it becomes a subject, images taken in order of appearance.
 * </ul>
 */
public final class SubjectPrompt {
    public static final String MARKER = "<|image|>";
    public static final int MAX_SUBJECTS = 4;
    private static final Pattern MARKER_RE = Pattern.compile("\\s*" + Pattern.quote(MARKER));

    private final String prompt;
    private final int[] ids;
    private final int[] positions;
    private final List<String> words;

    private SubjectPrompt(String prompt, int[] ids, int[] positions, List<String> words) {
        this.prompt = prompt;
        this.ids = ids;
        this.positions = positions;
        this.words = words;
    }

    /** The prompt the text encoder sees (markers removed). */
    public String prompt() {
        return prompt;
    }

    /** Padded token ids of {@link #prompt()}. */
    public int[] ids() {
        return ids.clone();
    }

    /** Token position of each subject, in subject order. */
    public int[] positions() {
        return positions.clone();
    }

    /** The subject words, in subject order (as written in the prompt). */
    public List<String> words() {
        return words;
    }

    public int count() {
        return positions.length;
    }

    /** True if the prompt uses FastComposer's {@code <|image|>} markers. */
    public static boolean hasMarkers(String prompt) {
        return prompt.contains(MARKER);
    }

    /**
     * Binds subjects.
     *
     * @param subjectWords the subjects' words in order; with markers it may be empty (the marked words are
     *     used) or must name the marked words in order
     */
    public static SubjectPrompt bind(ClipTokenizer tokenizer, String prompt, List<String> subjectWords) {
        if (subjectWords.size() > MAX_SUBJECTS) {
            throw new IllegalArgumentException(subjectWords.size() + " subjects given; at most " + MAX_SUBJECTS
                    + " are supported");
        }
        return hasMarkers(prompt) ? bindMarkers(tokenizer, prompt, subjectWords) : bindWords(tokenizer, prompt, subjectWords);
    }

    private static SubjectPrompt bindWords(ClipTokenizer tok, String prompt, List<String> subjectWords) {
        Encoding enc = tok.encodeDetailedPadded(prompt);
        boolean[] used = new boolean[enc.length()];
        int[] pos = new int[subjectWords.size()];
        for (int s = 0; s < subjectWords.size(); s++) {
            String word = subjectWords.get(s).trim();
            if (word.isEmpty()) {
                throw new IllegalArgumentException("empty subject word");
            }
            int p = -1;
            boolean truncated = false;
            for (int w : enc.findPhrase(word)) {
                int last = enc.lastPositionOfWord(w);
                if (last < 0) {
                    truncated = true;
                    continue;
                }
                if (!used[last]) {
                    p = last;
                    break;
                }
            }
            if (p < 0) {
                throw new IllegalArgumentException(truncated
                        ? "subject word '" + word + "' is beyond the " + tok.maxLength() + "-token limit of the prompt"
                        : "subject word '" + word + "' is not in the prompt \"" + prompt + "\""
                                + (countOccurrences(subjectWords, word) > 1 ? " often enough (one occurrence per subject)" : ""));
            }
            used[p] = true;
            pos[s] = p;
        }
        return new SubjectPrompt(prompt, enc.ids(), pos, List.copyOf(subjectWords));
    }

    private static long countOccurrences(List<String> words, String w) {
        return words.stream().filter(x -> x.trim().equalsIgnoreCase(w)).count();
    }

    private static SubjectPrompt bindMarkers(ClipTokenizer tok, String prompt, List<String> subjectWords) {
        // remove markers, remembering where each one was in the cleaned text
        StringBuilder clean = new StringBuilder();
        List<Integer> anchors = new ArrayList<>();
        Matcher m = MARKER_RE.matcher(prompt);
        int last = 0;
        while (m.find()) {
            clean.append(prompt, last, m.start());
            anchors.add(clean.length());
            last = m.end();
        }
        clean.append(prompt.substring(last));
        String text = clean.toString();
        if (anchors.size() > MAX_SUBJECTS) {
            throw new IllegalArgumentException(anchors.size() + " " + MARKER + " markers; at most " + MAX_SUBJECTS
                    + " subjects are supported");
        }
        if (!subjectWords.isEmpty() && subjectWords.size() != anchors.size()) {
            throw new IllegalArgumentException("the prompt has " + anchors.size() + " " + MARKER + " marker(s) but "
                    + subjectWords.size() + " subject(s) were given");
        }
        Encoding enc = tok.encodeDetailedPadded(text);
        int[] pos = new int[anchors.size()];
        List<String> words = new ArrayList<>();
        for (int s = 0; s < anchors.size(); s++) {
            int a = anchors.get(s);
            int w = a > 0 ? enc.wordAt(a - 1) : -1;
            if (w < 0) {
                throw new IllegalArgumentException("marker " + MARKER + " #" + (s + 1) + " does not follow a word");
            }
            int p = enc.lastPositionOfWord(w);
            if (p < 0) {
                throw new IllegalArgumentException("the word before marker #" + (s + 1) + " is beyond the "
                        + tok.maxLength() + "-token limit");
            }
            String word = enc.wordText(w);
            if (!subjectWords.isEmpty()) {
                String given = subjectWords.get(s).trim();
                String[] parts = given.split("\\s+");
                if (!parts[parts.length - 1].equalsIgnoreCase(word)) {
                    throw new IllegalArgumentException("subject #" + (s + 1) + " is '" + given + "' but marker #" + (s + 1)
                            + " follows '" + word + "'");
                }
                word = given;
            }
            pos[s] = p;
            words.add(word);
        }
        if (Arrays.stream(pos).distinct().count() != pos.length) {
            throw new IllegalArgumentException("two markers point at the same word");
        }
        return new SubjectPrompt(text, enc.ids(), pos, words);
    }
}
