package dev.moa.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.moa.cli.CliAccess;
import dev.moa.image.Images;
import dev.moa.image.PngText;
import dev.moa.image.PngWriter;
import dev.moa.image.Provenance;
import dev.moa.image.RgbImage;
import dev.moa.testing.Fixtures;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real server on an ephemeral loopback port, spoken to with the JDK HTTP client as an A1111 client would. */
class ServerApiTest {
    static ServerHarness h;

    @BeforeAll
    static void start() throws Exception {
        h = new ServerHarness(true, Limits.defaults().withQueue(1), null);
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    static RgbImage decode(JsonElement b64) throws Exception {
        return Images.decode(Base64.getDecoder().decode(b64.getAsString()), "response");
    }

    @Test
    void txt2imgAsA1111DocsShowIt() throws Exception {
        // the body of A1111's API wiki example: every other field at A1111's default
        HttpResponse<String> r = h.post("/sdapi/v1/txt2img", "{\"prompt\": \"maltese puppy\", \"steps\": 5}");
        assertEquals(200, r.statusCode(), r.body());
        JsonObject o = ServerHarness.json(r);
        assertEquals(1, o.getAsJsonArray("images").size());
        JsonObject p = o.getAsJsonObject("parameters");
        assertEquals("maltese puppy", p.get("prompt").getAsString());
        assertEquals(5, p.get("steps").getAsInt());
        assertEquals(7.0, p.get("cfg_scale").getAsDouble());
        assertEquals("Euler", p.get("sampler_name").getAsString());
        assertEquals(1, p.get("batch_size").getAsInt());
        JsonObject info = JsonParser.parseString(o.get("info").getAsString()).getAsJsonObject();   // a JSON string
        long seed = info.get("seed").getAsLong();
        assertTrue(seed >= 0, "seed -1 becomes a concrete seed");
        byte[] png = Base64.getDecoder().decode(o.getAsJsonArray("images").get(0).getAsString());
        Map<String, String> text = PngText.parse(png);
        assertTrue(text.get("parameters").startsWith("maltese puppy\nSteps: 5, Sampler: Euler, CFG scale: 7, Seed: " + seed),
                text.get("parameters"));
        assertEquals(info.getAsJsonArray("infotexts").get(0).getAsString(), text.get("parameters"));
        assertTrue(text.get(Provenance.XMP_KEYWORD).contains("Iptc4xmpExt:DigitalSourceType=\""
                + Provenance.TRAINED_ALGORITHMIC_MEDIA + "\""), "the AI-generated label is in the PNG's XMP");
        RgbImage img = Images.decode(png, "response");
        assertEquals(h.sd.defaultSize(), img.width(), "without width the model's own size");
        assertTrue(h.log().contains("txt2img steps=5 size=32x32 images=1: 1 image(s)"), h.log());
    }

    @Test
    void txt2imgEqualsTheSameCliRun(@TempDir Path dir) throws Exception {
        HttpResponse<String> r = h.post("/sdapi/v1/txt2img", "{\"prompt\": \"a red disc\", \"steps\": 6, \"seed\": 1234,"
                + " \"cfg_scale\": 5, \"sampler_name\": \"DPM++ 2M\", \"width\": 32, \"height\": 40}");
        assertEquals(200, r.statusCode(), r.body());
        RgbImage served = decode(ServerHarness.json(r).getAsJsonArray("images").get(0));
        Path out = dir.resolve("cli.png");
        CliAccess.Result cli = CliAccess.run("generate", "--model", Fixtures.path("models/tiny-sd").toString(), "-p",
                "a red disc", "--steps", "6", "--seed", "1234", "--cfg", "5", "--scheduler", "dpm++2m", "--width", "32",
                "--height", "40", "--threads", "1", "-q", "-o", out.toString());
        assertEquals(0, cli.code(), cli.toString());
        RgbImage local = Images.read(out);
        assertEquals(served.width(), local.width());
        assertEquals(served.height(), local.height());
        // the same computation in the same process: equal up to one 8-bit level (thread count may change blocking)
        int maxDiff = 0;
        for (int i = 0; i < served.data().length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs((served.data()[i] & 0xff) - (local.data()[i] & 0xff)));
        }
        assertTrue(maxDiff <= 1, "server and CLI images differ by " + maxDiff + " levels");
        assertEquals(PngText.read(out).get("parameters"), PngText.parse(Base64.getDecoder().decode(
                ServerHarness.json(r).getAsJsonArray("images").get(0).getAsString())).get("parameters"));
    }

