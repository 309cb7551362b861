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
 */
public record EvalCase(String id, String identity, String prompt, String scene, List<Subject> subjects, List<Long> seeds) {

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
