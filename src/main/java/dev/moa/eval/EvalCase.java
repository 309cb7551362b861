package dev.moa.eval;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.moa.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One evaluation case (a line of the cases JSONL): a prompt on a scene, the subjects with their reference photos
 * and ground truth (class, pattern, colours), and the seeds to generate at. {@code identity} groups cases for the
 * confidence intervals (figures vary over identities, not over seeds of one identity).
 *
 * @param classes the class words the prompt draws, in the caption's (left-to-right) order, when it draws more than
 *     its subjects ("a photo of a disc and a star" with only the disc personalized); null: the subjects' words
 * @param kind {@code generate} (null means it too), or {@code morph}: two subjects with the same word, the subject
 *     morphed from the first photo to the second at each seed
 */
public record EvalCase(String id, String identity, String prompt, String scene, List<Subject> subjects, List<Long> seeds,
        List<String> classes, String kind) {

    public static final String MORPH = "morph";

    /** A subject: its word, its photo (relative paths are relative to the cases file) and what it truly is. */
    public record Subject(String word, String image, String shape, String pattern, String primary, String secondary) {
        public int primaryRgb() {
            return rgb(primary);
        }

        public int secondaryRgb() {
            return rgb(secondary);
        }

        private static int rgb(String hex) {
            return Integer.parseInt(hex.startsWith("#") ? hex.substring(1) : hex, 16);
        }
    }

    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    public EvalCase {
        if (id == null || prompt == null || scene == null || subjects == null || subjects.isEmpty() || seeds == null
                || seeds.isEmpty()) {
            throw new IllegalArgumentException("a case needs id, prompt, scene, subjects and seeds");
        }
        identity = identity == null ? id : identity;
        subjects = List.copyOf(subjects);
        seeds = List.copyOf(seeds);
        classes = classes == null ? null : List.copyOf(classes);
        kind = kind == null ? "generate" : kind;
        if (!kind.equals("generate") && !kind.equals(MORPH)) {
            throw new IllegalArgumentException("kind must be generate or morph, got '" + kind + "'");
        }
        if (kind.equals(MORPH) && (subjects.size() != 2 || !subjects.get(0).word().equals(subjects.get(1).word()))) {
            throw new IllegalArgumentException("a morph case needs two subjects with the same word");
        }
        if (classes != null && !kind.equals(MORPH)) {
            for (Subject s : subjects) {
                if (!classes.contains(s.word())) {
                    throw new IllegalArgumentException("subject word '" + s.word() + "' is not among classes " + classes);
                }
            }
        }
    }

    /** A case whose prompt draws exactly its subjects. */
    public EvalCase(String id, String identity, String prompt, String scene, List<Subject> subjects, List<Long> seeds) {
        this(id, identity, prompt, scene, subjects, seeds, null, null);
    }

    /** The class words the prompt draws, left to right (for a morph: the one subject's word). */
    public List<String> objectWords() {
        if (classes != null) {
            return classes;
        }
        if (kind.equals(MORPH)) {
            return List.of(subjects.get(0).word());
        }
        return subjects.stream().map(Subject::word).toList();
    }

    public boolean isMorph() {
        return kind.equals(MORPH);
    }

    /** Reads a JSONL file of cases; errors name the file and line. */
    public static List<EvalCase> read(Path file) throws IOException {
        List<EvalCase> out = new ArrayList<>();
        int n = 0;
        for (String line : Files.readAllLines(file)) {
            n++;
            if (line.isBlank()) {
                continue;
            }
            try {
                EvalCase c = GSON.fromJson(line, EvalCase.class);
                if (c == null) {
                    throw new IllegalArgumentException("empty case");
                }
                out.add(c);
            } catch (RuntimeException e) {
                // Gson wraps what the record's constructor throws
                Throwable cause = e.getCause() instanceof IllegalArgumentException ? e.getCause() : e;
                String why = cause instanceof IllegalArgumentException ? cause.getMessage() : "bad JSON";
                throw new IOException(file + ":" + n + ": not a valid case (" + why + ")");
            }
        }
        if (out.isEmpty()) {
            throw new IOException(file + ": no cases");
        }
        return out;
    }

    /** Writes cases as JSONL, atomically. */
    public static void write(Path file, List<EvalCase> cases) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (EvalCase c : cases) {
            sb.append(GSON.toJson(c)).append('\n');
        }
        AtomicFiles.writeString(file, sb.toString());
    }
}
