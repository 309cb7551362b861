package dev.moa.schedulers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Imagen's dynamic thresholding of the x0 estimate (diffusers' {@code _threshold_sample}): per batch item, s is
 * the {@code ratio} quantile of |x0| clamped to [1, maxValue], and x0 is clamped to [-s, s] and divided by s.
 * Off by default; unsuitable for latent diffusion, kept for configs that ask for it.
 */
final class Thresholding {
    private Thresholding() {}

    static NDArray apply(NDArray x0, double ratio, double maxValue) {
        Shape shape = x0.getShape();
        long batch = shape.get(0);
        NDArray flat = x0.reshape(batch, -1);
        long n = flat.getShape().get(1);
        NDArray sorted = flat.abs().sort(1);
        double pos = ratio * (n - 1);
        long lo = (long) Math.floor(pos);
        long hi = Math.min(lo + 1, n - 1);
        float w = (float) (pos - lo);
        NDArray vLo = sorted.get(":, " + lo + ":" + (lo + 1));
        NDArray vHi = sorted.get(":, " + hi + ":" + (hi + 1));
        // torch.quantile's linear interpolation (torch.lerp)
        NDArray s = w < 0.5f ? vLo.add(vHi.sub(vLo).mul(w)) : vHi.sub(vHi.sub(vLo).mul(1f - w));
        s = s.clip(1, maxValue);
        return flat.minimum(s).maximum(s.neg()).div(s).reshape(shape);
    }
}
