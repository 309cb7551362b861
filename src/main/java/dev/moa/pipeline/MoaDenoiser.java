package dev.moa.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import dev.moa.moa.MoaAdapter;
import dev.moa.moa.MoaCall;
import dev.moa.moa.MoaMode;
import dev.moa.moa.RouterMaps;
import dev.moa.models.UNet2DConditionModel;
import java.util.List;
import java.util.Map;

/**
 * The MoA UNet with classifier-free guidance: the unconditional half uses the negative prompt and no
 * subjects (spec section 3), the conditional half the subjects' multimodal prompt. Optionally accumulates
 * the router maps of the conditional rows.
 */
final class MoaDenoiser implements Denoiser {
    private final UNet2DConditionModel unet;
    private final MoaAdapter moa;
    private final MoaMode mode;
    private final NDArray context;
    private final NDArray imageEmbeds;
    private final int[][] positions;
    private final double guidance;
    private final RouterMaps.Accumulator[] router;

    /**
     * @param context [uncond x B; cond x B] with guidance, else cond x B
     * @param imageEmbeds (rows, S, Di) aligned with context rows
     * @param positions per context row; unconditional rows all -1
     * @param router one accumulator per conditional row, or null
     */
    MoaDenoiser(UNet2DConditionModel unet, MoaAdapter moa, MoaMode mode, NDArray context, NDArray imageEmbeds,
            int[][] positions, double guidance, RouterMaps.Accumulator[] router) {
        this.unet = unet;
        this.moa = moa;
        this.mode = mode;
        this.context = context;
        this.imageEmbeds = imageEmbeds;
        this.positions = positions;
        this.guidance = guidance;
        this.router = router;
    }

    @Override
    public NDArray predict(NDArray x, double t, int callIndex) {
        boolean cfg = GuidedUNet.usesGuidance(guidance);
        NDArray in = cfg ? NDArrays.concat(new NDList(x, x), 0) : x;
        int rows = positions.length;
        float[] ts = new float[rows];
        java.util.Arrays.fill(ts, (float) t);
        NDArray tt = x.getManager().create(ts).toType(DataType.FLOAT32, false);
        MoaCall call = new MoaCall(mode, moa.fuser(), context, positions, imageEmbeds, ts,
                router != null && mode == MoaMode.MOA, null);
        NDArray out = unet.forward(in, tt, context, call);
        if (router != null) {
            int first = cfg ? rows / 2 : 0;
            for (Map.Entry<String, NDArray> e : call.routerPrior().entrySet()) {
                float[] all = e.getValue().toFloatArray();
                int n = (int) e.getValue().getShape().get(1);
                for (int r = 0; r < router.length; r++) {
                    float[] row = new float[n];
                    System.arraycopy(all, (first + r) * n, row, 0, n);
                    router[r].add(row);
                }
            }
        }
        return cfg ? GuidedUNet.combine(out, guidance) : out;
    }

    @Override
    public List<NDArray> pinned() {
        return imageEmbeds == null ? List.of(context) : List.of(context, imageEmbeds);
    }
}
