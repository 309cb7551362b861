package dev.moa.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Small helpers for reading diffusers / transformers JSON configs with defaults. */
public final class Json {
    private Json() {}

    /** Reads a JSON object from a file, with an error naming the file. */
    public static JsonObject read(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "config file not found");
        }
        try {
            JsonElement e = JsonParser.parseString(Files.readString(file));
            if (!e.isJsonObject()) {
                throw new WeightsFormatException(file + ": expected a JSON object");
            }
            return e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new WeightsFormatException(file + ": invalid JSON (" + explain(e) + ")", e);
        }
    }

    /**
     * What a JSON parse error says, for a user: Gson's message without its exception class names and its
     * troubleshooting URL ("Expected value at line 1 column 12 path $.a[2]").
     */
    public static String explain(Throwable e) {
        String m = e.getMessage() == null ? "" : e.getMessage();
        int see = m.indexOf("\nSee http");
        if (see >= 0) {
            m = m.substring(0, see);
        }
        m = m.replaceAll("(?:[a-z][a-z0-9_]*\\.)+[A-Z][A-Za-z0-9_$]*(?:Exception|Error): ", "").strip();
        return m.isEmpty() ? "malformed JSON" : m;
    }

    public static boolean isSet(JsonObject o, String key) {
        return o.has(key) && !o.get(key).isJsonNull();
    }

    /** A config value of the wrong type or range: the key, what was expected and what is there. */
    private static IllegalArgumentException bad(String key, String expected, JsonElement e) {
        String got = e == null || e.isJsonNull() ? "nothing" : e.isJsonArray() ? "an array" : e.isJsonObject() ? "an object"
                : e.getAsJsonPrimitive().isBoolean() ? e.toString() : e.getAsJsonPrimitive().isNumber() ? e.toString()
                : "the string " + shorten(e.toString());
        return new IllegalArgumentException("config '" + key + "': expected " + expected + ", got " + got);
    }

    private static String shorten(String s) {
        return s.length() > 40 ? s.substring(0, 37) + "..." : s;
    }

    private static int asInt(String key, JsonElement e) {
        if (e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
            try {
                return e.getAsBigDecimal().stripTrailingZeros().intValueExact();   // 4 and 4.0, not 4.5 or 1e20
            } catch (ArithmeticException | NumberFormatException ignored) {
                // falls through to the error
            }
        }
        throw bad(key, "an integer", e);
    }

    public static int getInt(JsonObject o, String key, int def) {
        return isSet(o, key) ? asInt(key, o.get(key)) : def;
    }

    public static double getDouble(JsonObject o, String key, double def) {
        if (!isSet(o, key)) {
            return def;
        }
        JsonElement e = o.get(key);
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
            double v = e.getAsDouble();
            if (Double.isFinite(v)) {
                return v;
            }
        }
        throw bad(key, "a finite number", e);
    }

    public static boolean getBool(JsonObject o, String key, boolean def) {
        if (!isSet(o, key)) {
            return def;
        }
        JsonElement e = o.get(key);
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean()) {
            return e.getAsBoolean();
        }
        throw bad(key, "true or false", e);
    }

    public static String getString(JsonObject o, String key, String def) {
        if (!isSet(o, key)) {
            return def;
        }
        JsonElement e = o.get(key);
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            return e.getAsString();
        }
        throw bad(key, "a string", e);
    }

    /** An int list, where a single int means that value repeated {@code n} times (diffusers allows both). */
    public static int[] getInts(JsonObject o, String key, int n, int def) {
        int[] out = new int[n];
        if (!isSet(o, key)) {
            java.util.Arrays.fill(out, def);
            return out;
        }
        JsonElement e = o.get(key);
        if (e.isJsonArray()) {
            JsonArray a = e.getAsJsonArray();
            if (a.size() != n) {
                throw new IllegalArgumentException("config '" + key + "' has " + a.size() + " entries, expected " + n);
            }
            for (int i = 0; i < n; i++) {
                out[i] = asInt(key + "[" + i + "]", a.get(i));
            }
        } else {
            java.util.Arrays.fill(out, asInt(key, e));
        }
        return out;
    }

    private static JsonArray requiredArray(JsonObject o, String key) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            throw new IllegalArgumentException("config has no '" + key + "' (is this the right config file?)");
        }
        if (!e.isJsonArray()) {
            throw bad(key, "an array", e);
        }
        return e.getAsJsonArray();
    }

    public static int[] getIntArray(JsonObject o, String key) {
        JsonArray a = requiredArray(o, key);
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = asInt(key + "[" + i + "]", a.get(i));
        }
        return out;
    }

    public static String[] getStrings(JsonObject o, String key) {
        JsonArray a = requiredArray(o, key);
        String[] out = new String[a.size()];
        for (int i = 0; i < out.length; i++) {
            JsonElement e = a.get(i);
            if (!(e.isJsonPrimitive() && e.getAsJsonPrimitive().isString())) {
                throw bad(key + "[" + i + "]", "a string", e);
            }
            out[i] = e.getAsString();
        }
        return out;
    }
}
