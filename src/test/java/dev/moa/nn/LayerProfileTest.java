package dev.moa.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.moa.io.Weights;
import org.junit.jupiter.api.Test;

/** FLOPs and calls recorded per layer type, from shapes. */
class LayerProfileTest {

    @Test
    void countsConvLinearAndAttentionFlopsWhileActiveOnly() {
        try (NDManager m = NDManager.newBaseManager()) {
            Weights w = Weights.random("test", m, 1);
            Conv2d conv = new Conv2d(w, "conv", 8, 16, 3, 2, 1);
            Linear lin = new Linear(w, "lin", 16, 24, true);
            Attention attn = new Attention(w, "attn", 16, 12, 2, 8, false);
            GroupNorm gn = new GroupNorm(w, "norm", 4, 8, 1e-5);
            NDArray x = m.randomNormal(new Shape(2, 8, 10, 10));
            NDArray tokens = m.randomNormal(new Shape(2, 30, 16));
            NDArray ctx = m.randomNormal(new Shape(2, 7, 12));

            conv.forward(x);   // not recorded: no active profile
            LayerProfile p = LayerProfile.start();
            NDArray y = conv.forward(gn.forward(x));
            lin.forward(tokens);
            attn.forward(tokens, ctx, null);
            p.stop();
            lin.forward(tokens);

            assertEquals(new Shape(2, 16, 5, 5), y.getShape());
            assertEquals(2L * (2 * 16 * 5 * 5) * 8 * 3 * 3, p.flops(LayerProfile.Kind.CONV));
            assertEquals(1, p.calls(LayerProfile.Kind.CONV));
            long linear = 2L * 60 * 16 * 24                  // lin
                    + 2L * 60 * 16 * 16                       // to_q
                    + 2 * (2L * 14 * 12 * 16)                 // to_k, to_v
                    + 2L * 60 * 16 * 16;                      // to_out
            assertEquals(linear, p.flops(LayerProfile.Kind.LINEAR));
            assertEquals(5, p.calls(LayerProfile.Kind.LINEAR));
            // QK^T and AV: batch 2 x 2 heads, 30 queries, 7 keys, 8 dims each
            assertEquals(2 * (2L * 4 * 30 * 7 * 8), p.flops(LayerProfile.Kind.ATTENTION));
            assertEquals(1, p.calls(LayerProfile.Kind.GROUP_NORM));
            assertEquals(p.flops(LayerProfile.Kind.CONV) + linear + p.flops(LayerProfile.Kind.ATTENTION), p.totalFlops());
            long recorded = p.recordedNanos();
            assertTrue(recorded > 0);
            assertEquals(5L, (long) p.breakdown(recorded + 5).get(LayerProfile.Kind.OTHER));
        }
    }
}
