package dev.moa.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Tensors split over several safetensors files, as described by a {@code *.safetensors.index.json}. */
public final class ShardedSafetensors implements TensorSource {

    private final Path index;
    private final Map<String, SafetensorsFile> byKey;
    private final Map<String, SafetensorsFile> shards;

    private ShardedSafetensors(Path index, Map<String, SafetensorsFile> byKey, Map<String, SafetensorsFile> shards) {
        this.index = index;
        this.byKey = byKey;
        this.shards = shards;
    }

    public static ShardedSafetensors open(Path indexJson) throws IOException {
        JsonObject root;
        try {
            root = JsonParser.parseString(Files.readString(indexJson)).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new WeightsFormatException(indexJson + ": not a valid safetensors index (" + Json.explain(e) + ")", e);
        }
        if (!root.has("weight_map") || !root.get("weight_map").isJsonObject()) {
            throw new WeightsFormatException(indexJson + ": no \"weight_map\" object");
        }
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        Map<String, SafetensorsFile> byKey = new LinkedHashMap<>();
        Path dir = indexJson.toAbsolutePath().getParent();
        try {
            for (Map.Entry<String, JsonElement> e : root.getAsJsonObject("weight_map").entrySet()) {
                String file = e.getValue().getAsString();
                SafetensorsFile f = shards.get(file);
                if (f == null) {
                    f = SafetensorsFile.open(dir.resolve(file));
                    shards.put(file, f);
                }
                if (f.info(e.getKey()) == null) {
                    throw new WeightsFormatException(indexJson + ": '" + e.getKey() + "' is mapped to " + file
                            + ", which does not contain it");
                }
                byKey.put(e.getKey(), f);
            }
        } catch (IOException | RuntimeException e) {
            for (SafetensorsFile f : shards.values()) {
                f.close();
            }
            throw e;
        }
        return new ShardedSafetensors(indexJson, Collections.unmodifiableMap(byKey), shards);
    }

    @Override
    public Set<String> keys() {
        return byKey.keySet();
    }

    @Override
    public TensorInfo info(String key) {
        SafetensorsFile f = byKey.get(key);
        return f == null ? null : f.info(key);
    }

    @Override
    public Path pathOf(String key) {
        SafetensorsFile f = byKey.get(key);
        return f == null ? index : f.path();
    }

    @Override
    public NDArray load(String key, NDManager manager, boolean upcast) throws IOException {
        SafetensorsFile f = byKey.get(key);
        if (f == null) {
            throw new WeightsFormatException(index + ": no tensor named '" + key + "'");
        }
        return f.load(key, manager, upcast);
    }

    @Override
    public void close() throws IOException {
        for (SafetensorsFile f : shards.values()) {
            f.close();
        }
    }
}
