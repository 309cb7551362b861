package dev.moa.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.moa.io.Weights;

/** Sinusoidal timestep features (diffusers' get_timestep_embedding) and the MLP that embeds them. */
public final class TimestepEmbedding {
    private final Linear linear1;
    private final Linear linear2;

    public TimestepEmbedding(Weights w, String name, long in, long dim) {
        Weights s = w.sub(name);
        linear1 = new Linear(s, "linear_1", in, dim, true);
        linear2 = new Linear(s, "linear_2", dim, dim, true);
    }

    public NDArray forward(NDArray x) {
        return linear2.forward(Nn.silu(linear1.forward(x)));
    }

    /**
     * get_timestep_embedding: exponent_i = -ln(maxPeriod) * i / (half - shift), args = t * exp(exponent),
     * [sin | cos] or, with {@code flipSinToCos}, [cos | sin]. Returns (B, dim) float32.
     *
     * @param t timesteps (B), any numeric type
     */
    public static NDArray sinusoidal(NDArray t, int dim, boolean flipSinToCos, double shift) {
        NDManager m = t.getManager();
        int half = dim / 2;
        float[] freqs = new float[half];
        for (int i = 0; i < half; i++) {
            // computed in float32 like torch: exp(float(-ln(10000)) * i / (half - shift))
            float exponent = (float) (-Math.log(10000.0)) * i / (float) (half - shift);
            freqs[i] = (float) Math.exp(exponent);
        }
        NDArray args = t.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).reshape(-1, 1)
                .mul(m.create(freqs).reshape(1, half));
        NDArray sin = args.sin();
        NDArray cos = args.cos();
        NDArray emb = flipSinToCos ? NDArrays.concat(new NDList(cos, sin), 1) : NDArrays.concat(new NDList(sin, cos), 1);
        if (dim % 2 == 1) {
            emb = emb.pad(new ai.djl.ndarray.types.Shape(0, 1), 0);
        }
        return emb;
    }
}
