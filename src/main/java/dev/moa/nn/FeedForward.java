package dev.moa.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import dev.moa.io.Weights;

/** diffusers' FeedForward with GEGLU (SD default): net.0.proj (dim -> 2*inner), gate, net.2 (inner -> dim). */
public final class FeedForward {
    private final Linear proj;
    private final Linear out;
    private final String activation;

    public FeedForward(Weights w, String name, long dim, int mult, String activation) {
        Weights s = w.sub(name);
        long inner = dim * mult;
        this.activation = activation;
        boolean gated = activation.equals("geglu");
        this.proj = new Linear(s, "net.0.proj", dim, gated ? inner * 2 : inner, true);
        this.out = new Linear(s, "net.2", inner, dim, true);
    }

    public NDArray forward(NDArray x) {
        NDArray h = proj.forward(x);
        if (activation.equals("geglu")) {
            long t0 = LayerProfile.on() ? System.nanoTime() : 0;
            NDList parts = h.split(2, h.getShape().dimension() - 1);
            h = parts.get(0).mul(Nn.gelu(parts.get(1)));
            if (t0 != 0) {
                LayerProfile.record(LayerProfile.Kind.ACTIVATION, t0, 0);
            }
        } else {
            h = Nn.activation(activation, h);
        }
        return out.forward(h);
    }
}
