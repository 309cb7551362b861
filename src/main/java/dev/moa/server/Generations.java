package dev.moa.server;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.moa.image.Heatmap;
import dev.moa.image.PngWriter;
import dev.moa.image.Provenance;
import dev.moa.image.RgbImage;
import dev.moa.moa.MoaMode;
import dev.moa.moa.RouterMaps;
import dev.moa.moa.Subject;
import dev.moa.pipeline.Conditioning;
import dev.moa.pipeline.DiffusionPipeline;
import dev.moa.pipeline.GenerationOptions;
import dev.moa.pipeline.GenerationResult;
import dev.moa.pipeline.Infotext;
import dev.moa.pipeline.RouterMapCapture;
import dev.moa.pipeline.StableDiffusion;
import dev.moa.schedulers.Schedulers;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;

/**
 * What the endpoints ask of the pipeline, run on the queue's thread: each method is a thin caller of
 * {@link DiffusionPipeline} that turns its results into base64 PNGs (with A1111's infotext and the AI-generated
 * XMP label) and A1111's {@code info}. Nothing is written to disk.
 */
final class Generations {
    private final DiffusionPipeline pipeline;
    private final StableDiffusion sd;

    Generations(DiffusionPipeline pipeline) {
        this.pipeline = pipeline;
        this.sd = pipeline.model();
    }

    DiffusionPipeline pipeline() {
        return pipeline;
    }

    /** An uploaded subject photo: the word it binds, the picture, and its short hash for logs and metadata. */
    record Upload(String word, RgbImage image, String hash, double strength) {
        static Upload of(String word, Body.Decoded d) {
            return of(word, d, 1.0);
        }

