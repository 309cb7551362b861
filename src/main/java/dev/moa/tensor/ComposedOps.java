package dev.moa.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.norm.LayerNorm;

/**
 * The fallback {@link Ops}: everything built from DJL's differentiable ops. Slower than the native
 * kernels (attention materialises the full score matrix) but independent of TorchScript.
 */
public final class ComposedOps implements Ops {

    public static final ComposedOps INSTANCE = new ComposedOps();

    private ComposedOps() {}

    @Override
    public NDArray groupNorm(NDArray x, int groups, NDArray gamma, NDArray beta, double eps) {
        Shape s = x.getShape();
        long n = s.get(0);
        long c = s.get(1);
        long per = s.size() / (n * groups);
        // layer norm over each group's elements = group norm without affine; fastest composed variant
        NDManager m = x.getManager();
        try (NDArray ones = m.ones(new Shape(per), x.getDataType());
                NDArray zeros = m.zeros(new Shape(per), x.getDataType())) {
            NDArray normed = LayerNorm.layerNorm(x.reshape(n, groups, per), new Shape(per), ones, zeros, (float) eps)
                    .singletonOrThrow().reshape(s);
            long[] bshape = new long[s.dimension()];
            java.util.Arrays.fill(bshape, 1);
            bshape[1] = c;
            // reshape() of a weight lands in the weight's manager: move it to the activation's scope
            NDArray g = gamma.reshape(bshape);
            g.attach(m);
            NDArray b = beta.reshape(bshape);
            b.attach(m);
            return normed.mul(g).add(b);
        }
    }

    @Override
    public NDArray groupNormSilu(NDArray x, int groups, NDArray gamma, NDArray beta, double eps) {
        return silu(groupNorm(x, groups, gamma, beta, eps));
    }

    @Override
    public NDArray silu(NDArray x) {
        return x.mul(Activation.sigmoid(x));
    }

    @Override
    public NDArray attention(NDArray q, NDArray k, NDArray v, double scale, boolean causal) {
        NDArray scores = Scalars.mul(q.matMul(k.swapAxes(-1, -2)), scale);
        if (causal) {
            long nq = q.getShape().get(q.getShape().dimension() - 2);
            long nk = k.getShape().get(k.getShape().dimension() - 2);
            NDManager m = q.getManager();
            NDArray row = m.arange((int) nq).reshape(nq, 1);
            NDArray col = m.arange((int) nk).reshape(1, nk);
            // an additive mask (where() does not broadcast); exp(score - MAX) is exactly 0 as with -inf
            NDArray mask = col.gt(row).toType(scores.getDataType(), false).mul(-Float.MAX_VALUE);
            scores = scores.add(mask);
        }
        return scores.softmax(-1).matMul(v);
    }

    @Override
    public NDArray softmax(NDArray x, int axis) {
        return x.softmax(axis);
    }

    @Override
    public NDArray cast(NDArray x, Precision precision) {
        DataType target;
        switch (precision) {
            case FP32: target = DataType.FLOAT32; break;
            case FP16: target = DataType.FLOAT16; break;
            default:
                throw new UnsupportedOperationException("bf16 needs the TorchScript ops (DJL aborts on BFLOAT16); "
                        + "remove -Dmoa.ops=composed or use fp16");
        }
        if (x.getDataType() == target) {
            return x;
        }
        if (precision == Precision.FP32) {
            // type promotion keeps the graph: half + float32 zero -> float32
            try (NDArray zero = x.getManager().zeros(new Shape(1), DataType.FLOAT32)) {
                return x.add(zero);
            }
        }
        // a downcast has no differentiable composed form; this one cuts the graph
        return x.toType(target, false);
    }

    @Override
    public String name() {
        return "composed";
    }
}
