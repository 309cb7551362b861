package dev.moa.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.moa.io.ComponentFiles;
import dev.moa.io.Json;
import dev.moa.io.TensorSource;
import dev.moa.io.Weights;
import dev.moa.nn.LayerNorm;
import dev.moa.nn.Nn;
import java.io.IOException;
import java.nio.file.Path;

/**
 * CLIP's text tower (transformers CLIPTextModel): token + position embeddings, causal transformer, final
 * layer norm. Keys load with or without the {@code text_model.} prefix (both exist in published files).
 */
public final class ClipTextModel {

    /** The encoder's outputs: (B, L, D) hidden states and the (B, D) pooled end-token states. */
    public record Output(NDArray lastHiddenState, NDArray penultimateHiddenState, NDArray pooled) {}

    private final ClipConfig config;
    private final NDArray tokenEmbedding;
    private final NDArray positionEmbedding;
    private final ClipEncoder encoder;
    private final LayerNorm finalLayerNorm;

    public ClipTextModel(ClipConfig config, Weights w) {
        this.config = config;
        Weights e = w.sub("embeddings");
        tokenEmbedding = e.take("token_embedding.weight", config.vocabSize(), config.hiddenSize());
        positionEmbedding = e.take("position_embedding.weight", config.maxPositions(), config.hiddenSize());
        encoder = new ClipEncoder(w.sub("encoder"), config);
        finalLayerNorm = new LayerNorm(w, "final_layer_norm", config.hiddenSize(), config.layerNormEps());
    }

    /** Loads {@code config.json} and the weights of a text_encoder folder. */
    public static ClipTextModel load(Path dir, NDManager manager) throws IOException {
        ClipConfig cfg = ClipConfig.from(Json.read(dir.resolve("config.json")), "text_config");
        try (TensorSource src = ComponentFiles.openWeights(dir)) {
            Weights w = Weights.of("text_encoder (" + dir + ")", src, ClipTextModel::modelKey, manager);
            ClipTextModel m = new ClipTextModel(cfg, w);
            w.check();
            return m;
        }
    }

    /** Maps a published key to this model's key; null drops it (buffers, the other tower of a full CLIPModel). */
    public static String modelKey(String k) {
        if (k.endsWith("position_ids") || k.startsWith("vision_model.") || k.startsWith("visual_projection")
                || k.startsWith("text_projection") || k.equals("logit_scale")) {
            return null;
        }
        return k.startsWith("text_model.") ? k.substring("text_model.".length()) : k;
    }

    public ClipConfig config() {
        return config;
    }

    /** Input embeddings (B, L, D) for token ids (B, L): what the transformer sees. */
    public NDArray embed(NDArray inputIds) {
        NDArray ids = inputIds.toType(DataType.INT64, false);
        long len = ids.getShape().get(1);
        NDArray tok = Nn.own(tokenEmbedding.get(ids), ids);
        NDArray pos = Nn.own(positionEmbedding.get("0:" + len), ids);
        return tok.add(pos);
    }

    /** Full forward: last hidden state (after the final layer norm), penultimate layer output and pooled. */
    public Output forward(NDArray inputIds) {
        NDArray x = embed(inputIds);
        int n = encoder.numLayers();
        NDArray penultimate = encoder.forward(x, n - 1, true);
        NDArray last = finalLayerNorm.forward(encoder.forwardFrom(penultimate, n - 1, n, true));
        return new Output(last, penultimate, pool(last, inputIds));
    }

    /**
     * Prompt embeddings as diffusers' encode_prompt computes them: {@code clipSkip} = 0 gives the last
     * hidden state; k > 0 takes the output of layer n-k (hidden_states[-(k+1)]) and applies the final layer
     * norm. A1111's "Clip skip 2" is clipSkip 1 here.
     */
    public NDArray encode(NDArray inputIds, int clipSkip) {
        int n = encoder.numLayers();
        if (clipSkip < 0 || clipSkip >= n) {
            throw new IllegalArgumentException("clip skip " + (clipSkip + 1) + " is out of range: this text encoder has " + n
                    + " layers, so 1.." + n + " (A1111's numbering: 1 = the last layer, 2 = the penultimate)");
        }
        NDArray h = encoder.forward(embed(inputIds), n - clipSkip, true);
        return finalLayerNorm.forward(h);
    }

    /** The end-token state of each row: first occurrence of eos_token_id (or argmax id for legacy configs). */
    NDArray pool(NDArray hidden, NDArray inputIds) {
        long[] ids = inputIds.toType(DataType.INT64, false).toLongArray();
        long b = hidden.getShape().get(0);
        long len = hidden.getShape().get(1);
        long[] index = new long[(int) b];
        for (int r = 0; r < b; r++) {
            long pos = -1;
            if (config.eosTokenId() == 2) {
                long best = Long.MIN_VALUE;
                for (int j = 0; j < len; j++) {
                    if (ids[(int) (r * len + j)] > best) {
                        best = ids[(int) (r * len + j)];
                        pos = j;
                    }
                }
            } else {
                for (int j = 0; j < len && pos < 0; j++) {
                    if (ids[(int) (r * len + j)] == config.eosTokenId()) {
                        pos = j;
                    }
                }
                if (pos < 0) {
                    pos = len - 1;
                }
            }
            index[r] = r * len + pos;
        }
        NDArray flat = hidden.reshape(b * len, -1);
        return flat.get(hidden.getManager().create(index));
    }
}
