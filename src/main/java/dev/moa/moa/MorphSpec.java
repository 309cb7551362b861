package dev.moa.moa;

import java.nio.file.Files;
import java.nio.file.Path;

/** A morph as a user names it: the subject word and the two photos it goes between. */
public record MorphSpec(String word, Path from, Path to) {

    /**
     * Parses {@code WORD=A.jpg,B.jpg}; both photos must exist.
     *
     * @throws IllegalArgumentException naming {@code what} (e.g. the flag) and the problem
     */
    public static MorphSpec parse(String text, String what) {
        int eq = text.indexOf('=');
        String[] ab = eq > 0 ? text.substring(eq + 1).split(",") : new String[0];
        if (eq <= 0 || ab.length != 2) {
            throw new IllegalArgumentException(what + " '" + text + "': expected WORD=A.jpg,B.jpg");
        }
        for (String f : ab) {
            if (!Files.exists(Path.of(f.trim()))) {
                throw new IllegalArgumentException(what + ": image file not found: " + f.trim());
            }
        }
        return new MorphSpec(text.substring(0, eq).trim(), Path.of(ab[0].trim()), Path.of(ab[1].trim()));
    }
}
