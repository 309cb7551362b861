package dev.moa.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.moa.io.ComponentFiles;
import dev.moa.io.Json;
import dev.moa.io.TensorSource;
import dev.moa.io.Weights;
import dev.moa.nn.Attention;
import dev.moa.nn.AttentionCall;
import dev.moa.nn.BasicTransformerBlock;
import dev.moa.nn.Conv2d;
import dev.moa.nn.Downsample2D;
import dev.moa.nn.GroupNorm;
import dev.moa.nn.Nn;
import dev.moa.nn.ResnetBlock2D;
import dev.moa.nn.TimestepEmbedding;
import dev.moa.nn.Transformer2DModel;
import dev.moa.nn.Upsample2D;
import dev.moa.tensor.Ops;
import dev.moa.tensor.Precision;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.List;

/**
 * diffusers' UNet2DConditionModel for SD 1.x / 2.x. The module tree mirrors the state-dict keys
 * ({@code down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.weight}), so published weights load
 * unchanged. Attention layers carry swappable processors; MoA plugs in there.
 */
public final class UNet2DConditionModel {

    /** One down, mid or up block: resnets, optional transformers, optional resampler. */
    private static final class Block {
        final String name;
        final List<ResnetBlock2D> resnets = new ArrayList<>();
        final List<Transformer2DModel> attentions = new ArrayList<>();
        Downsample2D downsampler;
        Upsample2D upsampler;

        Block(String name) {
            this.name = name;
        }
    }

    private final UNetConfig config;
    private final Precision precision;
    private final Conv2d convIn;
    private final TimestepEmbedding timeEmbedding;
    private final List<Block> downBlocks = new ArrayList<>();
    private final Block midBlock;
    private final List<Block> upBlocks = new ArrayList<>();
    private final GroupNorm convNormOut;
    private final Conv2d convOut;
    private final List<Attention> attentionLayers = new ArrayList<>();

    public UNet2DConditionModel(UNetConfig c, Weights w) {
        this.config = c;
        this.precision = w.precision();
        int[] boc = c.blockOutChannels();
        int n = boc.length;
        long tembDim = boc[0] * 4L;
        int groups = c.normGroups();
        double eps = c.normEps();
        convIn = new Conv2d(w, "conv_in", c.inChannels(), boc[0], 3, 1, 1);
        // the timestep MLP costs nothing and stays fp32: sin/cos features of t up to 1000 lose digits in bf16
        timeEmbedding = new TimestepEmbedding(w.withPrecision(Precision.FP32), "time_embedding", boc[0], tembDim);

        int out = boc[0];
        for (int i = 0; i < n; i++) {
            int in = out;
            out = boc[i];
            Block b = new Block("down_blocks." + i);
            Weights bw = w.sub(b.name);
            boolean cross = c.downBlockTypes()[i].startsWith("CrossAttn");
            for (int j = 0; j < c.layersPerBlock(); j++) {
                b.resnets.add(new ResnetBlock2D(bw, "resnets." + j, j == 0 ? in : out, out, tembDim, groups, eps, 1.0));
                if (cross) {
                    b.attentions.add(transformer(bw, "attentions." + j, out, c.heads()[i]));
                }
            }
            if (i < n - 1) {
                b.downsampler = new Downsample2D(bw, "downsamplers.0", out, c.downsamplePadding());
            }
            downBlocks.add(b);
        }

        midBlock = new Block("mid_block");
        Weights mw = w.sub("mid_block");
        int midC = boc[n - 1];
        midBlock.resnets.add(new ResnetBlock2D(mw, "resnets.0", midC, midC, tembDim, groups, eps, c.midBlockScaleFactor()));
        midBlock.attentions.add(transformer(mw, "attentions.0", midC, c.heads()[n - 1]));
        midBlock.resnets.add(new ResnetBlock2D(mw, "resnets.1", midC, midC, tembDim, groups, eps, c.midBlockScaleFactor()));

        out = boc[n - 1];
        for (int i = 0; i < n; i++) {
            int prevOut = out;
            out = boc[n - 1 - i];
            int in = boc[Math.max(n - 2 - i, 0)];
            Block b = new Block("up_blocks." + i);
            Weights bw = w.sub(b.name);
            boolean cross = c.upBlockTypes()[i].startsWith("CrossAttn");
            int layers = c.layersPerBlock() + 1;
            for (int j = 0; j < layers; j++) {
                int skip = j == layers - 1 ? in : out;
                int resIn = j == 0 ? prevOut : out;
                b.resnets.add(new ResnetBlock2D(bw, "resnets." + j, resIn + skip, out, tembDim, groups, eps, 1.0));
                if (cross) {
                    b.attentions.add(transformer(bw, "attentions." + j, out, c.heads()[n - 1 - i]));
                }
            }
            if (i < n - 1) {
                b.upsampler = new Upsample2D(bw, "upsamplers.0", out);
            }
            upBlocks.add(b);
        }
        convNormOut = new GroupNorm(w, "conv_norm_out", groups, boc[0], eps);
        convOut = new Conv2d(w, "conv_out", boc[0], c.outChannels(), 3, 1, 1);

        // forward order: down blocks, mid block, up blocks; attn1 before attn2 inside each transformer block
        for (Block b : downBlocks) {
            collect(b);
        }
        collect(midBlock);
        for (Block b : upBlocks) {
            collect(b);
        }
    }

