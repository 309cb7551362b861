package dev.moa.server;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.moa.pipeline.DiffusionPipeline;
import dev.moa.pipeline.StableDiffusion;
import dev.moa.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Base64;

/** The real server on the tiny models, on an ephemeral loopback port, and a JDK HTTP client for it. */
final class ServerHarness implements AutoCloseable {
    final StableDiffusion sd;
    final DiffusionPipeline pipeline;
    final MoaServer server;
    final int port;
    final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private String auth;

    ServerHarness(boolean moa, Limits limits, String apiAuth) throws IOException {
        sd = StableDiffusion.load(Fixtures.path("models/tiny-sd"));
        pipeline = moa ? DiffusionPipeline.loadMoa(sd, Fixtures.path("models/tiny-moa"), null) : DiffusionPipeline.of(sd);
        server = new MoaServer(pipeline, limits, apiAuth, new PrintStream(logBytes, true, StandardCharsets.UTF_8));
        port = server.start("127.0.0.1", 0);
    }

    ServerHarness auth(String userPass) {
        auth = userPass;
        return this;
    }

    String log() {
        return logBytes.toString(StandardCharsets.UTF_8);
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(120));
        if (auth != null) {
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(auth.getBytes(StandardCharsets.UTF_8)));
        }
        return b;
    }

    HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return http.send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonObject json(HttpResponse<String> r) {
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    static String photo(String name) throws IOException {
        return Base64.getEncoder().encodeToString(Files.readAllBytes(Fixtures.path("ref/moa_files/" + name)));
    }

    @Override
    public void close() {
        server.close();
        pipeline.close();
        sd.close();
    }
}