    @Test
    void batchesAndIterationsContinueTheSeed() throws Exception {
        HttpResponse<String> r = h.post("/sdapi/v1/txt2img", "{\"prompt\": \"x\", \"steps\": 2, \"seed\": 10,"
                + " \"batch_size\": 2, \"n_iter\": 2, \"send_images\": true}");
        assertEquals(200, r.statusCode(), r.body());
        JsonObject info = JsonParser.parseString(ServerHarness.json(r).get("info").getAsString()).getAsJsonObject();
        assertEquals("[10,11,12,13]", info.getAsJsonArray("all_seeds").toString());
        assertEquals(4, ServerHarness.json(r).getAsJsonArray("images").size());
        HttpResponse<String> none = h.post("/sdapi/v1/txt2img", "{\"steps\": 2, \"send_images\": false}");
        assertEquals(0, ServerHarness.json(none).getAsJsonArray("images").size());
    }

    @Test
    void img2imgKeepsTheInitImageSize() throws Exception {
        RgbImage init = Images.decode(Files.readAllBytes(Fixtures.path("ref/moa_files/pub_man.png")), "man");
        String b64 = Base64.getEncoder().encodeToString(PngWriter.encode(dev.moa.image.Resample.resize(init, 48, 40,
                dev.moa.image.Resample.Filter.BICUBIC), Map.of()));
        HttpResponse<String> r = h.post("/sdapi/v1/img2img", "{\"prompt\": \"a man\", \"steps\": 4,"
                + " \"denoising_strength\": 0.5, \"init_images\": [\"data:image/png;base64," + b64 + "\"]}");
        assertEquals(200, r.statusCode(), r.body());
        RgbImage out = decode(ServerHarness.json(r).getAsJsonArray("images").get(0));
        assertEquals(48, out.width());
        assertEquals(40, out.height());
        JsonObject info = JsonParser.parseString(ServerHarness.json(r).get("info").getAsString()).getAsJsonObject();
        assertEquals(0.5, info.get("denoising_strength").getAsDouble());
    }

