package dev.moa.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code --api-auth} as A1111's (HTTP basic on every endpoint but the page), on a server without MoA. */
class ServerAuthTest {
    static ServerHarness h;

    @BeforeAll
    static void start() throws Exception {
        h = new ServerHarness(false, Limits.defaults(), "alice:s3cret,bob:pw:with:colons");
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    @Test
    void everyApiRouteNeedsCredentialsButThePageDoesNot() throws Exception {
        h.auth(null);
        for (String route : MoaServer.ROUTES) {
            String[] mp = route.split(" ");
            HttpResponse<String> r = mp[0].equals("GET") ? h.get(mp[1]) : h.post(mp[1], "{}");
            assertEquals(401, r.statusCode(), route);
            assertEquals("Basic realm=\"moa\"", r.headers().firstValue("WWW-Authenticate").orElse(null));
        }
        assertEquals(200, h.get("/").statusCode(), "the page itself is public (its API calls are not)");
        h.auth("alice:wrong");
        assertEquals(401, h.get("/sdapi/v1/options").statusCode());
        h.auth("bob:pw:with:colons");
        assertEquals(200, h.get("/sdapi/v1/options").statusCode(), "the password is everything after the first colon");
        h.auth("alice:s3cret");
        HttpResponse<String> r = h.post("/sdapi/v1/txt2img", "{\"steps\": 2}");
        assertEquals(200, r.statusCode(), r.body());
    }

    @Test
    void moaEndpointsWithoutMoaSayHowToLoadIt() throws Exception {
        h.auth("alice:s3cret");
        HttpResponse<String> r = h.post("/moa/v1/generate", "{\"prompt\": \"a man\"}");
        assertEquals(409, r.statusCode());
        assertTrue(r.body().contains("--moa DIR"), r.body());
        assertTrue(ServerHarness.json(h.get("/moa/v1/info")).get("moa").isJsonNull());
    }

    @Test
    void badAuthSpecsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> MoaServer.checkAuth("nopassword"));
        assertThrows(IllegalArgumentException.class, () -> MoaServer.checkAuth("a:b,:c"));
        assertThrows(IllegalArgumentException.class, () -> MoaServer.checkAuth("a:"));
    }
}
