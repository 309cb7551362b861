package dev.moa.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Many clients at once against a small queue: every accepted job finishes with its own image, the rest are told
 * 503 at once, nothing is lost or duplicated, and the model's memory is the same afterwards. In {@code mvn test}
 * it is small (12 clients, 2 rounds); the longer run is
 * {@code mvn -Dtest=ServerLoadTest -Dmoa.load.clients=64 -Dmoa.load.rounds=10 -Dmoa.load.steps=20 test}.
 */
class ServerLoadTest {
    static final int CLIENTS = Integer.getInteger("moa.load.clients", 12);
    static final int ROUNDS = Integer.getInteger("moa.load.rounds", 2);
    static final int STEPS = Integer.getInteger("moa.load.steps", 8);
    static final int QUEUE = Integer.getInteger("moa.load.queue", 3);

    record Outcome(long seed, int status, long nanos, String body) {}

    @Test
    void acceptedJobsAllFinishTheRestAre503AndMemoryStaysFlat() throws Exception {
        try (ServerHarness h = new ServerHarness(false, Limits.defaults().withQueue(QUEUE), null)) {
            assertEquals(200, h.post("/sdapi/v1/txt2img", "{\"steps\": 2}").statusCode());   // warm-up
            int arraysBefore = h.sd.manager().getManagedArrays().size();
            List<Long> latencies = new ArrayList<>();
            int accepted = 0;
            int refused = 0;
            for (int round = 0; round < ROUNDS; round++) {
                List<CompletableFuture<Outcome>> calls = new ArrayList<>();
                for (int c = 0; c < CLIENTS; c++) {
                    long seed = 1000L * round + c;
                    long t0 = System.nanoTime();
                    HttpRequest req = h.request("/sdapi/v1/txt2img").POST(HttpRequest.BodyPublishers.ofString(
                            "{\"prompt\": \"load\", \"steps\": " + STEPS + ", \"seed\": " + seed + "}")).build();
                    calls.add(h.http.sendAsync(req, HttpResponse.BodyHandlers.ofString())
                            .thenApply(r -> new Outcome(seed, r.statusCode(), System.nanoTime() - t0, r.body())));
                }
                Set<Long> seeds = new HashSet<>();
                int roundAccepted = 0;
                for (CompletableFuture<Outcome> f : calls) {
                    Outcome o = f.get(120, TimeUnit.SECONDS);
                    if (o.status() == 503) {
                        refused++;
                        continue;
                    }
                    assertEquals(200, o.status(), o.body());
                    roundAccepted++;
                    latencies.add(o.nanos());
                    JsonObject r = JsonParser.parseString(o.body()).getAsJsonObject();
                    assertEquals(1, r.getAsJsonArray("images").size());
                    JsonObject info = JsonParser.parseString(r.get("info").getAsString()).getAsJsonObject();
                    assertEquals(o.seed(), info.get("seed").getAsLong(), "each client gets its own job's image");
                    assertTrue(seeds.add(o.seed()), "duplicate answer for seed " + o.seed());
                }
                assertTrue(roundAccepted >= Math.min(CLIENTS, QUEUE + 1),
                        "at least the running job and a full queue are accepted: " + roundAccepted);
                accepted += roundAccepted;
            }
            assertEquals(CLIENTS * ROUNDS, accepted + refused, "every request answered");
            for (int i = 0; i < 100 && h.server != null
                    && ServerHarness.json(h.get("/sdapi/v1/progress")).get("queued").getAsInt() > 0; i++) {
                Thread.sleep(20);
            }
            assertEquals(arraysBefore, h.sd.manager().getManagedArrays().size(), "no tensors left behind by the jobs");
            Collections.sort(latencies);
            System.out.printf(Locale.ROOT, "load: %d clients x %d rounds, queue %d, %d steps: %d accepted, %d refused (503);"
                    + " latency of accepted p50 %.2f s, p95 %.2f s%n", CLIENTS, ROUNDS, QUEUE, STEPS, accepted, refused,
                    latencies.get(latencies.size() / 2) / 1e9,
                    latencies.get(Math.min(latencies.size() - 1, (int) Math.ceil(latencies.size() * 0.95) - 1)) / 1e9);
        }
    }
}
