package dev.moa.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.moa.io.ComponentFiles;
import dev.moa.io.Json;
import dev.moa.io.TensorSource;
import dev.moa.io.Weights;
import dev.moa.nn.Conv2d;
import dev.moa.nn.LayerNorm;
import dev.moa.nn.Linear;
import dev.moa.nn.Nn;
import java.io.IOException;
import java.nio.file.Path;

/**
 * CLIP's vision tower with its projection (transformers CLIPVisionModelWithProjection): patch embedding,
 * class token, pre-layernorm, transformer, post-layernorm on the class token, visual projection. Loads an
 * {@code image_encoder} folder or the vision half of a full CLIPModel checkpoint (e.g. openai/clip-vit-large-patch14).
 */
public final class ClipVisionModel {

    /** image_embeds (B, P), last hidden state (B, 1+N, D) and penultimate hidden state. */
    public record Output(NDArray imageEmbeds, NDArray lastHiddenState, NDArray penultimateHiddenState) {}

    private final ClipConfig config;
    private final NDArray classEmbedding;
    private final Conv2d patchEmbedding;
    private final NDArray positionEmbedding;
    private final LayerNorm preLayerNorm;
    private final ClipEncoder encoder;
    private final LayerNorm postLayerNorm;
    private final Linear visualProjection;

    public ClipVisionModel(ClipConfig c, Weights w) {
        this.config = c;
        Weights v = w.sub("vision_model");
        Weights e = v.sub("embeddings");
        int patches = (c.imageSize() / c.patchSize()) * (c.imageSize() / c.patchSize());
        classEmbedding = e.take("class_embedding", c.hiddenSize());
        patchEmbedding = new Conv2d(e, "patch_embedding", 3, c.hiddenSize(), c.patchSize(), c.patchSize(), 0, false);
        positionEmbedding = e.take("position_embedding.weight", patches + 1, c.hiddenSize());
        preLayerNorm = new LayerNorm(v, "pre_layrnorm", c.hiddenSize(), c.layerNormEps());
        encoder = new ClipEncoder(v.sub("encoder"), c);
        postLayerNorm = new LayerNorm(v, "post_layernorm", c.hiddenSize(), c.layerNormEps());
        visualProjection = new Linear(w, "visual_projection", c.hiddenSize(), c.projectionDim(), false);
    }

    public static ClipVisionModel load(Path dir, NDManager manager) throws IOException {
        ClipConfig cfg = ClipConfig.from(Json.read(dir.resolve("config.json")), "vision_config");
        try (TensorSource src = ComponentFiles.openWeights(dir)) {
            Weights w = Weights.of("image_encoder (" + dir + ")", src, ClipVisionModel::modelKey, manager);
            ClipVisionModel m = new ClipVisionModel(cfg, w);
            w.check();
            return m;
        }
    }

    /** Keeps the vision tower's keys; drops the text half of a full CLIPModel and buffers. */
    public static String modelKey(String k) {
        if (k.startsWith("text_model.") || k.startsWith("text_projection") || k.equals("logit_scale")
                || k.endsWith("position_ids")) {
            return null;
        }
        return k;
    }

    public ClipConfig config() {
        return config;
    }

    /** Expected input size (pixels per side). */
    public int imageSize() {
        return config.imageSize();
    }

    /** @param pixelValues (B, 3, S, S), CLIP-normalized */
    public Output forward(NDArray pixelValues) {
        long s = pixelValues.getShape().get(2);
        if (s != config.imageSize() || pixelValues.getShape().get(3) != config.imageSize()) {
            throw new IllegalArgumentException("image encoder expects " + config.imageSize() + "x" + config.imageSize()
                    + " pixels, got " + pixelValues.getShape());
        }
        long b = pixelValues.getShape().get(0);
        long d = config.hiddenSize();
        NDArray patches = patchEmbedding.forward(pixelValues);            // (B, D, g, g)
        patches = patches.reshape(b, d, -1).transpose(0, 2, 1);            // (B, N, D)
        NDArray cls = Nn.own(classEmbedding.reshape(1, 1, d), patches).broadcast(b, 1, d);
        NDArray x = NDArrays.concat(new NDList(cls, patches), 1);
        x = x.add(Nn.own(positionEmbedding.expandDims(0), x));
        x = preLayerNorm.forward(x);
        int n = encoder.numLayers();
        NDArray penultimate = encoder.forward(x, n - 1, false);
        NDArray last = encoder.forwardFrom(penultimate, n - 1, n, false);
        NDArray pooled = postLayerNorm.forward(last.get(":, 0, :"));
        return new Output(visualProjection.forward(pooled), last, penultimate);
    }

    /** Just the projected embeddings (B, P). */
    public NDArray imageEmbeds(NDArray pixelValues) {
        return forward(pixelValues).imageEmbeds();
    }
}