    @Test
    void validationErrorsName422TheField() throws Exception {
        String[][] cases = {
            {"{\"steps\": 0}", "steps", "between 1 and 150"},
            {"{\"steps\": \"ten\"}", "steps", "expected an integer"},
            {"{\"steps\": 2.5}", "steps", "expected an integer"},
            {"{\"width\": 100000}", "width", "between 8 and 2048"},
            {"{\"cfg_scale\": 1e999}", "cfg_scale", "between 0 and 100"},
            {"{\"seed\": -5}", "seed", "between -1 and"},
            {"{\"batch_size\": 8, \"n_iter\": 8}", "batch_size", "over the limit of 16"},
            {"{\"sampler_name\": \"Heun 9000\"}", "sampler_name", "unknown scheduler"},
            {"{\"sampler_name\": \"DDIM Inverse\"}", "sampler_name", "does not sample"},
            {"{\"prompt\": 5}", "prompt", "expected a string"},
            {"{\"restore_faces\": true}", "restore_faces", "not supported"},
            {"{\"override_settings\": {\"CLIP_stop_at_last_layers\": 40}}", "override_settings.CLIP_stop_at_last_layers",
                "between 1 and 12"},
        };
        for (String[] c : cases) {
            HttpResponse<String> r = h.post("/sdapi/v1/txt2img", c[0]);
            assertEquals(422, r.statusCode(), c[0] + " -> " + r.body());
            JsonObject o = ServerHarness.json(r);
            JsonArray loc = o.getAsJsonArray("detail").get(0).getAsJsonObject().getAsJsonArray("loc");
            assertEquals("body." + c[1], String.join(".", loc.asList().stream().map(JsonElement::getAsString).toList()),
                    c[0]);
            assertTrue(o.get("error").getAsString().contains(c[2]), c[0] + " -> " + o.get("error"));
        }
        String[][] img = {
            {"{\"init_images\": []}", "init_images"},
            {"{\"init_images\": [\"%%%\"]}", "not valid base64"},
            {"{\"init_images\": [\"aGVsbG8gd29ybGQ=\"]}", "supported: png"},
            {"{\"init_images\": [\"iVBORw0KGgoAAAANSUhEUgAA\"]}", "init_images[0]"},
        };
        for (String[] c : img) {
            HttpResponse<String> r = h.post("/sdapi/v1/img2img", c[0]);
            assertEquals(422, r.statusCode(), c[0] + " -> " + r.body());
            assertTrue(ServerHarness.json(r).get("error").getAsString().contains(c[1]), r.body());
        }
    }