        /** @param strength how much of the photo enters the word's token, in [0, 1] */
        static Upload of(String word, Body.Decoded d, double strength) {
            try {
                return new Upload(word, d.image(), Infotext.shortHash(new ByteArrayInputStream(d.bytes())), strength);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        String label() {
            return (word != null ? word + "=" : "") + "upload (" + hash + ")";
        }
    }

    /** Images and A1111's info of one request. */
    record Output(List<String> images, JsonObject info, Map<String, List<String>> more) {}

    // ------------------------------------------------------------------------------------------ A1111

    /** txt2img / img2img: n_iter batches, seeds continuing; skip drops the current batch, interrupt stops. */
    Output a1111(Sampling s, GenerationOptions.InitImage init, Job job) {
        GenerationOptions o = s.options().withSeed(seedOf(s.options())).withInit(init);
        List<String> images = new ArrayList<>();
        List<String> infotexts = new ArrayList<>();
        List<Long> seeds = new ArrayList<>();
        List<String> warnings = new ArrayList<>(s.warnings());
        for (int k = 0; k < s.nIter(); k++) {
            job.image(k, s.nIter());
            GenerationOptions ok = o.withSeed(o.seed() + (long) k * o.batch());
            GenerationResult r;
            try {
                r = pipeline.generate(ok, new Conditioning.Prompt(), job);
            } catch (CancellationException e) {
                if (stopOrSkip(job)) {
                    break;
                }
                continue;
            }
            warnings.addAll(r.warnings());
            for (int i = 0; i < r.images().size(); i++) {
                Map<String, String> meta = meta(r, i, Map.of());
                images.add(png(r.image(i), meta));
                infotexts.add(meta.get("parameters"));
                seeds.add(r.seeds()[i]);
            }
        }
        JsonObject info = info(o, seeds, infotexts, warnings, job);
        if (init != null) {
            info.addProperty("denoising_strength", init.strength());
        }
        return new Output(images, info, Map.of());
    }

    /** After a cancelled batch: true to stop (interrupted), false to go on (skipped); abandoned rethrows. */
    private static boolean stopOrSkip(Job job) {
        if (job.abandoned) {
            throw new CancellationException("the client went away");
        }
        if (job.skipped) {
            job.skipped = false;
            return false;
        }
        return true;
    }

    private static long seedOf(GenerationOptions o) {
        return o.seed() >= 0 ? o.seed() : GenerationOptions.randomSeed();
    }

    // ------------------------------------------------------------------------------------------ MoA

    /** What {@code /moa/v1/generate} asks for, parsed and checked before queueing. */
    record MoaRequest(Sampling sampling, List<List<Upload>> sets, MoaMode mode, double strength, boolean withPrior,
            boolean routerMaps, long[] seeds, Morph morph, boolean keepBackground) {}

    record Morph(String word, Upload from, Upload to, int frames) {}

    Output moa(MoaRequest q, Job job) {
        GenerationOptions o = q.sampling().options();
        long[] seeds = q.seeds();
        if (seeds == null) {   // batch_size x n_iter as A1111
            long first = seedOf(o);
            seeds = new long[q.sampling().nIter()];
            for (int k = 0; k < seeds.length; k++) {
                seeds[k] = first + (long) k * o.batch();
            }
        } else {
            o = o.withBatch(1);
        }
        o = o.withSeed(seeds[0]);   // info names the seed even if nothing finished before an interrupt
        List<String> images = new ArrayList<>();
        List<String> priors = new ArrayList<>();
        List<String> maps = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        List<String> infotexts = new ArrayList<>();
        List<Long> usedSeeds = new ArrayList<>();
        List<String> warnings = new ArrayList<>(q.sampling().warnings());
        List<List<Subject>> sets = new ArrayList<>();
        try {
            for (List<Upload> set : q.sets()) {
                List<Subject> subjects = new ArrayList<>();
                for (Upload u : set) {
                    subjects.add(pipeline.subject(u.word(), u.image(), null));
                }
                sets.add(subjects);
            }
            if (q.morph() != null) {
                return morph(q, o.withSeed(seeds[0]), sets.get(0), job, warnings);
            }
            // keep-background anchors every subject set to the prior of its seed: computed once per seed, and shown
            // when asked for
            boolean needPrior = q.withPrior() || q.keepBackground();
            int units = seeds.length * (sets.size() + (needPrior ? 1 : 0));
            int unit = 0;
            for (long seed : seeds) {
                GenerationOptions os = o.withSeed(seed);
                DiffusionPipeline.PriorRun priorRun = null;
                if (needPrior) {
                    job.image(unit++, units);
                    GenerationResult r;
                    if (q.keepBackground()) {
                        priorRun = prior(os, new Conditioning.Moa(sets.get(0), MoaMode.PRIOR, 1), job);
                        r = priorRun == null ? null : priorRun.result();
                    } else {
                        r = run(os, new Conditioning.Moa(sets.get(0), MoaMode.PRIOR, 1), job, null);
                    }
                    if (r == null && job.interrupted) {
                        break;
                    }
                    if (r == null && q.keepBackground()) {
                        continue;
                    }
                    if (r != null && q.withPrior()) {
                        for (int i = 0; i < r.images().size(); i++) {
                            priors.add(png(r.image(i), meta(r, i, Map.of())));
                        }
                    }
                }
                boolean stop = false;
                for (int si = 0; si < sets.size(); si++) {
                    job.image(unit++, units);
                    RouterMapCapture capture = q.routerMaps() && q.mode() == MoaMode.MOA ? new RouterMapCapture() : null;
                    Map<String, String> extra = subjectsText(q.sets().get(si));
                    List<Double> each = new ArrayList<>();
                    q.sets().get(si).forEach(u -> each.add(u.strength()));
                    Conditioning.Moa c = new Conditioning.Moa(sets.get(si), q.mode(), q.strength(), each, q.keepBackground());
                    GenerationResult r = priorRun != null ? run(os, c, priorRun, job, capture) : run(os, c, job, capture);
                    if (r == null) {
                        if (job.interrupted) {
                            stop = true;
                            break;
                        }
                        continue;
                    }
                    warnings.addAll(r.warnings());
                    List<RouterMaps> m = capture != null ? capture.maps() : List.of();
                    for (int i = 0; i < r.images().size(); i++) {
                        Map<String, String> meta = meta(r, i, extra);
                        images.add(png(r.image(i), meta));
                        infotexts.add(meta.get("parameters"));
                        usedSeeds.add(r.seeds()[i]);
                        labels.add(label(q.sets().get(si), r.seeds()[i]));
                        if (!m.isEmpty()) {
                            maps.add(png(overlay(r.image(i), m.get(i)), Provenance.generated(Map.of("Description",
                                    "MoA router map: personalized-branch weight over the image"))));
                        }
                    }
                }
                if (stop) {
                    break;
                }
            }
            JsonObject info = info(o, usedSeeds, infotexts, warnings, job);
            info.addProperty("moa_mode", q.mode().cliName());
            info.addProperty("moa_strength", q.strength());
            if (q.keepBackground()) {
                info.addProperty("moa_keep_background", true);
            }
            Map<String, List<String>> more = new LinkedHashMap<>();
            if (q.withPrior()) {
                more.put("prior_images", priors);
            }
            if (q.routerMaps()) {
                more.put("router_maps", maps);
            }
            more.put("labels", labels);
            return new Output(images, info, more);
        } finally {
            sets.forEach(set -> set.forEach(Subject::close));
        }
    }

    private Output morph(MoaRequest q, GenerationOptions o, List<Subject> others, Job job, List<String> warnings) {
        Morph m = q.morph();
        List<String> images = new ArrayList<>();
        List<String> infotexts = new ArrayList<>();
        List<Long> seeds = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        try (Subject from = pipeline.subject(m.word(), m.from().image(), null);
                Subject to = pipeline.subject(m.word(), m.to().image(), null)) {
            for (int k = 0; k < m.frames(); k++) {   // frame by frame: progress and interrupt per frame
                job.image(k, m.frames());
                double t = k / (double) (m.frames() - 1);
                GenerationResult r;
                try {
                    r = pipeline.morphFrame(o, others, from, to, t, q.mode(), q.strength(), job);
                } catch (CancellationException e) {
                    if (stopOrSkip(job)) {
                        break;
                    }
                    continue;
                }
                warnings.addAll(r.warnings());
                String at = m.word() + "=" + m.from().hash() + "->" + m.to().hash() + String.format(" at %.3f", t);
                Map<String, String> meta = meta(r, 0, Map.of("Morph", at));
                images.add(png(r.image(0), meta));
                infotexts.add(meta.get("parameters"));
                seeds.add(r.seeds()[0]);
                labels.add(String.format("t = %.2f", t));
            }
        }
        JsonObject info = info(o, seeds, infotexts, warnings, job);
        info.addProperty("moa_mode", q.mode().cliName());
        return new Output(images, info, Map.of("labels", labels));
    }

    /** One generation; null when it was skipped or interrupted (the caller decides which). */
    private GenerationResult run(GenerationOptions o, Conditioning c, Job job, RouterMapCapture capture) {
        return orSkip(job, () -> capture != null ? pipeline.generate(o, c, job, capture) : pipeline.generate(o, c, job));
    }

    /** A personalized generation anchored to the prior run of its seed (keep-background). */
    private GenerationResult run(GenerationOptions o, Conditioning.Moa c, DiffusionPipeline.PriorRun prior, Job job,
            RouterMapCapture capture) {
        return orSkip(job, () -> capture != null ? pipeline.generate(o, c, prior, job, capture)
                : pipeline.generate(o, c, prior, job));
    }

    private DiffusionPipeline.PriorRun prior(GenerationOptions o, Conditioning.Moa c, Job job) {
        return orSkip(job, () -> pipeline.prior(o, c, job));
    }

    /** The work's result, or null when the job was stopped or this image skipped during it. */
    private <T> T orSkip(Job job, java.util.function.Supplier<T> work) {
        try {
            return work.get();
        } catch (CancellationException e) {
            stopOrSkip(job);
            return null;
        }
    }

    private static RgbImage overlay(RgbImage image, RouterMaps m) {
        return Heatmap.overlay(image, m.overall(), m.height(), m.width(), 0.6f, Heatmap.Upsample.BILINEAR);
    }

    private static Map<String, String> subjectsText(List<Upload> set) {
        List<String> parts = new ArrayList<>();
        set.forEach(u -> parts.add(u.label()));
        return parts.isEmpty() ? Map.of() : Map.of("Subjects", String.join("; ", parts));
    }

    private static String label(List<Upload> set, long seed) {
        List<String> words = new ArrayList<>();
        set.forEach(u -> words.add(u.word() != null ? u.word() : "<|image|>"));
        return (words.isEmpty() ? "no subjects" : String.join(", ", words)) + ", seed " + seed;
    }

    // ------------------------------------------------------------------------------------------ swap

    /** @param mask null, or where to swap (white) and keep the reconstruction (black) */
    record SwapRequest(Sampling sampling, Body.Decoded photo, List<Upload> subjects, double depth, Body.Decoded mask) {}

    Output swap(SwapRequest q, Job job) {
        GenerationOptions o = q.sampling().options();
        o = o.withSeed(seedOf(o));
        List<Subject> subjects = new ArrayList<>();
        try {
            for (Upload u : q.subjects()) {
                subjects.add(pipeline.subject(u.word(), u.image(), null));
            }
            job.image(0, 1);
            int w = q.sampling().options().width();
            int h = q.sampling().options().height();
            DiffusionPipeline.SwapResult r = pipeline.swap(q.photo().image(), o.withSize(w, h), subjects, q.depth(),
                    q.mask() == null ? null : q.mask().image(), job);
            Map<String, String> extra = new LinkedHashMap<>(subjectsText(q.subjects()));
            extra.put("Swap depth", Body.trim(q.depth()));
            if (q.mask() != null) {
                extra.put("Swap mask", "yes");
            }
            Map<String, String> meta = meta(r.swapped(), 0, extra);
            List<String> infotexts = List.of(meta.get("parameters"));
            JsonObject info = info(r.swapped().options(), List.of(r.swapped().seeds()[0]), infotexts,
                    r.swapped().warnings(), job);
            Map<String, List<String>> more = new LinkedHashMap<>();
            more.put("reconstruction", List.of(png(r.reconstruction().image(0), meta(r.reconstruction(), 0, Map.of()))));
            more.put("input", List.of(png(r.input(), Map.of())));
            return new Output(List.of(png(r.swapped().image(0), meta)), info, more);
        } catch (CancellationException e) {
            stopOrSkip(job);
            return new Output(List.of(), info(o, List.of(), List.of(), List.of("interrupted"), job), Map.of());
        } finally {
            subjects.forEach(Subject::close);
        }
    }

    // ------------------------------------------------------------------------------------------ encoding

    private Map<String, String> meta(GenerationResult r, int i, Map<String, String> extra) {
        try {
            return Infotext.forImage(r, i, sd, pipeline.moaName(), extra);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String png(RgbImage image, Map<String, String> text) {
        return Base64.getEncoder().encodeToString(PngWriter.encode(image, text));
    }

    /** A1111's {@code info} object (sent as a JSON string), with the fields clients read. */
    private JsonObject info(GenerationOptions o, List<Long> seeds, List<String> infotexts, List<String> warnings,
            Job job) {
        JsonObject info = new JsonObject();
        info.addProperty("prompt", o.prompt());
        info.add("all_prompts", repeat(o.prompt(), seeds.size()));
        info.addProperty("negative_prompt", o.negativePrompt());
        info.add("all_negative_prompts", repeat(o.negativePrompt(), seeds.size()));
        info.addProperty("seed", seeds.isEmpty() ? o.seed() : seeds.get(0));
        JsonArray all = new JsonArray();
        seeds.forEach(all::add);
        info.add("all_seeds", all);
        info.addProperty("width", o.width());
        info.addProperty("height", o.height());
        info.addProperty("sampler_name", Schedulers.displayName(o.scheduler() != null ? o.scheduler() : "euler"));
        info.addProperty("cfg_scale", o.guidance());
        info.addProperty("steps", o.steps());
        info.addProperty("batch_size", o.batch());
        info.addProperty("clip_skip", o.clipSkip() + 1);
        info.addProperty("sd_model_name", sd.name());
        info.addProperty("job_timestamp", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMddHHmmss")));
        JsonArray it = new JsonArray();
        infotexts.forEach(it::add);
        info.add("infotexts", it);
        JsonArray w = new JsonArray();
        warnings.stream().distinct().forEach(w::add);
        info.add("warnings", w);
        info.addProperty("interrupted", job.interrupted);
        return info;
    }

    private static JsonElement repeat(String s, int n) {
        JsonArray a = new JsonArray();
        for (int i = 0; i < n; i++) {
            a.add(s);
        }
        return a;
    }

    /** Binding check before queueing: the words (or markers) must bind in the prompt. */
    void checkBinding(String prompt, List<Upload> set) {
        List<String> words = new ArrayList<>();
        set.forEach(u -> words.add(u.word()));
        pipeline.bindWords(prompt, words);
    }
}
