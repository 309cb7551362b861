package dev.moa.moa;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A subject as a user names it: the word it binds to in the prompt (null when the prompt marks it with
 * {@code <|image|>}) and its reference photo.
 */
public record SubjectSpec(String word, Path image) {
    public SubjectSpec {
        Objects.requireNonNull(image, "image");
        if (word != null && word.isBlank()) {
            word = null;
        }
    }

    /**
     * Parses {@code WORD=IMAGE}, {@code =IMAGE} or {@code IMAGE} (the command line's form); the image must exist.
     *
     * @throws IllegalArgumentException naming {@code what} (e.g. the flag) and the problem
     */
    public static SubjectSpec parse(String text, String what) {
        int eq = text.indexOf('=');
        String word = eq > 0 ? text.substring(0, eq).trim() : null;
        String file = (eq >= 0 ? text.substring(eq + 1) : text).trim();
        if (file.isEmpty()) {
            throw new IllegalArgumentException(what + " '" + text + "': expected WORD=IMAGE");
        }
        Path p = Path.of(file);
        if (!java.nio.file.Files.exists(p)) {
            throw new IllegalArgumentException(what + " '" + text + "': image file not found: " + file);
        }
        return new SubjectSpec(word, p);
    }
}
