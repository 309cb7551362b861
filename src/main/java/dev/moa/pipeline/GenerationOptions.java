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
 * @param init image-to-image: the starting picture and how much of the schedule to run on it, or null
 */
public record GenerationOptions(String prompt, String negativePrompt, int steps, double guidance, String scheduler,
        long seed, int width, int height, int batch, int clipSkip, double eta, Latents latents, String schedulerConfig,
        InitImage init) {

    /**
     * Image-to-image as A1111's img2img and diffusers' StableDiffusionImg2ImgPipeline: the picture is encoded,
     * noised to the level where the last {@code strength} of the schedule begins, and denoised from there.
     * Strength 0 returns the picture's own latent; 1 runs the whole schedule.
     */
    public record InitImage(dev.moa.image.RgbImage image, double strength) {
        public InitImage {
            java.util.Objects.requireNonNull(image, "image");
            if (!(strength >= 0 && strength <= 1)) {
                throw new IllegalArgumentException("denoising strength must be between 0 and 1, got " + strength);
            }
        }
    }
    public static final int DEFAULT_STEPS = 25;
    public static final double DEFAULT_GUIDANCE = 7.5;

    /** Largest width or height: SD 1.x at 4096 x 4096 already attends over 262,144 latent positions. */
    public static final int MAX_SIDE = 4096;

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
        if (width > MAX_SIDE || height > MAX_SIDE) {
            throw new IllegalArgumentException("width and height must be at most " + MAX_SIDE + " pixels, got " + width
                    + " x " + height + " (the UNet's attention at that size needs more memory than a CPU machine has;"
                    + " generate smaller and upscale)");
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
        if (init != null && latents != null) {
            throw new IllegalArgumentException("initial latents and an init image exclude each other");
        }
    }

    /** The prompt with every other setting at its default (25 steps, guidance 7.5, a random seed, the model's size). */
    public static GenerationOptions of(String prompt) {
        return new GenerationOptions(prompt, "", DEFAULT_STEPS, DEFAULT_GUIDANCE, null, -1, 0, 0, 1, 0, 0, null, null, null);
    }

    public GenerationOptions withPrompt(String v) {
        return new GenerationOptions(v, negativePrompt, steps, guidance, scheduler, seed, width, height, batch, clipSkip,
                eta, latents, schedulerConfig, init);
    }

    public GenerationOptions withNegativePrompt(String v) {
        return new GenerationOptions(prompt, v, steps, guidance, scheduler, seed, width, height, batch, clipSkip, eta,
                latents, schedulerConfig, init);
    }

    public GenerationOptions withSteps(int v) {
        return new GenerationOptions(prompt, negativePrompt, v, guidance, scheduler, seed, width, height, batch, clipSkip,
                eta, latents, schedulerConfig, init);
    }

    public GenerationOptions withGuidance(double v) {
        return new GenerationOptions(prompt, negativePrompt, steps, v, scheduler, seed, width, height, batch, clipSkip,
                eta, latents, schedulerConfig, init);
    }

    public GenerationOptions withScheduler(String v) {
        return new GenerationOptions(prompt, negativePrompt, steps, guidance, v, seed, width, height, batch, clipSkip,
                eta, latents, schedulerConfig, init);
    }

    public GenerationOptions withSeed(long v) {
        return new GenerationOptions(prompt, negativePrompt, steps, guidance, scheduler, v, width, height, batch, clipSkip,
                eta, latents, schedulerConfig, init);
    }

    public GenerationOptions withSize(int w, int h) {
        return new GenerationOptions(prompt, negativePrompt, steps, guidance, scheduler, seed, w, h, batch, clipSkip, eta,
                latents, schedulerConfig, init);
    }

    public GenerationOptions withBatch(int v) {
        return new GenerationOptions(prompt, negativePrompt, steps, guidance, scheduler, seed, width, height, v, clipSkip,
                eta, latents, schedulerConfig, init);
    }

    public GenerationOptions withClipSkip(int v) {
        return new GenerationOptions(prompt, negativePrompt, steps, guidance, scheduler, seed, width, height, batch, v, eta,
                latents, schedulerConfig, init);
    }

    public GenerationOptions withEta(double v) {
        return new GenerationOptions(prompt, negativePrompt, steps, guidance, scheduler, seed, width, height, batch,
                clipSkip, v, latents, schedulerConfig, init);
    }

    /** Initial latents; their shape (if known) sets the size and batch when those are not given. */
    public GenerationOptions withLatents(Latents v) {
        return new GenerationOptions(prompt, negativePrompt, steps, guidance, scheduler, seed, width, height, batch,
                clipSkip, eta, v, schedulerConfig, init);
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
                clipSkip, eta, latents, json, init);
    }

    /** Image-to-image from {@code image} with this denoising strength (null: text-to-image). */
    public GenerationOptions withInit(InitImage v) {
        return new GenerationOptions(prompt, negativePrompt, steps, guidance, scheduler, seed, width, height, batch,
                clipSkip, eta, latents, schedulerConfig, v);
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
