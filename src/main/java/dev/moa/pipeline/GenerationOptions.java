package dev.moa.pipeline;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.security.SecureRandom;
import java.util.Objects;

/**
 * Settings of one text-to-image call, built with {@link #builder()}: {@code setPrompt} is required,
 * everything else has a default ({@code optX}), following DJL's builder convention.
 */
public final class GenerationOptions {
    public static final int DEFAULT_STEPS = 25;
    public static final double DEFAULT_GUIDANCE = 7.5;

    private final String prompt;
    private final String negativePrompt;
    private final int steps;
    private final double guidance;
    private final String scheduler;
    private final long seed;
    private final int width;
    private final int height;
    private final int batch;
    private final int clipSkip;
    private final double eta;
    private final Latents latents;
    private final JsonObject schedulerConfig;

    private GenerationOptions(Builder b) {
        this.prompt = b.prompt;
        this.negativePrompt = b.negativePrompt;
        this.steps = b.steps;
        this.guidance = b.guidance;
        this.scheduler = b.scheduler;
        this.seed = b.seed;
        this.width = b.width;
        this.height = b.height;
        this.batch = b.batch;
        this.clipSkip = b.clipSkip;
        this.eta = b.eta;
        this.latents = b.latents;
        this.schedulerConfig = b.schedulerConfig;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.prompt = prompt;
        b.negativePrompt = negativePrompt;
        b.steps = steps;
        b.guidance = guidance;
        b.scheduler = scheduler;
        b.seed = seed;
        b.width = width;
        b.height = height;
        b.batch = batch;
        b.clipSkip = clipSkip;
        b.eta = eta;
        b.latents = latents;
        b.schedulerConfig = schedulerConfig;
        return b;
    }

    public String prompt() {
        return prompt;
    }

    public String negativePrompt() {
        return negativePrompt;
    }

    public int steps() {
        return steps;
    }

    public double guidance() {
        return guidance;
    }

    /** Scheduler name (CLI or A1111 style), or null for the model folder's own scheduler. */
    public String scheduler() {
        return scheduler;
    }

    /** The seed; -1 means "pick one" (the pipeline reports the one it used). */
    public long seed() {
        return seed;
    }

    /** Width in pixels, 0 = the model's default size. */
    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    public int batch() {
        return batch;
    }

    public int clipSkip() {
        return clipSkip;
    }

    public double eta() {
        return eta;
    }

    /** Initial latents (before init_noise_sigma scaling), or null to draw them from the seed. */
    public Latents latents() {
        return latents;
    }

    /** The scheduler_config.json given instead of the model folder's (package-private: Gson stays inside). */
    JsonObject schedulerConfig() {
        return schedulerConfig;
    }

    /** A seed as A1111 shows them (below 2^32), for callers that want to print it before generating. */
    public static long randomSeed() {
        return new SecureRandom().nextLong() & 0xffffffffL;
    }

    /** Builder: prompt required, the rest optional. */
    public static final class Builder {
        private String prompt;
        private String negativePrompt = "";
        private int steps = DEFAULT_STEPS;
        private double guidance = DEFAULT_GUIDANCE;
        private String scheduler;
        private long seed = -1;
        private int width;
        private int height;
        private int batch = 1;
        private int clipSkip;
        private double eta;
        private Latents latents;
        private JsonObject schedulerConfig;

        public Builder setPrompt(String prompt) {
            this.prompt = Objects.requireNonNull(prompt, "prompt");
            return this;
        }

        public Builder optNegativePrompt(String negativePrompt) {
            this.negativePrompt = negativePrompt == null ? "" : negativePrompt;
            return this;
        }

        public Builder optSteps(int steps) {
            if (steps < 1 || steps > 1000) {
                throw new IllegalArgumentException("steps must be between 1 and 1000, got " + steps);
            }
            this.steps = steps;
            return this;
        }

        public Builder optGuidance(double guidance) {
            if (!(guidance >= 0) || Double.isInfinite(guidance)) {
                throw new IllegalArgumentException("guidance must be >= 0, got " + guidance);
            }
            this.guidance = guidance;
            return this;
        }

        public Builder optScheduler(String scheduler) {
            this.scheduler = scheduler;
            return this;
        }

        public Builder optSeed(long seed) {
            if (seed < -1) {
                throw new IllegalArgumentException("seed must be >= 0, or -1 for a random seed; got " + seed);
            }
            this.seed = seed;
            return this;
        }

        public Builder optSize(int width, int height) {
            if (width < 0 || height < 0) {
                throw new IllegalArgumentException("width and height must be positive");
            }
            this.width = width;
            this.height = height;
            return this;
        }

        public Builder optBatch(int batch) {
            if (batch < 1 || batch > 64) {
                throw new IllegalArgumentException("batch must be between 1 and 64, got " + batch);
            }
            this.batch = batch;
            return this;
        }

        public Builder optClipSkip(int clipSkip) {
            if (clipSkip < 0) {
                throw new IllegalArgumentException("clip skip must be >= 0, got " + clipSkip);
            }
            this.clipSkip = clipSkip;
            return this;
        }

        public Builder optEta(double eta) {
            this.eta = eta;
            return this;
        }

        /** Initial latents; their shape (if known) sets the size and batch when those are not given. */
        public Builder optLatents(Latents latents) {
            this.latents = latents;
            return this;
        }

        /** Initial latents with the shape (batch, channels, height / f, width / f) of this generation. */
        public Builder optLatents(float[] values) {
            this.latents = values == null ? null : Latents.of(values);
            return this;
        }

        /**
         * Uses this scheduler_config.json text instead of the model folder's (diffusers' from_config rules apply).
         *
         * @throws IllegalArgumentException when the text is not a JSON object
         */
        public Builder optSchedulerConfig(String json) {
            if (json == null) {
                this.schedulerConfig = null;
                return this;
            }
            try {
                this.schedulerConfig = JsonParser.parseString(json).getAsJsonObject();
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("scheduler config is not a JSON object");
            }
            return this;
        }

        public GenerationOptions build() {
            if (prompt == null) {
                throw new IllegalArgumentException("a prompt is required");
            }
            return new GenerationOptions(this);
        }
    }
}
