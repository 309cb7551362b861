package dev.moa.server;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import dev.moa.image.Images;
import dev.moa.image.RgbImage;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;

/**
 * A JSON request body read strictly (no NaN, no comments, no trailing garbage), with typed getters that answer a
 * 422 naming the field for a wrong type or range. Unknown fields are ignored, as A1111 (pydantic) does; the
 * fields read are recorded, so the response's {@code parameters} can echo what was used.
 */
final class Body {
    private final JsonObject json;
    private final String prefix;
    final Set<String> read = new HashSet<>();

    private Body(JsonObject json, String prefix) {
        this.json = json;
        this.prefix = prefix;
    }

    /** Parses a request body; an empty body is an empty object. */
    static Body parse(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        if (text.isBlank()) {
            return new Body(new JsonObject(), "");
        }
        JsonElement e;
        try {
            JsonReader r = new JsonReader(new StringReader(text));
            r.setStrictness(Strictness.STRICT);
            e = JsonParser.parseReader(r);
            if (r.peek() != com.google.gson.stream.JsonToken.END_DOCUMENT) {
                throw new JsonParseException("text after the JSON value");
            }
        } catch (JsonParseException | IOException | IllegalStateException | StackOverflowError ex) {
            throw ApiException.invalid(null, "the body is not valid JSON (" + clean(ex.getMessage()) + ")");
        }
        if (!e.isJsonObject()) {
            throw ApiException.invalid(null, "the body must be a JSON object");
        }
        return new Body(e.getAsJsonObject(), "");
    }

    static Body of(JsonObject o, String prefix) {
        return new Body(o, prefix);
    }

    private static String clean(String m) {
        if (m == null) {
            return "malformed";
        }
        int see = m.indexOf("\nSee ");
        m = see >= 0 ? m.substring(0, see) : m;
        m = m.replaceFirst("^[a-zA-Z.]+Exception: ", "");
        return m.length() > 160 ? m.substring(0, 160) + "..." : m;
    }

    JsonObject json() {
        return json;
    }

    String name(String field) {
        return prefix + field;
    }

    boolean has(String field) {
        JsonElement e = json.get(field);
        return e != null && !e.isJsonNull();
    }

    private JsonElement get(String field) {
        read.add(field);
        JsonElement e = json.get(field);
        return e == null || e.isJsonNull() ? null : e;
    }

    private JsonPrimitive primitive(String field, String expected) {
        JsonElement e = get(field);
        if (e == null) {
            return null;
        }
        if (!e.isJsonPrimitive()) {
            throw ApiException.invalid(name(field), "expected " + expected + ", got " + kind(e));
        }
        return e.getAsJsonPrimitive();
    }

    private static String kind(JsonElement e) {
        if (e.isJsonArray()) {
            return "an array";
        }
        if (e.isJsonObject()) {
            return "an object";
        }
        JsonPrimitive p = e.getAsJsonPrimitive();
        return p.isBoolean() ? "a boolean" : p.isNumber() ? "a number" : "a string";
    }

    String string(String field, String dflt) {
        JsonPrimitive p = primitive(field, "a string");
        if (p == null) {
            return dflt;
        }
        if (!p.isString()) {
            throw ApiException.invalid(name(field), "expected a string, got " + kind(p));
        }
        return p.getAsString();
    }

    boolean bool(String field, boolean dflt) {
        JsonPrimitive p = primitive(field, "true or false");
        if (p == null) {
            return dflt;
        }
        if (!p.isBoolean()) {
            throw ApiException.invalid(name(field), "expected true or false, got " + kind(p));
        }
        return p.getAsBoolean();
    }

