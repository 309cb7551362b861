package dev.moa.moa;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.moa.io.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code moa_config.json} (spec section 5): dimensions, the MoA and cross layers in forward order, the
 * object-loss stages and loss weights, plus where the base model and image encoder came from.
 */
public final class MoaConfig {
    public int routerHiddenDim = 128;
    public int timeEmbedDim = 128;
    public int layerEmbedDim = 64;
    public int textEmbedDim;
    public int imageEmbedDim;
    public List<String> moaLayers = new ArrayList<>();
    public List<String> crossLayers = new ArrayList<>();
    public List<String> objectLossStages = new ArrayList<>();
    public double lambdaRouter = 1.0;
    public double lambdaObject = 0.001;
    /** Informational: the base model and image encoder this checkpoint was made for (may be null). */
    public String baseModel;
    public String imageEncoder;

    public static MoaConfig read(Path file) throws IOException {
        JsonObject o = Json.read(file);
        MoaConfig c = new MoaConfig();
        c.routerHiddenDim = Json.getInt(o, "router_hidden_dim", c.routerHiddenDim);
        c.timeEmbedDim = Json.getInt(o, "time_embed_dim", c.timeEmbedDim);
        c.layerEmbedDim = Json.getInt(o, "layer_embed_dim", c.layerEmbedDim);
        c.textEmbedDim = Json.getInt(o, "text_embed_dim", 768);
        c.imageEmbedDim = Json.getInt(o, "image_embed_dim", 768);
        c.moaLayers = strings(o, "moa_layers", file);
        c.crossLayers = strings(o, "cross_layers", file);
        c.objectLossStages = o.has("object_loss_stages") ? strings(o, "object_loss_stages", file) : new ArrayList<>();
        c.lambdaRouter = Json.getDouble(o, "lambda_router", c.lambdaRouter);
        c.lambdaObject = Json.getDouble(o, "lambda_object", c.lambdaObject);
        c.baseModel = Json.getString(o, "base_model", null);
        c.imageEncoder = Json.getString(o, "image_encoder", null);
        for (String l : c.crossLayers) {
            if (!c.moaLayers.contains(l)) {
                throw new IOException(file + ": cross layer '" + l + "' is not among moa_layers");
            }
        }
        return c;
    }

    private static List<String> strings(JsonObject o, String key, Path file) throws IOException {
        if (!o.has(key) || !o.get(key).isJsonArray()) {
            throw new IOException(file + ": missing list '" + key + "'");
        }
        List<String> out = new ArrayList<>();
        for (var e : o.getAsJsonArray(key)) {
            out.add(e.getAsString());
        }
        return out;
    }

    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("router_hidden_dim", routerHiddenDim);
        o.addProperty("time_embed_dim", timeEmbedDim);
        o.addProperty("layer_embed_dim", layerEmbedDim);
        o.addProperty("text_embed_dim", textEmbedDim);
        o.addProperty("image_embed_dim", imageEmbedDim);
        o.add("moa_layers", array(moaLayers));
        o.add("cross_layers", array(crossLayers));
        o.add("object_loss_stages", array(objectLossStages));
        o.addProperty("lambda_router", lambdaRouter);
        o.addProperty("lambda_object", lambdaObject);
        if (baseModel != null) {
            o.addProperty("base_model", baseModel);
        }
        if (imageEncoder != null) {
            o.addProperty("image_encoder", imageEncoder);
        }
        return o;
    }

    public String toJsonString() {
        Gson g = new GsonBuilder().setPrettyPrinting().create();
        return g.toJson(toJson()) + "\n";
    }

    private static JsonArray array(List<String> l) {
        JsonArray a = new JsonArray();
        l.forEach(a::add);
        return a;
    }

    /** Index of a cross layer in {@link #crossLayers}, or -1 for self-attention layers. */
    public int crossIndex(String layer) {
        return crossLayers.indexOf(layer);
    }
}
