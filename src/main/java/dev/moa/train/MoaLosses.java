package dev.moa.train;

import dev.moa.tensor.Scalars;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.moa.moa.MoaAdapter;
import dev.moa.moa.MoaCapture;
import dev.moa.moa.MoaConfig;
import dev.moa.nn.Nn;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The MoA training objective (spec section 4): masked diffusion loss, router loss and the object
 * (localization) loss, all at latent resolution (H, W).
 */
public final class MoaLosses {
    private MoaLosses() {}

    /** The loss terms; {@code total} = diffusion + lambda_router * router + lambda_object * object. */
    public record Terms(NDArray total, NDArray diffusion, NDArray router, NDArray object) {}

    /** Cross layers whose personalized attention probabilities the object loss needs. */
    public static Set<String> objectLossLayers(MoaConfig c) {
        Set<String> stages = new HashSet<>(c.objectLossStages());
        Set<String> out = new java.util.LinkedHashSet<>();
        for (String l : c.crossLayers()) {
            if (stages.contains(MoaAdapter.stageOf(l))) {
                out.add(l);
            }
        }
        return out;
    }

    /**
     * @param pred model output (B, C, H, W)
     * @param target epsilon (or v) target (B, C, H, W)
     * @param masks subject masks (B, S, H, W) in {0, 1} at latent resolution; rows of invalid subjects are ignored
     * @param positions (B, S) subject token positions, -1 = no subject
     * @param capture what the MoA call of this forward pass recorded: router weights and object-loss probabilities
     */
    public static Terms compute(NDArray pred, NDArray target, NDArray masks, int[][] positions, MoaCapture capture,
            MoaConfig config) {
        return compute(pred, target, masks, positions, capture, config, 1.0);
    }

    /**
     * As {@link #compute(NDArray, NDArray, NDArray, int[][], MoaCapture, MoaConfig)} with the router loss weight
     * scaled by {@code routerFactor} (the ramp of {@link TrainSettings#routerLossFactor}); the returned router term
     * is unscaled.
     */
    public static Terms compute(NDArray pred, NDArray target, NDArray masks, int[][] positions, MoaCapture capture,
            MoaConfig config, double routerFactor) {
        NDManager m = pred.getManager();
        long b = pred.getShape().get(0);
        long c = pred.getShape().get(1);
        long h = pred.getShape().get(2);
        long w = pred.getShape().get(3);
        long slots = masks.getShape().get(1);

        // union mask M over valid subjects: (B, 1, H, W)
        float[] valid = new float[(int) (b * slots)];
        for (int r = 0; r < b; r++) {
            for (int s = 0; s < slots; s++) {
                valid[(int) (r * slots + s)] = s < positions[r].length && positions[r][s] >= 0 ? 1f : 0f;
            }
        }
        NDArray validMasks = Nn.own(masks, pred).mul(m.create(valid).reshape(b, slots, 1, 1));
        NDArray union = validMasks.max(new int[] {1}, true);

        // masked diffusion loss, per row; rows without any subject pixel use the plain MSE
        NDArray se = pred.sub(target).square();
        NDArray maskSum = union.sum(new int[] {1, 2, 3});                               // (B)
        NDArray masked = se.mul(union).sum(new int[] {1, 2, 3}).div(Scalars.maximum(Scalars.mul(maskSum, c), 1e-12));
        NDArray plain = Scalars.div(se.sum(new int[] {1, 2, 3}), c * h * w);  // (multi-axis mean is not in DJL)
        NDArray hasMask = maskSum.gt(0).toType(pred.getDataType(), false);
        NDArray diffusion = masked.mul(hasMask).add(plain.mul(hasMask.neg().add(1f))).mean();

        // router loss: mean over layers of r0 upsampled (nearest) to (H, W)
        Map<String, NDArray> r0s = capture.routerPrior();
        NDArray sum = null;
        for (NDArray r0 : r0s.values()) {
            long n = r0.getShape().get(1);
            long side = Math.round(Math.sqrt(n * (double) h / w));
            long hh = side;
            long ww = n / hh;
            NDArray map = r0.reshape(b, 1, hh, ww);
            if (hh != h || ww != w) {
                map = Nn.upsampleNearest(map, h, w);
            }
            sum = sum == null ? map : sum.add(map);
        }
        NDArray router = sum == null ? m.zeros(new Shape()) : union.neg().add(1f)
                .mul(Scalars.div(sum, r0s.size()).neg().add(1f)).square().mean();

        // object loss over the personalized attention maps of the chosen stages
        List<NDArray> terms = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : capture.personalProbs().entrySet()) {
            NDArray probs = e.getValue();                                   // (B, heads, N, L)
            long n = probs.getShape().get(2);
            long hh = Math.round(Math.sqrt(n * (double) h / w));
            long ww = n / hh;
            NDArray small = areaDownsample(validMasks, hh, ww).reshape(b, slots, hh * ww);
            for (int r = 0; r < b; r++) {
                for (int s = 0; s < positions[r].length; s++) {
                    int p = positions[r][s];
                    if (p < 0) {
                        continue;
                    }
                    NDArray a = probs.get(r + ", :, :, " + p);              // (heads, N)
                    NDArray mk = small.get(r + ", " + s).reshape(1, -1);     // (1, N)
                    NDArray inv = mk.neg().add(1f);
                    NDArray bg = a.mul(inv).sum(new int[] {1}).div(inv.sum().add(1e-5f));
                    NDArray fg = a.mul(mk).sum(new int[] {1}).div(mk.sum().add(1e-5f));
                    terms.add(bg.sub(fg).mean());
                }
            }
        }
        NDArray object = terms.isEmpty() ? m.zeros(new Shape())
                : NDArrays.stack(new NDList(terms)).mean();

        NDArray total = diffusion.add(Scalars.mul(router, config.lambdaRouter() * routerFactor)).add(Scalars.mul(object, config.lambdaObject()));
        return new Terms(total, diffusion, router, object);
    }

    /** Area (average-pool) downsampling of (B, S, H, W) by integer factors. */
    static NDArray areaDownsample(NDArray x, long hh, long ww) {
        Shape s = x.getShape();
        long h = s.get(2);
        long w = s.get(3);
        if (h == hh && w == ww) {
            return x;
        }
        if (h % hh != 0 || w % ww != 0) {
            throw new IllegalArgumentException("mask " + h + "x" + w + " is not an integer multiple of " + hh + "x" + ww);
        }
        long fh = h / hh;
        long fw = w / ww;
        return Scalars.div(x.reshape(s.get(0), s.get(1), hh, fh, ww, fw).sum(new int[] {3, 5}), fh * fw);
    }
}