    private Transformer2DModel transformer(Weights bw, String name, int channels, int heads) {
        long dimHead = channels / heads;
        return new Transformer2DModel(bw, name, channels, heads, dimHead, config.crossAttentionDim(),
                config.transformerLayers(), config.normGroups(), config.useLinearProjection());
    }

    private void collect(Block b) {
        for (Transformer2DModel t : b.attentions) {
            for (BasicTransformerBlock blk : t.blocks) {
                attentionLayers.add(blk.attn1);
                attentionLayers.add(blk.attn2);
            }
        }
    }

    /** Loads {@code config.json} and weights of a diffusers unet folder. */
    public static UNet2DConditionModel load(Path dir, NDManager manager) throws IOException {
        return load(dir, manager, Precision.FP32);
    }

    /** Loads a diffusers unet folder with weights and compute in the given precision. */
    public static UNet2DConditionModel load(Path dir, NDManager manager, Precision precision) throws IOException {
        UNetConfig cfg = UNetConfig.from(Json.read(dir.resolve("config.json")));
        try (TensorSource src = ComponentFiles.openWeights(dir)) {
            return load(cfg, src, null, manager, "unet (" + dir + ")", precision);
        }
    }

    /** Builds from any tensor source, renaming keys first (null = as published). */
    public static UNet2DConditionModel load(UNetConfig cfg, TensorSource src, java.util.function.UnaryOperator<String> rename,
            NDManager manager, String what) throws IOException {
        return load(cfg, src, rename, manager, what, Precision.FP32);
    }

    public static UNet2DConditionModel load(UNetConfig cfg, TensorSource src, java.util.function.UnaryOperator<String> rename,
            NDManager manager, String what, Precision precision) throws IOException {
        Weights w = Weights.of(what, src, rename, manager, precision);
        UNet2DConditionModel m = new UNet2DConditionModel(cfg, w);
        w.check();
        return m;
    }

    public UNetConfig config() {
        return config;
    }

    /** Precision of the weights and of the compute inside {@link #forward}; inputs and output are fp32. */
    public Precision precision() {
        return precision;
    }

    /** Every attention layer (self and cross) in forward order. */
    public List<Attention> attentionLayers() {
        return Collections.unmodifiableList(attentionLayers);
    }

    /** Latent downscale factor of the UNet itself: 2^(number of downsamplers). */
    public int downFactor() {
        return 1 << (config.blockOutChannels().length - 1);
    }

    /**
     * @param sample latents (B, C, H, W)
     * @param timesteps (B) or (1), any numeric type
     * @param context encoder hidden states (B, L, D)
     * @param call passed to every attention processor unchanged (null for plain calls)
     */
    public NDArray forward(NDArray sample, NDArray timesteps, NDArray context, AttentionCall call) {
        long batch = sample.getShape().get(0);
        NDArray t = timesteps.getShape().dimension() == 0 ? timesteps.reshape(1) : timesteps;
        if (t.getShape().get(0) != batch) {
            t = t.broadcast(batch);
        }
        NDArray tEmb = TimestepEmbedding.sinusoidal(Nn.own(t, sample), config.blockOutChannels()[0],
                config.flipSinToCos(), config.freqShift());
        NDArray emb = timeEmbedding.forward(tEmb);
        if (precision != Precision.FP32) {
            // reduced precision from here to the output; callers keep fp32 (scheduler, guidance)
            emb = Ops.get().cast(emb, precision);
            sample = Ops.get().cast(sample, precision);
            context = Ops.get().cast(context, precision);
        }

        // diffusers passes explicit upsample sizes when the latent is not a multiple of the overall factor
        long factor = downFactor();
        boolean explicitSizes = sample.getShape().get(2) % factor != 0 || sample.getShape().get(3) % factor != 0;

        NDArray h = convIn.forward(sample);
        Deque<NDArray> skips = new ArrayDeque<>();
        skips.push(h);
        for (Block b : downBlocks) {
            for (int j = 0; j < b.resnets.size(); j++) {
                h = b.resnets.get(j).forward(h, emb);
                if (!b.attentions.isEmpty()) {
                    h = b.attentions.get(j).forward(h, context, call);
                }
                skips.push(h);
            }
            if (b.downsampler != null) {
                h = b.downsampler.forward(h);
                skips.push(h);
            }
        }
        h = midBlock.resnets.get(0).forward(h, emb);
        h = midBlock.attentions.get(0).forward(h, context, call);
        h = midBlock.resnets.get(1).forward(h, emb);

        for (Block b : upBlocks) {
            for (int j = 0; j < b.resnets.size(); j++) {
                NDArray skip = skips.pop();
                h = NDArrays.concat(new NDList(h, skip), 1);
                h = b.resnets.get(j).forward(h, emb);
                if (!b.attentions.isEmpty()) {
                    h = b.attentions.get(j).forward(h, context, call);
                }
            }
            if (b.upsampler != null) {
                long[] size = null;
                if (explicitSizes) {
                    NDArray next = skips.peek();
                    size = new long[] {next.getShape().get(2), next.getShape().get(3)};
                }
                h = b.upsampler.forward(h, size);
            }
        }
        h = convNormOut.forwardSilu(h);
        NDArray out = convOut.forward(h);
        return precision == Precision.FP32 ? out : Ops.get().cast(out, Precision.FP32);
    }
}