    @Test
    void photosOverThePixelLimitAreRefusedFromTheHeader() throws Exception {
        // a valid 5000 x 4000 PNG (20 MP, over the default 16): refused by size, naming the limit and the flag
        java.awt.image.BufferedImage big = new java.awt.image.BufferedImage(5000, 4000,
                java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(big, "png", png);
        String b64 = Base64.getEncoder().encodeToString(png.toByteArray());
        HttpResponse<String> r = h.post("/moa/v1/generate", "{\"prompt\": \"a man\", \"subjects\": [{\"word\": \"man\","
                + " \"image\": \"" + b64 + "\"}]}");
        assertEquals(422, r.statusCode(), r.body());
        assertTrue(r.body().contains("subjects[0].image: 5000 x 4000 pixels (20 megapixels) is over the limit of 16"
                + " megapixels"), r.body());
    }

    @Test
    void readOnlyEndpointsAnswerInA1111Shapes() throws Exception {
        JsonArray samplers = JsonParser.parseString(h.get("/sdapi/v1/samplers").body()).getAsJsonArray();
        Set<String> names = new HashSet<>();
        samplers.forEach(s -> names.add(s.getAsJsonObject().get("name").getAsString()));
        assertTrue(names.containsAll(List.of("Euler", "Euler a", "DDIM", "DPM++ 2M")), names.toString());
        assertFalse(names.stream().anyMatch(n -> n.toLowerCase(java.util.Locale.ROOT).contains("inverse")), names.toString());
        JsonArray models = JsonParser.parseString(h.get("/sdapi/v1/sd-models").body()).getAsJsonArray();
        assertEquals("tiny-sd", models.get(0).getAsJsonObject().get("model_name").getAsString());
        assertFalse(models.toString().contains("/"), "no server paths leak: " + models);
        JsonObject options = ServerHarness.json(h.get("/sdapi/v1/options"));
        assertEquals(models.get(0).getAsJsonObject().get("title").getAsString(),
                options.get("sd_model_checkpoint").getAsString());
        JsonObject progress = ServerHarness.json(h.get("/sdapi/v1/progress?skip_current_image=true"));
        assertTrue(progress.has("current_image") && progress.get("current_image").isJsonNull());
        assertEquals(0, progress.getAsJsonObject("state").get("sampling_step").getAsInt());
        HttpResponse<String> missing = h.get("/sdapi/v1/nothing");
        assertEquals(404, missing.statusCode());
        assertEquals("Not Found", ServerHarness.json(missing).get("detail").getAsString());
        assertEquals(405, h.get("/sdapi/v1/txt2img").statusCode());
    }

    @Test
    void openApiDescribesEveryRoute() throws Exception {
        JsonObject doc = ServerHarness.json(h.get("/openapi.json"));
        Set<String> documented = new HashSet<>();
        for (String path : doc.getAsJsonObject("paths").keySet()) {
            for (String method : doc.getAsJsonObject("paths").getAsJsonObject(path).keySet()) {
                documented.add(method.toUpperCase() + " " + path);
            }
        }
        assertEquals(new HashSet<>(MoaServer.ROUTES), documented);
        for (String route : MoaServer.ROUTES) {   // and every documented route is served
            String[] mp = route.split(" ");
            // (generating routes get a body they refuse: the point is that the route exists, not a generation)
            int code = mp[0].equals("GET") ? h.get(mp[1]).statusCode() : h.post(mp[1], "{\"steps\": 0}").statusCode();
            assertTrue(code != 404 && code != 405, route + " -> " + code);
        }
    }

    @Test
    void moaGenerateWithPriorAndRouterMaps() throws Exception {
        String body = "{\"prompt\": \"a man and a woman in a cafe\", \"steps\": 4, \"seed\": 7, \"with_prior\": true,"
                + " \"router_maps\": true, \"subjects\": [{\"word\": \"man\", \"image\": \"" + ServerHarness.photo("pub_man.png")
                + "\"}, {\"word\": \"woman\", \"image\": \"" + ServerHarness.photo("pub_woman.png") + "\"}]}";
        HttpResponse<String> r = h.post("/moa/v1/generate", body);
        assertEquals(200, r.statusCode(), r.body());
        JsonObject o = ServerHarness.json(r);
        assertEquals(1, o.getAsJsonArray("images").size());
        assertEquals(1, o.getAsJsonArray("prior_images").size());
        assertEquals(1, o.getAsJsonArray("router_maps").size());
        String params = PngText.parse(Base64.getDecoder().decode(o.getAsJsonArray("images").get(0).getAsString()))
                .get("parameters");
        assertTrue(params.contains("MoA mode: moa") && params.contains("Subjects: man=upload ("), params);
        assertFalse(o.getAsJsonObject("parameters").has("subjects"), "photos are not echoed back");
        assertFalse(h.log().contains(ServerHarness.photo("pub_man.png").substring(0, 40)), "no photo data in logs");
        assertTrue(h.log().contains("man=upload ("), "photos appear in the log as hashes: " + h.log());
        // the prior image is the base model's: the same as txt2img with the plain prompt and seed
        RgbImage prior = decode(o.getAsJsonArray("prior_images").get(0));
        RgbImage moa = decode(o.getAsJsonArray("images").get(0));
        assertEquals(prior.width(), moa.width());
    }

    @Test
    void moaRequestsAreCheckedBeforeQueueing() throws Exception {
        String man = ServerHarness.photo("pub_man.png");
        HttpResponse<String> r = h.post("/moa/v1/generate", "{\"prompt\": \"a cat\", \"subjects\": [{\"word\": \"man\","
                + " \"image\": \"" + man + "\"}]}");
        assertEquals(422, r.statusCode(), r.body());
        assertTrue(ServerHarness.json(r).get("error").getAsString().startsWith("subjects: "), r.body());
        r = h.post("/moa/v1/generate", "{\"prompt\": \"a man\", \"subjects\": [{\"word\": \"man\"}]}");
        assertEquals(422, r.statusCode());
        assertTrue(r.body().contains("subjects[0].image: a base64 image is required"), r.body());
        r = h.post("/moa/v1/generate", "{\"prompt\": \"a man\", \"mode\": \"both\"}");
        assertEquals(422, r.statusCode());
        r = h.post("/moa/v1/swap", "{\"prompt\": \"a man\", \"image\": \"" + man + "\", \"subjects\": []}");
        assertEquals(422, r.statusCode());
        assertTrue(r.body().contains("at least one new subject"), r.body());
        r = h.post("/moa/v1/generate", "{\"prompt\": \"a man\", \"subjects\": [{\"word\": \"man\", \"strength\": 1.5,"
                + " \"image\": \"" + man + "\"}]}");
        assertEquals(422, r.statusCode());
        assertTrue(r.body().contains("subjects[0].strength"), r.body());
        r = h.post("/moa/v1/generate", "{\"prompt\": \"a man\", \"steps\": 2, \"subjects\": [{\"word\": \"man\","
                + " \"strength\": 0.5, \"image\": \"" + man + "\"}]}");
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(ServerHarness.json(r).get("info").getAsString().contains("MoA subject strength: man 0.5"), r.body());
        r = h.post("/moa/v1/generate", "{\"prompt\": \"a man\", \"steps\": 2, \"keep_background\": true, \"subjects\":"
                + " [{\"word\": \"man\", \"image\": \"" + man + "\"}]}");
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(ServerHarness.json(r).get("info").getAsString().contains("MoA keep background: router"), r.body());
        // with the prior shown: one prior per seed, computed once and anchored to by both subject sets
        r = h.post("/moa/v1/generate", "{\"prompt\": \"a man\", \"steps\": 2, \"keep_background\": true, \"with_prior\": true,"
                + " \"subject_sets\": [[{\"word\": \"man\", \"image\": \"" + man + "\"}], [{\"word\": \"man\", \"image\": \""
                + man + "\", \"strength\": 0.5}]]}");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(1, ServerHarness.json(r).getAsJsonArray("prior_images").size(), r.body());
        assertEquals(2, ServerHarness.json(r).getAsJsonArray("images").size(), r.body());
        r = h.post("/moa/v1/generate", "{\"prompt\": \"a man\", \"mode\": \"prior\", \"keep_background\": true}");
        assertEquals(422, r.statusCode(), r.body());
        assertTrue(r.body().contains("keep_background: needs mode moa"), r.body());
    }

    @Test
    void subjectSetsMorphAndSwap() throws Exception {
        String man = ServerHarness.photo("pub_man.png");
        String woman = ServerHarness.photo("pub_woman.png");
        HttpResponse<String> sets = h.post("/moa/v1/generate", "{\"prompt\": \"a man\", \"steps\": 3, \"seeds\": [1, 2],"
                + " \"subject_sets\": [[{\"word\": \"man\", \"image\": \"" + man + "\"}], [{\"word\": \"man\", \"image\": \""
                + woman + "\"}]]}");
        assertEquals(200, sets.statusCode(), sets.body());
        HttpResponse<String> markers = h.post("/moa/v1/generate", "{\"prompt\": \"a <|image|> in a cafe\", \"steps\": 2,"
                + " \"subjects\": [{\"image\": \"" + man + "\"}]}");
        assertEquals(200, markers.statusCode(), "subjects bound by <|image|> markers: " + markers.body());
        assertEquals(4, ServerHarness.json(sets).getAsJsonArray("images").size(), "2 seeds x 2 subject sets");
        HttpResponse<String> morph = h.post("/moa/v1/generate", "{\"prompt\": \"a man\", \"steps\": 3, \"seed\": 3,"
                + " \"morph\": {\"word\": \"man\", \"from\": \"" + man + "\", \"to\": \"" + woman + "\", \"frames\": 3}}");
        assertEquals(200, morph.statusCode(), morph.body());
        assertEquals("[\"t = 0.00\",\"t = 0.50\",\"t = 1.00\"]",
                ServerHarness.json(morph).getAsJsonArray("labels").toString());
        HttpResponse<String> swap = h.post("/moa/v1/swap", "{\"prompt\": \"a man\", \"steps\": 4, \"depth\": 0.5,"
                + " \"image\": \"" + man + "\", \"subjects\": [{\"word\": \"man\", \"image\": \"" + woman + "\"}]}");
        assertEquals(200, swap.statusCode(), swap.body());
        JsonObject s = ServerHarness.json(swap);
        assertEquals(1, s.getAsJsonArray("images").size());
        assertEquals(decode(s.get("input")).width(), decode(s.get("reconstruction")).width());
        // an all-black mask keeps everything on the reconstruction: the same latents, so the same decoded pixels
        java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(16, 16, java.awt.image.BufferedImage.TYPE_INT_RGB),
                "png", png);
        String black = java.util.Base64.getEncoder().encodeToString(png.toByteArray());
        HttpResponse<String> kept = h.post("/moa/v1/swap", "{\"prompt\": \"a man\", \"steps\": 3, \"mask\": \"" + black
                + "\", \"image\": \"" + man + "\", \"subjects\": [{\"word\": \"man\", \"image\": \"" + woman + "\"}]}");
        assertEquals(200, kept.statusCode(), kept.body());
        JsonObject k = ServerHarness.json(kept);
        RgbImage swapped = decode(k.getAsJsonArray("images").get(0));
        RgbImage rec = decode(k.get("reconstruction"));
        for (int y = 0; y < rec.height(); y++) {
            for (int x = 0; x < rec.width(); x++) {
                assertEquals(rec.rgb(x, y), swapped.rgb(x, y), "pixel " + x + "," + y);
            }
        }
        assertTrue(k.get("info").getAsString().contains("Swap mask: yes"), k.get("info").getAsString());
        HttpResponse<String> bad = h.post("/moa/v1/swap", "{\"prompt\": \"a man\", \"mask\": \"%%%\", \"image\": \""
                + man + "\", \"subjects\": [{\"word\": \"man\", \"image\": \"" + woman + "\"}]}");
        assertEquals(422, bad.statusCode(), bad.body());
        assertTrue(bad.body().contains("mask"), bad.body());
    }