    long integer(String field, long dflt, long min, long max) {
        JsonPrimitive p = primitive(field, "an integer");
        if (p == null) {
            return dflt;
        }
        if (!p.isNumber()) {
            throw ApiException.invalid(name(field), "expected an integer, got " + kind(p));
        }
        BigDecimal v;
        try {
            v = new BigDecimal(p.getAsString());
        } catch (NumberFormatException ex) {
            throw ApiException.invalid(name(field), "expected an integer, got " + p.getAsString());
        }
        if (v.stripTrailingZeros().scale() > 0) {
            throw ApiException.invalid(name(field), "expected an integer, got " + p.getAsString());
        }
        if (v.compareTo(BigDecimal.valueOf(min)) < 0 || v.compareTo(BigDecimal.valueOf(max)) > 0) {
            throw ApiException.invalid(name(field), "must be between " + min + " and " + max + ", got "
                    + shortNumber(p.getAsString()));
        }
        return v.longValueExact();
    }

    double number(String field, double dflt, double min, double max) {
        JsonPrimitive p = primitive(field, "a number");
        if (p == null) {
            return dflt;
        }
        if (!p.isNumber()) {
            throw ApiException.invalid(name(field), "expected a number, got " + kind(p));
        }
        double v;
        try {
            v = new BigDecimal(p.getAsString()).doubleValue();
        } catch (NumberFormatException ex) {
            throw ApiException.invalid(name(field), "expected a number, got " + shortNumber(p.getAsString()));
        }
        if (!(v >= min && v <= max)) {
            throw ApiException.invalid(name(field), "must be between " + trim(min) + " and " + trim(max) + ", got "
                    + shortNumber(p.getAsString()));
        }
        return v;
    }

    private static String shortNumber(String s) {
        return s.length() > 30 ? s.substring(0, 27) + "..." : s;
    }

    static String trim(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    JsonArray array(String field) {
        JsonElement e = get(field);
        if (e == null) {
            return null;
        }
        if (!e.isJsonArray()) {
            throw ApiException.invalid(name(field), "expected an array, got " + kind(e));
        }
        return e.getAsJsonArray();
    }

    Body object(String field) {
        JsonElement e = get(field);
        if (e == null) {
            return null;
        }
        if (!e.isJsonObject()) {
            throw ApiException.invalid(name(field), "expected an object, got " + kind(e));
        }
        return new Body(e.getAsJsonObject(), name(field) + ".");
    }

    /** Refuses a feature the request switched on that this server does not have. */
    void unsupported(String field, String why) {
        JsonElement e = get(field);
        if (e == null) {
            return;
        }
        boolean on = e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean() ? e.getAsBoolean()
                : !(e.isJsonPrimitive() && e.getAsJsonPrimitive().isString() && e.getAsString().isEmpty());
        if (on) {
            throw ApiException.invalid(name(field), "not supported: " + why);
        }
    }

    /**
     * A picture sent as base64 (a {@code data:image/...;base64,} prefix is allowed), decoded in memory and
     * checked against the pixel limit from its header before decoding.
     */
    static Decoded image(JsonElement e, String field, long maxPixels) {
        if (e == null || e.isJsonNull()) {
            throw ApiException.invalid(field, "a base64 image is required");
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw ApiException.invalid(field, "expected a base64 string, got " + kind(e));
        }
        String s = e.getAsString();
        int comma = s.startsWith("data:") ? s.indexOf(',') : -1;
        if (comma >= 0) {
            s = s.substring(comma + 1);
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(s.replaceAll("[\\s]", ""));   // line breaks allowed, nothing else
        } catch (IllegalArgumentException ex) {
            throw ApiException.invalid(field, "not valid base64 (" + ex.getMessage() + ")");
        }
        if (bytes.length == 0) {
            throw ApiException.invalid(field, "the image is empty");
        }
        try {
            return new Decoded(Images.decode(bytes, "in " + field, maxPixels), bytes);
        } catch (IOException ex) {
            String m = ex.getMessage().replace("cannot read image in " + field + ": ", "");
            throw ApiException.invalid(field, m.contains("is over the limit") ? m + " (server limit: --max-image-mp)" : m);
        } catch (RuntimeException | OutOfMemoryError ex) {
            throw ApiException.invalid(field, "the image could not be decoded");
        }
    }

    /** A decoded upload and its bytes (for the short hash that stands for it in logs and metadata). */
    record Decoded(RgbImage image, byte[] bytes) {}
}
