package dev.moa.server;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.moa.moa.MoaMode;
import dev.moa.moa.SubjectPrompt;
import dev.moa.pipeline.DiffusionPipeline;
import dev.moa.pipeline.GenerationOptions;
import dev.moa.pipeline.Infotext;
import dev.moa.pipeline.StableDiffusion;
import dev.moa.schedulers.Schedulers;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import org.eclipse.jetty.server.ServerConnector;

/**
 * {@code moa serve}: A1111's API subset, MoA's endpoints, the OpenAPI description and the web page, on one loaded
 * pipeline. Requests are parsed and checked on Jetty's threads (a bad request never waits in the queue); the
 * generation runs on the {@link JobQueue}'s one thread; responses complete asynchronously, so no HTTP thread
 * waits for a generation.
 */
public final class MoaServer implements AutoCloseable {
    /** Every route, in the order the OpenAPI description lists them (a test checks they agree). */
    public static final List<String> ROUTES = List.of(
            "POST /sdapi/v1/txt2img", "POST /sdapi/v1/img2img", "GET /sdapi/v1/progress", "POST /sdapi/v1/interrupt",
            "POST /sdapi/v1/skip", "GET /sdapi/v1/samplers", "GET /sdapi/v1/sd-models", "GET /sdapi/v1/options",
            "POST /moa/v1/generate", "POST /moa/v1/swap", "GET /moa/v1/info", "GET /openapi.json");

    /** The page's files (served from the classpath by name: no request chooses a path). */
    static final Map<String, String> PAGE = Map.of(
            "/", "web/index.html", "/app.js", "web/app.js", "/style.css", "web/style.css");

    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

    private final Generations generations;
    private final DiffusionPipeline pipeline;
    private final StableDiffusion sd;
    private final Limits limits;
    private final JobQueue queue;
    private final List<String[]> users;
    private final PrintStream log;
    private volatile String modelHash;   // hashing GBs of weights: done on first use, not at start-up
    private Javalin app;

    public MoaServer(DiffusionPipeline pipeline, Limits limits, String apiAuth, PrintStream log) {
        this.pipeline = pipeline;
        this.sd = pipeline.model();
        this.generations = new Generations(pipeline);
        this.limits = limits;
        this.queue = new JobQueue(limits.queue());
        this.users = parseAuth(apiAuth);
        this.log = log;
    }

    /** Checks an {@code --api-auth} value. */
    public static void checkAuth(String spec) {
        parseAuth(spec);
    }

    /** A1111's {@code --api-auth}: "user:pass" pairs separated by commas. */
    static List<String[]> parseAuth(String spec) {
        List<String[]> out = new ArrayList<>();
        if (spec == null) {
            return out;
        }
        for (String pair : spec.split(",")) {
            int c = pair.indexOf(':');
            if (c <= 0 || c == pair.length() - 1) {
                throw new IllegalArgumentException("--api-auth must be user:password pairs separated by commas");
            }
            out.add(new String[] {pair.substring(0, c).strip(), pair.substring(c + 1)});
        }
        return out;
    }

