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

    public static int getInt(JsonObject o, String key, int def) {
        return isSet(o, key) ? o.get(key).getAsInt() : def;
    }

    public static double getDouble(JsonObject o, String key, double def) {
        return isSet(o, key) ? o.get(key).getAsDouble() : def;
    }

    public static boolean getBool(JsonObject o, String key, boolean def) {
        return isSet(o, key) ? o.get(key).getAsBoolean() : def;
    }

    public static String getString(JsonObject o, String key, String def) {
        return isSet(o, key) ? o.get(key).getAsString() : def;
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
                out[i] = a.get(i).getAsInt();
            }
        } else {
            java.util.Arrays.fill(out, e.getAsInt());
        }
        return out;
    }

    public static int[] getIntArray(JsonObject o, String key) {
        JsonArray a = o.getAsJsonArray(key);
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsInt();
        }
        return out;
    }

    public static String[] getStrings(JsonObject o, String key) {
        JsonArray a = o.getAsJsonArray(key);
        String[] out = new String[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsString();
        }
        return out;
    }
}
