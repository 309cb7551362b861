package dev.moa.moa;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.moa.io.Weights;
import dev.moa.nn.LayerNorm;
import dev.moa.nn.Linear;
import dev.moa.nn.Nn;
import dev.moa.nn.TimestepEmbedding;

/**
 * The multimodal prompt (spec section 3): at each subject token, the text embedding is fused with the
 * subject's image embedding, the timestep and the cross layer's learned embedding; every other position
 * keeps the plain text embedding.
 */
public final class Fuser {

    /** MLP(i, o, h) = LayerNorm(i) -> Linear(i, h) -> GELU -> Linear(h, o); keys .0, .1, .3. */
    static final class Mlp {
        final LayerNorm norm;
        final Linear fc1;
        final Linear fc2;

        Mlp(Weights w, String name, long in, long out, long hidden) {
            Weights s = w.sub(name);
            norm = new LayerNorm(s, "0", in, 1e-5);
            fc1 = new Linear(s, "1", in, hidden, true);
            fc2 = new Linear(s, "3", hidden, out, true);
        }

        NDArray forward(NDArray x) {
            return fc2.forward(Nn.gelu(fc1.forward(norm.forward(x))));
        }
    }

    final NDArray layerEmbedding;
    final Mlp mlp1;
    final Mlp mlp2;
    final LayerNorm layerNorm;
    private final int timeEmbedDim;

    Fuser(Weights w, MoaConfig c) {
        Weights f = w.sub("fuser");
        int d = c.textEmbedDim();
        layerEmbedding = f.take("layer_embedding.weight", c.crossLayers().size(), c.layerEmbedDim());
        mlp1 = new Mlp(f, "mlp1", (long) d + c.imageEmbedDim() + c.timeEmbedDim() + c.layerEmbedDim(), d, d);
        mlp2 = new Mlp(f, "mlp2", d, d, d);
        layerNorm = new LayerNorm(f, "layer_norm", d, 1e-5);
        timeEmbedDim = c.timeEmbedDim();
    }

    /**
     * T~ for one cross layer.
     *
     * @param text T (B, L, D)
     * @param positions per row, the token position of each subject (-1 = none)
     * @param imageEmbeds f (B, S, Di), may be null when no row has subjects
     * @param timesteps t (B)
     * @param layer cross-layer index l
     */
    public NDArray fuse(NDArray text, int[][] positions, NDArray imageEmbeds, float[] timesteps, int layer) {
        return fuse(text, positions, null, imageEmbeds, timesteps, layer);
    }

    /**
     * T~ with a weight per subject slot: T + w (T~ - T) at each subject token ({@code weights} null = all 1; a weight
     * of 1 gives exactly the unweighted result, 0 exactly the plain text there).
     */
    public NDArray fuse(NDArray text, int[][] positions, float[][] weights, NDArray imageEmbeds, float[] timesteps,
            int layer) {
        long b = text.getShape().get(0);
        long len = text.getShape().get(1);
        long d = text.getShape().get(2);
        int count = 0;
        for (int[] row : positions) {
            for (int p : row) {
                if (p >= 0) {
                    count++;
                }
            }
        }
        if (count == 0) {
            return text;
        }
        long slots = imageEmbeds.getShape().get(1);
        long[] tokenIdx = new long[count];
        long[] imageIdx = new long[count];
        float[] wk = new float[count];
        float[] tk = new float[count];
        int k = 0;
        for (int r = 0; r < positions.length; r++) {
            for (int s = 0; s < positions[r].length; s++) {
                int p = positions[r][s];
                if (p >= 0) {
                    if (p >= len) {
                        throw new IllegalArgumentException("subject token position " + p + " beyond " + len + " tokens");
                    }
                    tokenIdx[k] = r * len + p;
                    imageIdx[k] = r * slots + s;
                    wk[k] = weights == null ? 1f : weights[r][s];
                    tk[k] = timesteps[r];
                    k++;
                }
            }
        }
        NDManager m = text.getManager();
        NDArray flat = text.reshape(b * len, d);
        NDArray tSel = flat.get(m.create(tokenIdx));                                          // (K, D)
        NDArray fSel = Nn.own(imageEmbeds.reshape(b * slots, -1), text).get(m.create(imageIdx));  // (K, Di)
        NDArray gt = TimestepEmbedding.sinusoidal(m.create(tk), timeEmbedDim, true, 0);     // (K, Tt)
        // one-hot matmul rather than get()/repeat(): DJL's repeat has no correct backward here
        float[] pick = new float[count * (int) layerEmbedding.getShape().get(0)];
        for (int i = 0; i < count; i++) {
            pick[i * (int) layerEmbedding.getShape().get(0) + layer] = 1f;
        }
        NDArray gl = m.create(pick).reshape(count, -1).matMul(layerEmbedding);             // (K, El)
        NDArray x = NDArrays.concat(new NDList(tSel, fSel.toType(DataType.FLOAT32, false), gt, gl), 1);
        x = mlp1.forward(x).add(tSel);
        x = mlp2.forward(x).add(x);
        NDArray fused = layerNorm.forward(x);                                                 // (K, D)
        // scatter back differentiably: T~ = T + onehot(positions) @ (fused - T[positions])
        float[] onehot = new float[(int) (b * len) * count];
        for (int i = 0; i < count; i++) {
            onehot[(int) tokenIdx[i] * count + i] = wk[i];
        }
        NDArray scatter = m.create(onehot).reshape(b * len, count);
        return flat.add(scatter.matMul(fused.sub(tSel))).reshape(b, len, d);
    }
}