    /** A job long enough to be watched: 4 x 150 steps (tens of seconds on the tiny model; it is stopped early). */
    static final String LONG = "{\"prompt\": \"slow\", \"steps\": 150, \"seed\": 1, \"n_iter\": 4}";

    static JsonObject waitForSteps() throws Exception {
        for (int i = 0; i < 1500; i++) {
            JsonObject p = ServerHarness.json(h.get("/sdapi/v1/progress"));
            if (p.getAsJsonObject("state").get("sampling_step").getAsInt() > 0) {
                return p;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no job made progress");
    }

    @Test
    void progressInterruptAndQueueLimit() throws Exception {
        CompletableFuture<HttpResponse<String>> running = h.http.sendAsync(h.request("/sdapi/v1/txt2img")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(LONG)).build(), HttpResponse.BodyHandlers.ofString());
        JsonObject p = waitForSteps();
        assertTrue(p.get("progress").getAsDouble() > 0, p.toString());
        assertEquals(150, p.getAsJsonObject("state").get("sampling_steps").getAsInt());
        assertEquals(4, p.getAsJsonObject("state").get("job_count").getAsInt());
        // queue of 1: one more waits, the next is refused at once with Retry-After
        CompletableFuture<HttpResponse<String>> waiting = h.http.sendAsync(h.request("/sdapi/v1/txt2img")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"steps\": 2, \"seed\": 5}")).build(),
                HttpResponse.BodyHandlers.ofString());
        for (int i = 0; i < 200 && ServerHarness.json(h.get("/sdapi/v1/progress")).get("queued").getAsInt() < 1; i++) {
            Thread.sleep(10);
        }
        HttpResponse<String> refused = h.post("/sdapi/v1/txt2img", "{\"steps\": 2}");
        assertEquals(503, refused.statusCode(), refused.body());
        assertTrue(refused.headers().firstValue("Retry-After").isPresent());
        assertTrue(refused.body().contains("--queue"), refused.body());
        h.post("/sdapi/v1/interrupt", "");
        HttpResponse<String> done = running.get(60, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(200, done.statusCode(), done.body());
        JsonObject info = JsonParser.parseString(ServerHarness.json(done).get("info").getAsString()).getAsJsonObject();
        assertTrue(info.get("interrupted").getAsBoolean());
        assertTrue(ServerHarness.json(done).getAsJsonArray("images").size() < 4, "interrupted before the 4th batch");
        HttpResponse<String> second = waiting.get(60, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(200, second.statusCode(), "the queued job still completes: " + second.body());
        assertEquals(1, ServerHarness.json(second).getAsJsonArray("images").size());
    }

    @Test
    void skipDropsTheCurrentBatchOnly() throws Exception {
        CompletableFuture<HttpResponse<String>> running = h.http.sendAsync(h.request("/sdapi/v1/txt2img")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(LONG.replace("\"n_iter\": 4", "\"n_iter\": 2")
                        .replace("\"steps\": 150", "\"steps\": 60"))).build(), HttpResponse.BodyHandlers.ofString());
        waitForSteps();
        h.post("/sdapi/v1/skip", "");
        HttpResponse<String> done = running.get(60, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(200, done.statusCode(), done.body());
        JsonObject info = JsonParser.parseString(ServerHarness.json(done).get("info").getAsString()).getAsJsonObject();
        assertEquals(1, ServerHarness.json(done).getAsJsonArray("images").size(), "the first batch skipped, the second made");
        assertEquals("[2]", info.getAsJsonArray("all_seeds").toString());
        assertFalse(info.get("interrupted").getAsBoolean());
    }

    @Test
    void aClientThatHangsUpCancelsItsJob() throws Exception {
        try (Socket s = new Socket("127.0.0.1", h.port)) {
            byte[] body = LONG.getBytes(StandardCharsets.UTF_8);
            OutputStream out = s.getOutputStream();
            out.write(("POST /sdapi/v1/txt2img HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            waitForSteps();
        }   // hang up mid-job
        long t0 = System.nanoTime();
        while (ServerHarness.json(h.get("/sdapi/v1/progress")).getAsJsonObject("state").get("sampling_steps").getAsInt() > 0) {
            assertTrue(System.nanoTime() - t0 < 20e9, "the abandoned job is still running after 20 s");
            Thread.sleep(20);
        }
        for (int i = 0; i < 100 && !h.log().contains("cancelled after"); i++) {
            Thread.sleep(20);
        }
        assertTrue(h.log().contains("cancelled after"), h.log());
        // and a keep-alive client still gets its next answers on the same connection after a job
        assertEquals(200, h.post("/sdapi/v1/txt2img", "{\"steps\": 2}").statusCode());
        assertEquals(200, h.post("/sdapi/v1/txt2img", "{\"steps\": 2}").statusCode());
    }

    @Test
    void rawMalformedRequestsGet4xxAndTheServerKeepsServing() throws Exception {
        String[] raw = {
            "POST /sdapi/v1/txt2img HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n{\"ste",
            "POST /sdapi/v1/txt2img HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nNaN",
            "POST /sdapi/v1/txt2img HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(40_000) + "\r\nContent-Length: 2\r\n\r\n{}",
            "POST /sdapi/v1/txt2img HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n{}",
            "GARBAGE\r\n\r\n",
        };
        for (String req : raw) {
            try (Socket s = new Socket("127.0.0.1", h.port)) {
                s.setSoTimeout(20_000);
                s.getOutputStream().write(req.getBytes(StandardCharsets.ISO_8859_1));
                s.shutdownOutput();
                InputStream in = s.getInputStream();
                String status = new String(in.readNBytes(12), StandardCharsets.ISO_8859_1);
                assertTrue(status.matches("HTTP/1\\.1 4\\d\\d"), req.substring(0, Math.min(60, req.length())) + " -> " + status);
            }
        }
        assertEquals(200, h.get("/sdapi/v1/progress").statusCode());
    }
}
