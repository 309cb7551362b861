package dev.moa.moa;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code moa_config.json} (spec section 5): dimensions, the MoA and cross layers in forward order, the
 * object-loss stages and loss weights, plus where the base model and image encoder came from (informational,
 * may be null). Read and written by Gson with the file's snake_case names; absent values take the spec's defaults.
 */
public record MoaConfig(int routerHiddenDim, int timeEmbedDim, int layerEmbedDim, int textEmbedDim, int imageEmbedDim,
        List<String> moaLayers, List<String> crossLayers, List<String> objectLossStages, Double lambdaRouter,
        Double lambdaObject, String baseModel, String imageEncoder) {

    private static final Gson GSON = new GsonBuilder().setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES)
            .setPrettyPrinting().create();

    public MoaConfig {
        routerHiddenDim = routerHiddenDim > 0 ? routerHiddenDim : 128;
        timeEmbedDim = timeEmbedDim > 0 ? timeEmbedDim : 128;
        layerEmbedDim = layerEmbedDim > 0 ? layerEmbedDim : 64;
        textEmbedDim = textEmbedDim > 0 ? textEmbedDim : 768;
        imageEmbedDim = imageEmbedDim > 0 ? imageEmbedDim : 768;
        if (moaLayers == null || crossLayers == null) {
            throw new IllegalArgumentException("missing list '" + (moaLayers == null ? "moa_layers" : "cross_layers") + "'");
        }
        moaLayers = List.copyOf(moaLayers);
        crossLayers = List.copyOf(crossLayers);
        objectLossStages = objectLossStages == null ? List.of() : List.copyOf(objectLossStages);
        lambdaRouter = lambdaRouter != null ? lambdaRouter : 1.0;
        lambdaObject = lambdaObject != null ? lambdaObject : 0.001;
        for (String l : crossLayers) {
            if (!moaLayers.contains(l)) {
                throw new IllegalArgumentException("cross layer '" + l + "' is not among moa_layers");
            }
        }
    }

    /** Reads a config file; errors name it. */
    public static MoaConfig read(Path file) throws IOException {
        MoaConfig c;
        try {
            c = GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), MoaConfig.class);
        } catch (JsonParseException | IllegalArgumentException e) {
            throw new IOException(file + ": " + (e instanceof JsonParseException ? "not a valid MoA config" : e.getMessage()));
        }
        if (c == null) {
            throw new IOException(file + ": empty MoA config");
        }
        return c;
    }

    /** The same config recording the base model and image encoder it is made for. */
    public MoaConfig withSources(String base, String encoder) {
        return new MoaConfig(routerHiddenDim, timeEmbedDim, layerEmbedDim, textEmbedDim, imageEmbedDim, moaLayers,
                crossLayers, objectLossStages, lambdaRouter, lambdaObject, base, encoder);
    }

    /** The same config with other loss weights (e.g. lambda_router 0: the paper's ablation without the router loss). */
    public MoaConfig withLossWeights(double router, double object) {
        return new MoaConfig(routerHiddenDim, timeEmbedDim, layerEmbedDim, textEmbedDim, imageEmbedDim, moaLayers,
                crossLayers, objectLossStages, router, object, baseModel, imageEncoder);
    }

    /** The file's text (snake_case keys, base model and image encoder only when known). */
    public String toJsonString() {
        return GSON.toJson(this) + "\n";
    }

    /** Index of a cross layer in {@link #crossLayers}, or -1 for self-attention layers. */
    public int crossIndex(String layer) {
        return crossLayers.indexOf(layer);
    }
}
