package dev.moa.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import dev.moa.models.UNet2DConditionModel;
import java.util.ArrayList;
import java.util.List;

/**
 * The UNet with classifier-free guidance: with guidance > 1 the batch is doubled (unconditional half
 * first, as diffusers does) and the output is uncond + g * (cond - uncond).
 */
public final class GuidedUNet implements Denoiser {
    private final UNet2DConditionModel unet;
    private final NDArray context;
    private final double guidance;
    private final Object kwargs;

    /**
     * @param context (2B, L, D) = [uncond; cond] when guidance > 1, else (B, L, D)
     * @param kwargs passed to the attention processors (null for the plain model)
     */
    public GuidedUNet(UNet2DConditionModel unet, NDArray context, double guidance, Object kwargs) {
        this.unet = unet;
        this.context = context;
        this.guidance = guidance;
        this.kwargs = kwargs;
    }

    /** diffusers: do_classifier_free_guidance = guidance_scale > 1. */
    public static boolean usesGuidance(double guidance) {
        return guidance > 1.0;
    }

    @Override
    public NDArray predict(NDArray x, double t, int callIndex) {
        boolean cfg = usesGuidance(guidance);
        NDArray in = cfg ? NDArrays.concat(new NDList(x, x), 0) : x;
        NDArray tt = x.getManager().create(new float[] {(float) t}).toType(DataType.FLOAT32, false);
        NDArray out = unet.forward(in, tt, context, kwargs);
        return cfg ? combine(out, guidance) : out;
    }

    /** [uncond; cond] model outputs to uncond + g * (cond - uncond). */
    static NDArray combine(NDArray out, double guidance) {
        NDList halves = out.split(2, 0);
        NDArray uncond = halves.get(0);
        return uncond.add(halves.get(1).sub(uncond).mul((float) guidance));
    }

    @Override
    public List<NDArray> pinned() {
        List<NDArray> p = new ArrayList<>();
        p.add(context);
        return p;
    }
}
