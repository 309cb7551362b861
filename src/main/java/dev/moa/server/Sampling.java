package dev.moa.server;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.moa.pipeline.GenerationOptions;
import dev.moa.pipeline.StableDiffusion;
import dev.moa.schedulers.Schedulers;
import java.util.ArrayList;
import java.util.List;

/**
 * The sampling fields every generating endpoint shares, with A1111's names and defaults (steps 50, cfg_scale 7,
 * sampler "Euler", seed -1, batch_size 1, n_iter 1), except the size: without width/height the model's own size
 * is used (A1111 assumes 512, which is SD 1.5's; the toy world is 64).
 *
 * @param options what the pipeline is given (batch = batch_size)
 * @param nIter A1111's n_iter: batches one after another, seeds continuing
 * @param warnings what was accepted but not honoured (told in the response's info)
 */
record Sampling(GenerationOptions options, int nIter, List<String> warnings) {

    static final String DEFAULT_SAMPLER = "Euler";

    /** The schedulers that sample (CLI names): every one but the inverse DDIM used for inversion. */
    static final java.util.List<String> SAMPLERS = Schedulers.names().stream().filter(n -> !n.contains("inverse")).toList();

    static Sampling parse(Body b, StableDiffusion sd, Limits limits) {
        return parse(b, sd.defaultSize(), sd.vaeScaleFactor(), limits);
    }

    /**
     * @param defaultSize the model's size, used when width or height is not given
     * @param f the VAE's down-sampling factor: sizes are rounded down to a multiple of it
     */
    static Sampling parse(Body b, int defaultSize, int f, Limits limits) {
        List<String> warnings = new ArrayList<>();
        String prompt = b.string("prompt", "");
        String negative = b.string("negative_prompt", "");
        int steps = (int) b.integer("steps", 50, 1, limits.maxSteps());
        double cfg = b.number("cfg_scale", 7.0, 0, 100);
        long seed = b.integer("seed", -1, -1, 0xffffffffL);
        int batch = (int) b.integer("batch_size", 1, 1, limits.maxImages());
        int nIter = (int) b.integer("n_iter", 1, 1, limits.maxImages());
        if ((long) batch * nIter > limits.maxImages()) {
            throw ApiException.invalid(b.name("batch_size"), "batch_size x n_iter = " + batch * nIter
                    + " images is over the limit of " + limits.maxImages() + " per request (--max-images)");
        }
        int width = (int) b.integer("width", defaultSize, 8, limits.maxSide());
        int height = (int) b.integer("height", defaultSize, 8, limits.maxSide());
        double eta = b.number("eta", 0, 0, 1);
        String sampler = b.string("sampler_name", null);
        if (sampler == null || sampler.isEmpty()) {
            sampler = b.string("sampler_index", DEFAULT_SAMPLER);
        }
        String schedule = b.string("scheduler", null);   // A1111 1.9+: the noise schedule apart from the sampler
        String name = sampler;
        if (schedule != null && !schedule.isBlank() && !schedule.equalsIgnoreCase("automatic")) {
            name = sampler + " " + schedule;
        }
        String cli;
        String field = b.name(schedule != null && !name.equals(sampler) ? "scheduler" : "sampler_name");
        try {
            cli = Schedulers.cliName(name);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(field, e.getMessage());
        }
        if (!SAMPLERS.contains(cli)) {
            throw ApiException.invalid(field, "'" + name + "' inverts images (it is what swap uses), it does not"
                    + " sample; choose one of GET /sdapi/v1/samplers");
        }
        int clipSkip = 0;
        Body override = b.object("override_settings");
        if (override != null) {
            clipSkip = (int) override.integer("CLIP_stop_at_last_layers", 1, 1, 12) - 1;
            for (String k : override.json().keySet()) {
                if (!k.equals("CLIP_stop_at_last_layers")) {
                    warnings.add("override_settings." + k + " is not a setting of this server; ignored");
                }
            }
        }
        for (String off : new String[] {"enable_hr", "restore_faces", "tiling"}) {
            b.unsupported(off, "this server has no " + off.replace('_', ' '));
        }
        if (b.bool("save_images", false)) {
            warnings.add("save_images is ignored: the server keeps no files (results are returned, not stored)");
        }
        if (b.has("subseed_strength") && b.number("subseed_strength", 0, 0, 1) > 0) {
            warnings.add("variation seeds (subseed) are not supported; ignored");
        }
        if (width % f != 0 || height % f != 0) {   // A1111 rounds down to a multiple of 8 as well
            warnings.add("size " + width + "x" + height + " rounded down to a multiple of " + f);
            width = Math.max(f, width / f * f);
            height = Math.max(f, height / f * f);
        }
        GenerationOptions o = GenerationOptions.of(prompt).withNegativePrompt(negative).withSteps(steps)
                .withGuidance(cfg).withScheduler(cli).withSeed(seed).withSize(width, height).withBatch(batch)
                .withClipSkip(clipSkip).withEta(eta);
        return new Sampling(o, nIter, warnings);
    }

    /** These settings at {@code image}'s size (capped at {@code maxSide}), rounded down to a multiple of {@code f}. */
    Sampling sizedTo(dev.moa.image.RgbImage image, int f, int maxSide, int iterations) {
        int w = Math.max(f, Math.min(maxSide, image.width()) / f * f);
        int h = Math.max(f, Math.min(maxSide, image.height()) / f * f);
        return new Sampling(options.withSize(w, h), iterations, warnings);
    }

    /** The request as A1111 echoes it in {@code parameters}: every field with the value used. */
    JsonObject parameters(JsonObject request) {
        JsonObject p = request.deepCopy();
        GenerationOptions o = options;
        p.addProperty("prompt", o.prompt());
        p.addProperty("negative_prompt", o.negativePrompt());
        p.addProperty("steps", o.steps());
        p.addProperty("cfg_scale", o.guidance());
        p.addProperty("seed", o.seed());
        p.addProperty("sampler_name", Schedulers.displayName(o.scheduler()));
        p.addProperty("batch_size", o.batch());
        p.addProperty("n_iter", nIter);
        p.addProperty("width", o.width());
        p.addProperty("height", o.height());
        p.addProperty("eta", o.eta());
        for (String image : new String[] {"init_images", "image"}) {
            if (p.has(image)) {   // A1111 does not echo the pictures back either
                p.add(image, new JsonArray());
            }
        }
        p.remove("subjects");
        return p;
    }
}
