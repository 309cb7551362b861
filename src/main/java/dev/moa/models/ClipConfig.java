package dev.moa.models;

import com.google.gson.JsonObject;
import dev.moa.io.Json;

/** The fields of a transformers CLIPTextConfig / CLIPVisionConfig this implementation uses. */
public record ClipConfig(int hiddenSize, int intermediateSize, int heads, int layers, String activation,
        double layerNormEps, int vocabSize, int maxPositions, int eosTokenId, int imageSize, int patchSize,
        int projectionDim) {

    /** Reads a text or vision config; a full CLIPModel config is unwrapped via {@code sub} ("text_config"/"vision_config"). */
    public static ClipConfig from(JsonObject o, String sub) {
        if (o.has(sub) && o.get(sub).isJsonObject()) {
            JsonObject inner = o.getAsJsonObject(sub);
            if (!inner.has("projection_dim") && o.has("projection_dim")) {
                inner.add("projection_dim", o.get("projection_dim"));
            }
            o = inner;
        }
        boolean vision = sub.startsWith("vision");
        return new ClipConfig(
                Json.getInt(o, "hidden_size", vision ? 768 : 512),
                Json.getInt(o, "intermediate_size", vision ? 3072 : 2048),
                Json.getInt(o, "num_attention_heads", vision ? 12 : 8),
                Json.getInt(o, "num_hidden_layers", 12),
                Json.getString(o, "hidden_act", "quick_gelu"),
                Json.getDouble(o, "layer_norm_eps", 1e-5),
                Json.getInt(o, "vocab_size", 49408),
                Json.getInt(o, "max_position_embeddings", 77),
                Json.getInt(o, "eos_token_id", 49407),
                Json.getInt(o, "image_size", 224),
                Json.getInt(o, "patch_size", 32),
                Json.getInt(o, "projection_dim", 512));
    }
}
