package dev.moa.pipeline;

import dev.moa.moa.MoaMode;
import dev.moa.moa.Subject;
import java.util.List;
import java.util.Objects;

/** What a generation is conditioned on: the prompt alone, or the prompt with MoA subjects. */
public sealed interface Conditioning permits Conditioning.Prompt, Conditioning.Moa {

    /** The prompt alone: the base model (or, on a MoA pipeline, the prior branch without subjects). */
    record Prompt() implements Conditioning {}

    /**
     * Personalized generation.
     *
     * @param subjects bound by word or by {@code <|image|>} markers, in prompt order; may be empty
     * @param mode moa (both experts and the router), prior (the base model) or personal (the personalized branch)
     * @param strength scale of the personalized branch: 0 = the prior exactly, 1 = MoA as trained
     * @param subjectStrengths empty (every subject 1), or one value in [0, 1] per subject: how much of that subject's
     *     reference enters its token of the multimodal prompt, T + s (T~ - T); 0 = the plain word in the personalized
     *     branch, 1 = as trained
     * @param keepBackground keep the prior's background exactly: the prior is run first with the same seed and prompt,
     *     and after every step the latents where the router did not personalize are set to the prior's
     *     ({@link RouterAnchor}); mode moa only
     */
    record Moa(List<Subject> subjects, MoaMode mode, double strength, List<Double> subjectStrengths,
            boolean keepBackground) implements Conditioning {
        public Moa {
            subjects = List.copyOf(subjects);
            subjectStrengths = List.copyOf(subjectStrengths);
            Objects.requireNonNull(mode, "mode");
            if (keepBackground && mode != MoaMode.MOA) {
                throw new IllegalArgumentException("keeping the prior's background needs mode moa (the router), not "
                        + mode.name().toLowerCase(java.util.Locale.ROOT));
            }
            if (!(strength >= 0 && strength <= 1)) {
                throw new IllegalArgumentException("subject strength must be between 0 and 1, got " + strength);
            }
            if (!subjectStrengths.isEmpty() && subjectStrengths.size() != subjects.size()) {
                throw new IllegalArgumentException(subjectStrengths.size() + " subject strengths for "
                        + subjects.size() + " subjects");
            }
            for (int i = 0; i < subjectStrengths.size(); i++) {
                double v = subjectStrengths.get(i);
                if (!(v >= 0 && v <= 1)) {
                    throw new IllegalArgumentException("strength of subject " + (i + 1) + " ('" + subjects.get(i).word()
                            + "') must be between 0 and 1, got " + v);
                }
            }
        }

        public Moa(List<Subject> subjects, MoaMode mode, double strength) {
            this(subjects, mode, strength, List.of(), false);
        }

        public Moa(List<Subject> subjects, MoaMode mode, double strength, List<Double> subjectStrengths) {
            this(subjects, mode, strength, subjectStrengths, false);
        }

        /** The same with another mode (keeping the background applies to mode moa only, so other modes drop it). */
        public Moa withMode(MoaMode m) {
            return new Moa(subjects, m, strength, subjectStrengths, keepBackground && m == MoaMode.MOA);
        }

        public Moa withSubjectStrengths(List<Double> perSubject) {
            return new Moa(subjects, mode, strength, perSubject, keepBackground);
        }

        public Moa withKeepBackground(boolean keep) {
            return new Moa(subjects, mode, strength, subjectStrengths, keep);
        }

        /** Strength of subject {@code k} (1 unless set). */
        public double subjectStrength(int k) {
            return subjectStrengths.isEmpty() ? 1.0 : subjectStrengths.get(k);
        }

        /** Whether any subject has a strength other than 1. */
        public boolean hasSubjectStrengths() {
            return subjectStrengths.stream().anyMatch(v -> v != 1.0);
        }
    }

    static Conditioning prompt() {
        return new Prompt();
    }

    static Moa moa(List<Subject> subjects) {
        return new Moa(subjects, MoaMode.MOA, 1.0);
    }

    static Moa moa(List<Subject> subjects, MoaMode mode) {
        return new Moa(subjects, mode, 1.0);
    }
}
