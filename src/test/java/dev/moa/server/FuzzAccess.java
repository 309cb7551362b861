package dev.moa.server;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;

/** The request-body readers of the server, for the fuzz targets in another package. */
public final class FuzzAccess {
    private FuzzAccess() {}

    /**
     * Reads a body as txt2img, img2img and /moa/v1/generate do before queueing (sampling fields, init images,
     * subjects' photos); any refusal must be an {@link ApiException} with a 4xx status and a message.
     */
    public static void parse(byte[] data) {
        try {
            Body b = Body.parse(data);
            Sampling s = Sampling.parse(b, 64, 8, Limits.defaults());
            s.parameters(b.json());
            JsonArray inits = b.array("init_images");
            if (inits != null) {
                for (int i = 0; i < Math.min(2, inits.size()); i++) {
                    Body.image(inits.get(i), "init_images[" + i + "]", 1_000_000);
                }
            }
            JsonArray subjects = b.array("subjects");
            if (subjects != null) {
                for (int i = 0; i < Math.min(4, subjects.size()); i++) {
                    JsonElement e = subjects.get(i);
                    if (e.isJsonObject()) {
                        Body sb = Body.of(e.getAsJsonObject(), "subjects[" + i + "].");
                        sb.string("word", null);
                        Body.image(e.getAsJsonObject().get("image"), "subjects[" + i + "].image", 1_000_000);
                    }
                }
            }
            b.number("strength", 1, 0, 1);
            b.bool("with_prior", false);
            Body m = b.object("morph");
            if (m != null) {
                m.integer("frames", 8, 2, 16);
            }
        } catch (ApiException e) {
            if (e.status < 400 || e.status > 499 || e.getMessage() == null || e.getMessage().isBlank()) {
                throw new AssertionError("not a clear 4xx: " + e.status + " " + e.getMessage());
            }
        }
    }
}
