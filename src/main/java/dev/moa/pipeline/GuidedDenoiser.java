package dev.moa.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import dev.moa.moa.MoaAdapter;
import dev.moa.moa.MoaCall;
import dev.moa.moa.MoaCapture;
import dev.moa.moa.MoaMode;
import dev.moa.models.UNet2DConditionModel;
import java.util.List;

/**
 * The UNet with classifier-free guidance, plain or with MoA: with guidance > 1 the batch is doubled
 * (unconditional half first, as diffusers does) and the output is uncond + g * (cond - uncond). With MoA the
 * unconditional rows get the negative prompt and no subjects (spec section 3).
 */
final class GuidedDenoiser implements Denoiser {

    /** What MoA adds to every UNet call: embeddings (rows, S, Di) and positions aligned with the context rows. */
    record MoaInputs(MoaAdapter adapter, MoaMode mode, double strength, NDArray imageEmbeds, int[][] positions,
            float[][] weights) {}

    private final UNet2DConditionModel unet;
    private final NDArray context;
    private final double guidance;
    private final MoaInputs moa;
    private final GenerationObserver observer;

    /**
     * @param context (2B, L, D) = [uncond; cond] when guidance is on, else (B, L, D)
     * @param moa null for the plain model
     */
    GuidedDenoiser(UNet2DConditionModel unet, NDArray context, double guidance, MoaInputs moa,
            GenerationObserver observer) {
        this.unet = unet;
        this.context = context;
        this.guidance = guidance;
        this.moa = moa;
        this.observer = observer;
    }

    /** diffusers: do_classifier_free_guidance = guidance_scale > 1. */
    static boolean usesGuidance(double guidance) {
        return guidance > 1.0;
    }

    @Override
    public NDArray predict(NDArray x, double t, int callIndex) {
        boolean cfg = usesGuidance(guidance);
        NDArray in = cfg ? NDArrays.concat(new NDList(x, x), 0) : x;
        int rows = (int) in.getShape().get(0);
        float[] ts = new float[rows];
        java.util.Arrays.fill(ts, (float) t);
        NDArray tt = x.getManager().create(ts).toType(DataType.FLOAT32, false);
        MoaCall call = null;
        if (moa != null) {
            boolean capture = observer.wantsRouter() && moa.mode() == MoaMode.MOA;
            call = new MoaCall(moa.mode(), moa.strength(), moa.adapter().fuser(), context, moa.positions(),
                    moa.weights(), moa.imageEmbeds(), ts, capture ? MoaCapture.router() : MoaCapture.nothing());
        }
        NDArray out = unet.forward(in, tt, context, call);
        if (call != null && !call.capture().routerPrior().isEmpty()) {
            observer.onRouter(call.capture().routerPrior(), cfg ? rows / 2 : 0);
        }
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
        return moa == null ? List.of(context) : List.of(context, moa.imageEmbeds());
    }
}
