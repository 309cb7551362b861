package dev.moa.pipeline;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.security.SecureRandom;
import java.util.Objects;

/**
 * Settings of one generation, as the project's other options: an immutable record checked on construction,
 * changed with {@code withX} copies. {@code GenerationOptions.of(prompt)} has diffusers' defaults for the rest.
 *
 * @param negativePrompt "" for none
 * @param scheduler scheduler name (CLI or A1111 style), or null for the model folder's own
 * @param seed -1 picks one (the result reports it); image i of a batch uses seed + i
 * @param width pixels, 0 = the model's default size (or the given latents' size)
 * @param clipSkip text encoder layers to skip (0 = none)
 * @param latents initial latents, or null to draw them from the seed
 * @param schedulerConfig a scheduler_config.json text used instead of the model folder's, or null
 */
public record GenerationOptions(String prompt, String negativePrompt, int steps, double guidance, String scheduler,
        long seed, int width, int height, int batch, int clipSkip, double eta, Latents latents, String schedulerConfig) {
    public static final int DEFAULT_STEPS = 25;
    public static final double DEFAULT_GUIDANCE = 7.5;

    public GenerationOptions {
        Objects.requireNonNull(prompt, "a prompt is required");
        negativePrompt = negativePrompt == null ? "" : negativePrompt;
        if (steps < 1 || steps > 1000) {
            throw new IllegalArgumentException("steps must be between 1 and 1000, got " + steps);
        }
        if (!(guidance >= 0) || Double.isInfinite(guidance)) {
            throw new IllegalArgumentException("guidance must be >= 0, got " + guidance);
        }
        if (seed < -1) {
            throw new IllegalArgumentException("seed must be >= 0, or -1 for a random seed; got " + seed);
        }
        if (width < 0 || height < 0) {
            throw new IllegalArgumentException("width and height must be positive");
        }
        if (batch < 1 || batch > 64) {
            throw new IllegalArgumentException("batch must be between 1 and 64, got " + batch);
        }
        if (clipSkip < 0) {
            throw new IllegalArgumentException("clip skip must be >= 0, got " + clipSkip);
        }
        if (schedulerConfig != null) {
            parse(schedulerConfig);
        }
    }

    /** The prompt with every other setting at its default (25 steps, guidance 7.5, a random seed, the model's size). */
    public static GenerationOptions of(String prompt) {
        return new GenerationOptions(prompt, "", DEFAULT_STEPS, DEFAULT_GUIDANCE, null, -1, 0, 0, 1, 0, 0, null, null);
    }

    public GenerationOptions withPrompt(String v) {
        return new GenerationOptions(v, negativePrompt, steps, guidance, scheduler, seed, width, height, batch, clipSkip,
                eta, latents, schedulerConfig);
    }

    public GenerationOptions withNegativePrompt(String v) {
        return new GenerationOptions(prompt, v, steps, guidance, scheduler, seed, width, height, batch, clipSkip, eta,
                latents, schedulerConfig);
    }

    public GenerationOptions withSteps(int v) {
        return new GenerationOptions(prompt, negativePrompt, v, guidance, scheduler, seed, width, height, batch, clipSkip,
                eta, latents, schedulerConfig);
    }

    public GenerationOptions withGuidance(double v) {
        return new GenerationOptions(prompt, negativePrompt, steps, v, scheduler, seed, width, height, batch, clipSkip,
                eta, latents, schedulerConfig);
    }

    public GenerationOptions withScheduler(String v) {
        return new GenerationOptions(prompt, negativePrompt, steps, guidance, v, seed, width, height, batch, clipSkip,
                eta, latents, schedulerConfig);
    }

    public GenerationOptions withSeed(long v) {
        return new GenerationOptions(prompt, negativePrompt, steps, guidance, scheduler, v, width, height, batch, clipSkip,
                eta, latents, schedulerConfig);
    }

    public GenerationOptions withSize(int w, int h) {
        return new GenerationOptions(prompt, negativePrompt, steps, guidance, scheduler, seed, w, h, batch, clipSkip, eta,
                latents, schedulerConfig);
    }

    public GenerationOptions withBatch(int v) {
        return new GenerationOptions(prompt, negativePrompt, steps, guidance, scheduler, seed, width, height, v, clipSkip,
                eta, latents, schedulerConfig);
    }

    public GenerationOptions withClipSkip(int v) {
        return new GenerationOptions(prompt, negativePrompt, steps, guidance, scheduler, seed, width, height, batch, v, eta,
                latents, schedulerConfig);
    }

    public GenerationOptions withEta(double v) {
        return new GenerationOptions(prompt, negativePrompt, steps, guidance, scheduler, seed, width, height, batch,
                clipSkip, v, latents, schedulerConfig);
    }

    /** Initial latents; their shape (if known) sets the size and batch when those are not given. */
    public GenerationOptions withLatents(Latents v) {
        return new GenerationOptions(prompt, negativePrompt, steps, guidance, scheduler, seed, width, height, batch,
                clipSkip, eta, v, schedulerConfig);
    }

    /** Initial latents with the shape (batch, channels, height / f, width / f) of this generation. */
    public GenerationOptions withLatents(float[] values) {
        return withLatents(values == null ? null : Latents.of(values));
    }

    /**
     * A scheduler_config.json text instead of the model folder's (diffusers' from_config rules apply).
     *
     * @throws IllegalArgumentException when the text is not a JSON object
     */
    public GenerationOptions withSchedulerConfig(String json) {
        return new GenerationOptions(prompt, negativePrompt, steps, guidance, scheduler, seed, width, height, batch,
                clipSkip, eta, latents, json);
    }

    /** The scheduler config as JSON (Gson stays inside the package). */
    JsonObject schedulerConfigJson() {
        return schedulerConfig == null ? null : parse(schedulerConfig);
    }

    private static JsonObject parse(String json) {
        try {
            return JsonParser.parseString(json).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("scheduler config is not a JSON object");
        }
    }

    /** A seed as A1111 shows them (below 2^32), for callers that want to print it before generating. */
    public static long randomSeed() {
        return new SecureRandom().nextLong() & 0xffffffffL;
    }
}