    /** Starts listening; port 0 picks a free one. Returns the port. */
    public int start(String host, int port) {
        app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.http.maxRequestSize = limits.maxBodyBytes();
            config.http.prefer405over404 = true;
            config.jetty.modifyHttpConfiguration(h -> h.setRequestHeaderSize(16 * 1024));
            config.jetty.modifyServer(s -> {
                for (var c : s.getConnectors()) {
                    if (c instanceof ServerConnector sc) {
                        sc.setIdleTimeout(30_000);   // a client that stops sending mid-request is dropped
                    }
                }
            });
            config.routes.before(this::authenticate);
            config.routes.post("/sdapi/v1/txt2img", ctx -> txt2img(ctx, false));
            config.routes.post("/sdapi/v1/img2img", ctx -> txt2img(ctx, true));
            config.routes.get("/sdapi/v1/progress", this::progress);
            config.routes.post("/sdapi/v1/interrupt", ctx -> stopCurrent(ctx, false));
            config.routes.post("/sdapi/v1/skip", ctx -> stopCurrent(ctx, true));
            config.routes.get("/sdapi/v1/samplers", this::samplers);
            config.routes.get("/sdapi/v1/sd-models", this::models);
            config.routes.get("/sdapi/v1/options", this::options);
            config.routes.post("/moa/v1/generate", this::moaGenerate);
            config.routes.post("/moa/v1/swap", this::moaSwap);
            config.routes.get("/moa/v1/info", this::info);
            config.routes.get("/openapi.json", ctx -> resource(ctx, "web/openapi.json", "application/json"));
            for (Map.Entry<String, String> e : PAGE.entrySet()) {
                config.routes.get(e.getKey(), ctx -> resource(ctx, e.getValue(), contentType(e.getValue())));
            }
            config.routes.exception(ApiException.class, (e, ctx) -> error(ctx, e.status, e.field, e.getMessage()));
            config.routes.exception(io.javalin.http.HttpResponseException.class, (e, ctx) -> {
                error(ctx, e.getStatus(), null, e.getStatus() == 413
                        ? "the request body is over the limit of " + limits.maxBodyBytes() / (1 << 20) + " MB (--max-body-mb)"
                        : e.getMessage());
            });
            config.routes.exception(Exception.class, (e, ctx) -> {
                if (clientFault(e)) {   // the client stopped sending mid-body or sent broken HTTP
                    error(ctx, 400, null, "the request ended early or is malformed (" + e.getClass().getSimpleName() + ")");
                    return;
                }
                log.println("server: internal error on " + ctx.path() + ": " + e);
                error(ctx, 500, null, "internal error: " + e.getClass().getSimpleName());
            });
            config.routes.error(404, "*", ctx -> error(ctx, 404, null, "Not Found"));
            config.routes.error(405, "*", ctx -> error(ctx, 405, null, "Method Not Allowed"));
        });
        app.start(host, port);
        return app.port();
    }

    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        if (app != null) {
            app.stop();
        }
        queue.close();
    }

    // ------------------------------------------------------------------------------------------ plumbing

    private static boolean clientFault(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.eclipse.jetty.io.EofException || t instanceof org.eclipse.jetty.http.BadMessageException
                    || t instanceof java.io.EOFException || t.getClass().getSimpleName().equals("HttpEofException")) {
                return true;
            }
        }
        return false;
    }

    /** Refuses a declared body over the limit before reading it. */
    private void checkLength(Context ctx) {
        long n = ctx.req().getContentLengthLong();
        if (n > limits.maxBodyBytes()) {
            ctx.header("Connection", "close");
            throw new ApiException(413, null, "the request body (" + n + " bytes) is over the limit of "
                    + limits.maxBodyBytes() / (1 << 20) + " MB (--max-body-mb)");
        }
    }

    private void authenticate(Context ctx) {
        checkLength(ctx);
        if (users.isEmpty() || PAGE.containsKey(ctx.path())) {
            return;
        }
        var creds = ctx.basicAuthCredentials();
        if (creds != null) {
            for (String[] u : users) {
                if (constantTimeEquals(u[0], creds.getUsername()) & constantTimeEquals(u[1], creds.getPassword())) {
                    return;
                }
            }
        }
        ctx.header("WWW-Authenticate", "Basic realm=\"moa\"");
        throw new ApiException(401, null, "Incorrect username or password");
    }

    private static boolean constantTimeEquals(String a, String b) {
        return java.security.MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8),
                (b == null ? "" : b).getBytes(StandardCharsets.UTF_8));
    }

    private static void error(Context ctx, int status, String field, String message) {
        JsonObject o = new JsonObject();
        JsonArray detail = new JsonArray();
        JsonObject d = new JsonObject();
        JsonArray loc = new JsonArray();
        loc.add("body");
        if (field != null) {
            for (String part : field.split("\\.")) {
                loc.add(part);
            }
        }
        d.add("loc", loc);
        d.addProperty("msg", message);
        d.addProperty("type", status == 422 ? "value_error" : "http_" + status);
        detail.add(d);
        o.add("detail", status == 422 ? detail : new com.google.gson.JsonPrimitive(message));
        o.addProperty("error", message);
        ctx.status(status).contentType("application/json").result(GSON.toJson(o));
    }

    private static void json(Context ctx, JsonElement e) {
        ctx.contentType("application/json").result(GSON.toJson(e));
    }

    private static String contentType(String name) {
        return name.endsWith(".js") ? "text/javascript; charset=utf-8"
                : name.endsWith(".css") ? "text/css; charset=utf-8" : "text/html; charset=utf-8";
    }

    private static void resource(Context ctx, String name, String type) throws IOException {
        try (InputStream in = MoaServer.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new ApiException(404, null, "Not Found");
            }
            ctx.contentType(type).header("Cache-Control", "no-cache").result(in.readAllBytes());
        }
    }

    private Body body(Context ctx) {
        return Body.parse(ctx.bodyAsBytes());
    }

    /**
     * Queues {@code work}, answers when it is done; refused at once with 503 when the queue is full. A client that
     * disconnects abandons its job (dropped if it waits, stopped between steps if it runs).
     */
    private void enqueue(Context ctx, String endpoint, String summary, Function<Job, Generations.Output> work,
            Function<Generations.Output, JsonObject> respond) {
        Job job = queue.newJob(endpoint);
        CompletableFuture<Generations.Output> f;
        try {
            f = queue.submit(job, work);
        } catch (JobQueue.Full full) {
            ctx.header("Retry-After", Long.toString(full.retryAfter));
            log.printf(Locale.ROOT, "job %d %s %s: refused, queue full (%d waiting)%n", job.id, endpoint, summary,
                    queue.waiting());
            throw new ApiException(503, null, "the queue is full (" + limits.queue() + " waiting, --queue); retry in "
                    + full.retryAfter + " s");
        }
        ClientWatch watch = ClientWatch.watch(ctx, () -> job.abandoned = true);
        ctx.future(() -> f.handle((out, err) -> {
            watch.stop();
            double secs = (System.nanoTime() - job.accepted) / 1e9;
            Throwable t = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
            if (t == null) {
                log.printf(Locale.ROOT, "job %d %s %s: %d image(s) in %.1f s%s%n", job.id, endpoint, summary,
                        out.images().size(), secs, job.interrupted ? " (interrupted)" : "");
                json(ctx, respond.apply(out));
            } else if (t instanceof CancellationException) {
                log.printf(Locale.ROOT, "job %d %s %s: cancelled after %.1f s (%s)%n", job.id, endpoint, summary, secs,
                        t.getMessage());
                error(ctx, 499, null, "cancelled: " + t.getMessage());
            } else if (t instanceof IllegalArgumentException) {
                log.printf(Locale.ROOT, "job %d %s %s: refused: %s%n", job.id, endpoint, summary, t.getMessage());
                error(ctx, 422, null, t.getMessage());
            } else if (t instanceof OutOfMemoryError) {
                log.printf(Locale.ROOT, "job %d %s %s: out of memory after %.1f s%n", job.id, endpoint, summary, secs);
                error(ctx, 507, null, "out of memory: ask for a smaller size or batch");
            } else {
                log.printf(Locale.ROOT, "job %d %s %s: failed after %.1f s: %s%n", job.id, endpoint, summary, secs, t);
                error(ctx, 500, null, "generation failed: " + t.getMessage());
            }
            return null;
        }));
    }

    private static String summary(Sampling s) {
        GenerationOptions o = s.options();
        return String.format(Locale.ROOT, "steps=%d size=%dx%d images=%d", o.steps(), o.width(), o.height(),
                o.batch() * s.nIter());
    }

    // ------------------------------------------------------------------------------------------ A1111

    private void txt2img(Context ctx, boolean img2img) {
        Body b = body(ctx);
        Sampling s = Sampling.parse(b, sd, limits);
        GenerationOptions.InitImage init = null;
        if (img2img) {
            JsonArray inits = b.array("init_images");
            if (inits == null || inits.isEmpty()) {
                throw ApiException.invalid("init_images", "one base64 image is required");
            }
            if (inits.size() > 1) {
                throw ApiException.invalid("init_images", "one image per request is supported, got " + inits.size());
            }
            Body.Decoded d = Body.image(inits.get(0), "init_images[0]", limits.maxImagePixels());
            b.unsupported("mask", "inpainting is not supported");
            double strength = b.number("denoising_strength", 0.75, 0, 1);
            init = new GenerationOptions.InitImage(d.image(), strength);
            if (!b.has("width") && !b.has("height")) {   // A1111 resizes the init image to the request's size
                s = s.sizedTo(d.image(), sd.vaeScaleFactor(), limits.maxSide(), s.nIter());
            }
        }
        Sampling fs = s;
        GenerationOptions.InitImage fi = init;
        JsonObject params = s.parameters(b.json());
        boolean send = b.bool("send_images", true);
        enqueue(ctx, img2img ? "img2img" : "txt2img", summary(s), job -> generations.a1111(fs, fi, job),
                out -> response(out, params, send, false));
    }

    private void progress(Context ctx) {
        Job j = queue.current();
        JsonObject r = new JsonObject();
        JsonObject state = new JsonObject();
        if (j == null) {
            r.addProperty("progress", 0.0);
            r.addProperty("eta_relative", 0.0);
            state.addProperty("skipped", false);
            state.addProperty("interrupted", false);
            state.addProperty("job", "");
            state.addProperty("job_count", queue.waiting());
            state.addProperty("job_timestamp", "0");
            state.addProperty("job_no", 0);
            state.addProperty("sampling_step", 0);
            state.addProperty("sampling_steps", 0);
        } else {
            double p = j.progress();
            double elapsed = (System.nanoTime() - j.started) / 1e9;
            r.addProperty("progress", p);
            r.addProperty("eta_relative", p > 0.01 ? elapsed / p - elapsed : 0.0);
            state.addProperty("skipped", j.skipped);
            state.addProperty("interrupted", j.interrupted);
            state.addProperty("job", "job " + j.id + " (" + j.endpoint + ")");
            state.addProperty("job_count", j.jobCount);
            state.addProperty("job_timestamp", Long.toString(j.id));
            state.addProperty("job_no", j.jobNo);
            state.addProperty("sampling_step", j.step);
            state.addProperty("sampling_steps", j.steps);
        }
        r.add("state", state);
        // no live previews: current_image is always null (skip_current_image changes nothing to skip)
        r.add("current_image", com.google.gson.JsonNull.INSTANCE);
        r.add("textinfo", com.google.gson.JsonNull.INSTANCE);
        r.addProperty("queued", queue.waiting());
        json(ctx, r);
    }

    private void stopCurrent(Context ctx, boolean skip) {
        Job j = queue.current();
        if (j != null) {
            if (skip) {
                j.skipped = true;
            } else {
                j.interrupted = true;
            }
        }
        json(ctx, new JsonObject());
    }

    private void samplers(Context ctx) {
        JsonArray a = new JsonArray();
        for (String cli : Sampling.SAMPLERS) {
            JsonObject o = new JsonObject();
            o.addProperty("name", Schedulers.displayName(cli));
            JsonArray aliases = new JsonArray();
            aliases.add(cli);
            o.add("aliases", aliases);
            o.add("options", new JsonObject());
            a.add(o);
        }
        json(ctx, a);
    }

    private String title() {
        return sd.name() + " [" + modelHash() + "]";
    }

    private String modelHash() {
        String h = modelHash;
        if (h == null) {
            modelHash = h = hashOf(sd);
        }
        return h;
    }

    private static String hashOf(StableDiffusion sd) {
        try {
            java.nio.file.Path src = sd.source();
            java.nio.file.Path f = Files.isDirectory(src) ? src.resolve("unet/diffusion_pytorch_model.safetensors") : src;
            return Files.isRegularFile(f) && Files.size(f) < (1L << 31) ? Infotext.shortHash(f) : "unknown";
        } catch (IOException e) {
            return "unknown";
        }
    }

    private void models(Context ctx) {
        JsonArray a = new JsonArray();
        JsonObject o = new JsonObject();
        o.addProperty("title", title());
        o.addProperty("model_name", sd.name());
        o.addProperty("hash", modelHash());
        o.add("sha256", com.google.gson.JsonNull.INSTANCE);
        o.addProperty("filename", sd.name());   // the name only: the server's paths are its own business
        o.add("config", com.google.gson.JsonNull.INSTANCE);
        a.add(o);
        json(ctx, a);
    }

    private void options(Context ctx) {
        JsonObject o = new JsonObject();
        o.addProperty("sd_model_checkpoint", title());
        o.addProperty("samples_format", "png");
        o.addProperty("CLIP_stop_at_last_layers", 1);
        o.addProperty("eta_ddim", 0.0);
        o.addProperty("eta_ancestral", 1.0);
        o.addProperty("sd_vae", "Automatic");
        o.addProperty("save_images", false);
        json(ctx, o);
    }

    // ------------------------------------------------------------------------------------------ MoA

    private void info(Context ctx) {
        JsonObject o = new JsonObject();
        o.addProperty("model", sd.name());
        o.addProperty("moa", pipeline.personalized() ? pipeline.moaName() : null);
        o.addProperty("default_size", sd.defaultSize());
        o.addProperty("size_multiple", sd.vaeScaleFactor());
        o.addProperty("max_subjects", SubjectPrompt.MAX_SUBJECTS);
        JsonObject l = new JsonObject();
        l.addProperty("max_body_bytes", limits.maxBodyBytes());
        l.addProperty("max_image_pixels", limits.maxImagePixels());
        l.addProperty("max_steps", limits.maxSteps());
        l.addProperty("max_images", limits.maxImages());
        l.addProperty("max_side", limits.maxSide());
        l.addProperty("queue", limits.queue());
        o.add("limits", l);
        JsonArray s = new JsonArray();
        Sampling.SAMPLERS.forEach(n -> s.add(Schedulers.displayName(n)));
        o.add("samplers", s);
        o.addProperty("auth", !users.isEmpty());
        json(ctx, o);
    }

    private List<Generations.Upload> subjects(JsonArray a, String field) {
        List<Generations.Upload> out = new ArrayList<>();
        if (a == null) {
            return out;
        }
        if (a.size() > SubjectPrompt.MAX_SUBJECTS) {
            throw ApiException.invalid(field, a.size() + " subjects; at most " + SubjectPrompt.MAX_SUBJECTS);
        }
        for (int i = 0; i < a.size(); i++) {
            String at = field + "[" + i + "]";
            if (!a.get(i).isJsonObject()) {
                throw ApiException.invalid(at, "expected an object {\"word\": ..., \"image\": base64}");
            }
            Body s = Body.of(a.get(i).getAsJsonObject(), at + ".");
            String word = s.string("word", null);
            if (word != null && word.isBlank()) {
                throw ApiException.invalid(at + ".word", "empty subject word (omit it to bind by <|image|> markers)");
            }
            double strength = s.number("strength", 1.0, 0, 1);
            out.add(Generations.Upload.of(word, Body.image(s.json().get("image"), at + ".image", limits.maxImagePixels()),
                    strength));
        }
        return out;
    }

    private void requireMoa() {
        if (!pipeline.personalized()) {
            throw new ApiException(409, null, "no MoA checkpoint is loaded: start the server with --moa DIR");
        }
    }

    private void checkBinding(String prompt, List<Generations.Upload> set, String field) {
        try {
            generations.checkBinding(prompt, set);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(field, e.getMessage());
        }
    }

    private void moaGenerate(Context ctx) {
        requireMoa();
        Body b = body(ctx);
        Sampling s = Sampling.parse(b, sd, limits);
        String prompt = s.options().prompt();
        List<List<Generations.Upload>> sets = new ArrayList<>();
        JsonArray setsJson = b.array("subject_sets");
        JsonArray subjectsJson = b.array("subjects");
        if (setsJson != null && subjectsJson != null) {
            throw ApiException.invalid("subject_sets", "give subjects or subject_sets, not both");
        }
        if (setsJson != null) {
            if (setsJson.isEmpty() || setsJson.size() > limits.maxImages()) {
                throw ApiException.invalid("subject_sets", "1 to " + limits.maxImages() + " sets, got " + setsJson.size());
            }
            for (int i = 0; i < setsJson.size(); i++) {
                if (!setsJson.get(i).isJsonArray()) {
                    throw ApiException.invalid("subject_sets[" + i + "]", "expected an array of subjects");
                }
                sets.add(subjects(setsJson.get(i).getAsJsonArray(), "subject_sets[" + i + "]"));
            }
        } else {
            sets.add(subjects(subjectsJson, "subjects"));
        }
        MoaMode mode;
        try {
            mode = MoaMode.parse(b.string("mode", "moa"));
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("mode", e.getMessage());
        }
        double strength = b.number("strength", 1, 0, 1);
        boolean withPrior = b.bool("with_prior", false);
        boolean keepBackground = b.bool("keep_background", false);
        if (keepBackground && mode != MoaMode.MOA) {
            throw ApiException.invalid("keep_background", "needs mode moa (it follows the router), not " + mode.cliName());
        }
        boolean routerMaps = b.bool("router_maps", false);
        long[] seeds = null;
        JsonArray seedsJson = b.array("seeds");
        if (seedsJson != null) {
            if (seedsJson.isEmpty() || seedsJson.size() > limits.maxImages()) {
                throw ApiException.invalid("seeds", "1 to " + limits.maxImages() + " seeds, got " + seedsJson.size());
            }
            seeds = new long[seedsJson.size()];
            JsonObject holder = new JsonObject();
            for (int i = 0; i < seeds.length; i++) {
                holder.add("seeds[" + i + "]", seedsJson.get(i));
                seeds[i] = Body.of(holder, "").integer("seeds[" + i + "]", 0, 0, 0xffffffffL);
            }
        }
        Generations.Morph morph = null;
        Body m = b.object("morph");
        if (m != null) {
            String word = m.string("word", null);
            if (word == null || word.isBlank()) {
                throw ApiException.invalid("morph.word", "the subject word to morph is required");
            }
            int frames = (int) m.integer("frames", 8, 2, limits.maxImages());
            Generations.Upload from = Generations.Upload.of(word, Body.image(m.json().get("from"), "morph.from",
                    limits.maxImagePixels()));
            Generations.Upload to = Generations.Upload.of(word, Body.image(m.json().get("to"), "morph.to",
                    limits.maxImagePixels()));
            if (sets.size() > 1 || seeds != null && seeds.length > 1) {
                throw ApiException.invalid("morph", "a morph goes with one subject set and one seed");
            }
            if (keepBackground) {
                throw ApiException.invalid("keep_background", "does not apply to a morph");
            }
            morph = new Generations.Morph(word, from, to, frames);
            List<Generations.Upload> all = new ArrayList<>(sets.get(0));
            all.add(from);
            checkBinding(prompt, all, "morph.word");
        } else {
            for (int i = 0; i < sets.size(); i++) {
                checkBinding(prompt, sets.get(i), setsJson != null ? "subject_sets[" + i + "]" : "subjects");
            }
        }
        int perSeed = morph != null ? 0 : s.options().batch() * (sets.size() + (withPrior ? 1 : 0));
        long images = morph != null ? morph.frames()
                : (long) perSeed * (seeds != null ? seeds.length : s.nIter()) / Math.max(1, seeds != null ? s.options().batch() : 1);
        if (images > limits.maxImages()) {
            throw ApiException.invalid(null, images + " images (seeds x subject sets x batch, prior included) is over the"
                    + " limit of " + limits.maxImages() + " per request (--max-images)");
        }
        Generations.MoaRequest q = new Generations.MoaRequest(s, sets, mode, strength, withPrior, routerMaps, seeds, morph,
                keepBackground);
        JsonObject params = s.parameters(b.json());
        params.remove("subject_sets");
        params.remove("morph");
        StringBuilder sum = new StringBuilder(summary(s)).append(" subjects=");
        List<String> hashes = new ArrayList<>();
        sets.forEach(set -> set.forEach(u -> hashes.add(u.label())));
        if (morph != null) {
            hashes.add("morph " + morph.from().label() + "->" + morph.to().label());
        }
        sum.append(hashes.isEmpty() ? "none" : String.join(";", hashes));
        enqueue(ctx, "moa/generate", sum.toString(), job -> generations.moa(q, job),
                out -> response(out, params, true, false));
    }

    private void moaSwap(Context ctx) {
        requireMoa();
        Body b = body(ctx);
        Body.Decoded photo = Body.image(b.json().get("image"), "image", limits.maxImagePixels());
        if (!b.has("sampler_name") && !b.has("sampler_index")) {
            b.json().addProperty("sampler_name", "DDIM");   // the swap samples with DDIM (what it inverts with)
        }
        Sampling s = Sampling.parse(b, sd, limits);
        if (!b.has("width") && !b.has("height")) {   // the photo's own size, as the CLI's swap
            s = s.sizedTo(photo.image(), sd.vaeScaleFactor(), limits.maxSide(), 1);
        }
        List<Generations.Upload> subjects = subjects(b.array("subjects"), "subjects");
        if (subjects.isEmpty()) {
            throw ApiException.invalid("subjects", "at least one new subject is required");
        }
        for (int i = 0; i < subjects.size(); i++) {
            if (subjects.get(i).strength() != 1) {
                throw ApiException.invalid("subjects[" + i + "].strength", "per-subject strength is not supported by swap");
            }
        }
        checkBinding(s.options().prompt(), subjects, "subjects");
        double depth = b.number("depth", 1.0, 1e-9, 1);
        Body.Decoded mask = b.has("mask") && !b.json().get("mask").isJsonNull()
                ? Body.image(b.json().get("mask"), "mask", limits.maxImagePixels()) : null;
        Generations.SwapRequest q = new Generations.SwapRequest(s, photo, subjects, depth, mask);
        JsonObject params = s.parameters(b.json());
        List<String> hashes = new ArrayList<>();
        subjects.forEach(u -> hashes.add(u.label()));
        enqueue(ctx, "moa/swap", summary(s) + " subjects=" + String.join(";", hashes),
                job -> generations.swap(q, job), out -> response(out, params, true, true));
    }

    /**
     * The response body: {@code images} (empty unless {@code send}), the output's further pictures (each a list, or
     * with {@code single} its one picture), A1111's {@code parameters} and {@code info} (a JSON string).
     */
    private static JsonObject response(Generations.Output out, JsonObject params, boolean send, boolean single) {
        JsonObject r = new JsonObject();
        JsonArray images = new JsonArray();
        if (send) {
            out.images().forEach(images::add);
        }
        r.add("images", images);
        for (Map.Entry<String, List<String>> e : out.more().entrySet()) {
            if (single) {
                r.addProperty(e.getKey(), e.getValue().get(0));
            } else {
                JsonArray a = new JsonArray();
                e.getValue().forEach(a::add);
                r.add(e.getKey(), a);
            }
        }
        r.add("parameters", params);
        r.addProperty("info", GSON.toJson(out.info()));
        return r;
    }
}
