package dev.moa.models;

import ai.djl.ndarray.NDArray;
import dev.moa.io.Weights;
import dev.moa.nn.LayerNorm;
import dev.moa.nn.Linear;
import dev.moa.nn.Nn;
import dev.moa.tensor.Ops;
import java.util.ArrayList;
import java.util.List;

/** The transformer stack shared by CLIP's text and vision towers ({@code encoder.layers.N}). */
final class ClipEncoder {

    private static final class Layer {
        final LayerNorm ln1;
        final LayerNorm ln2;
        final Linear q;
        final Linear k;
        final Linear v;
        final Linear out;
        final Linear fc1;
        final Linear fc2;

        Layer(Weights w, ClipConfig c) {
            ln1 = new LayerNorm(w, "layer_norm1", c.hiddenSize(), c.layerNormEps());
            ln2 = new LayerNorm(w, "layer_norm2", c.hiddenSize(), c.layerNormEps());
            Weights a = w.sub("self_attn");
            q = new Linear(a, "q_proj", c.hiddenSize(), c.hiddenSize(), true);
            k = new Linear(a, "k_proj", c.hiddenSize(), c.hiddenSize(), true);
            v = new Linear(a, "v_proj", c.hiddenSize(), c.hiddenSize(), true);
            out = new Linear(a, "out_proj", c.hiddenSize(), c.hiddenSize(), true);
            fc1 = new Linear(w, "mlp.fc1", c.hiddenSize(), c.intermediateSize(), true);
            fc2 = new Linear(w, "mlp.fc2", c.intermediateSize(), c.hiddenSize(), true);
        }
    }

    private final ClipConfig config;
    private final List<Layer> layers = new ArrayList<>();

    ClipEncoder(Weights w, ClipConfig c) {
        this.config = c;
        for (int i = 0; i < c.layers(); i++) {
            layers.add(new Layer(w.sub("layers", i), c));
        }
    }

    int numLayers() {
        return layers.size();
    }

    /** Runs the first {@code n} layers on (B, N, D). */
    NDArray forward(NDArray x, int n, boolean causal) {
        return forwardFrom(x, 0, n, causal);
    }

    /** Runs layers {@code from} (inclusive) to {@code to} (exclusive). */
    NDArray forwardFrom(NDArray x, int from, int to, boolean causal) {
        int heads = config.heads();
        long dh = config.hiddenSize() / heads;
        double scale = 1.0 / Math.sqrt(dh);
        for (int i = from; i < to; i++) {
            Layer l = layers.get(i);
            NDArray h = l.ln1.forward(x);
            NDArray q = split(l.q.forward(h), heads);
            NDArray k = split(l.k.forward(h), heads);
            NDArray v = split(l.v.forward(h), heads);
            NDArray a = merge(Ops.get().attention(q, k, v, scale, causal));
            x = x.add(l.out.forward(a));
            h = l.ln2.forward(x);
            x = x.add(l.fc2.forward(Nn.activation(config.activation(), l.fc1.forward(h))));
        }
        return x;
    }

    private static NDArray split(NDArray t, int heads) {
        long b = t.getShape().get(0);
        long n = t.getShape().get(1);
        return t.reshape(b, n, heads, -1).transpose(0, 2, 1, 3);
    }

    private static NDArray merge(NDArray t) {
        long b = t.getShape().get(0);
        long n = t.getShape().get(2);
        return t.transpose(0, 2, 1, 3).reshape(b, n, -1);
    }
}
