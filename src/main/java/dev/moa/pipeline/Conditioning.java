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
     */
    record Moa(List<Subject> subjects, MoaMode mode, double strength) implements Conditioning {
        public Moa {
            subjects = List.copyOf(subjects);
            Objects.requireNonNull(mode, "mode");
            if (!(strength >= 0 && strength <= 1)) {
                throw new IllegalArgumentException("subject strength must be between 0 and 1, got " + strength);
            }
        }

        public Moa withMode(MoaMode m) {
            return new Moa(subjects, m, strength);
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
