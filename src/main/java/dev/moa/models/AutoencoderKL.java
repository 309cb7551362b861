package dev.moa.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.moa.io.ComponentFiles;
import dev.moa.io.Json;
import dev.moa.io.TensorSource;
import dev.moa.io.Weights;
import dev.moa.nn.Attention;
import dev.moa.nn.Conv2d;
import dev.moa.nn.Downsample2D;
import dev.moa.nn.GroupNorm;
import dev.moa.nn.Nn;
import dev.moa.nn.ResnetBlock2D;
import dev.moa.nn.Upsample2D;
import dev.moa.tensor.Ops;
import dev.moa.tensor.Precision;
import dev.moa.tensor.TorchGenerator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' AutoencoderKL: encoder to a diagonal Gaussian over latents, decoder back to pixels. Accepts
 * both attention key spellings of published SD VAEs ({@code to_q/to_k/to_v/to_out.0} and the legacy
 * {@code query/key/value/proj_attn}).
 */
public final class AutoencoderKL {

    /** The latent distribution: mean and std (B, C, h, w). */
    public record LatentDist(NDArray mean, NDArray std) {
        /** mean + std * randn, drawn like diffusers' DiagonalGaussianDistribution.sample(generator). */
        public NDArray sample(TorchGenerator g) {
            NDArray eps = g.randn(mean.getManager(), mean.getShape());
            return mean.add(eps.mul(std));
        }
    }

    /** The mid block's single-head spatial self-attention. */
    private static final class SpatialAttention {
        final GroupNorm norm;
        final Attention attn;

        SpatialAttention(Weights w, String name, long c, int groups) {
            Weights s = w.sub(name);
            norm = new GroupNorm(s, "group_norm", groups, c, 1e-6);
            attn = new Attention(w, name, c, -1, 1, c, true);
        }

        NDArray forward(NDArray x) {
            Shape s = x.getShape();
            NDArray h = norm.forward(x).reshape(s.get(0), s.get(1), -1).transpose(0, 2, 1);
            h = attn.forward(h, null, null);
            return h.transpose(0, 2, 1).reshape(s).add(x);
        }
    }

    private static final class Mid {
        final ResnetBlock2D r0;
        final SpatialAttention attn;
        final ResnetBlock2D r1;

        Mid(Weights w, long c, int groups, boolean withAttention) {
            r0 = new ResnetBlock2D(w, "resnets.0", c, c, 0, groups, 1e-6, 1.0);
            attn = withAttention ? new SpatialAttention(w, "attentions.0", c, groups) : null;
            r1 = new ResnetBlock2D(w, "resnets.1", c, c, 0, groups, 1e-6, 1.0);
        }

        NDArray forward(NDArray x) {
            x = r0.forward(x, null);
            if (attn != null) {
                x = attn.forward(x);
            }
            return r1.forward(x, null);
        }
    }

    private final VaeConfig config;
    private final Precision precision;
    // encoder
    private final Conv2d encConvIn;
    private final List<List<ResnetBlock2D>> encBlocks = new ArrayList<>();
    private final List<Downsample2D> encDown = new ArrayList<>();
    private final Mid encMid;
    private final GroupNorm encNormOut;
    private final Conv2d encConvOut;
    private final Conv2d quantConv;
    // decoder
    private final Conv2d postQuantConv;
    private final Conv2d decConvIn;
    private final Mid decMid;
    private final List<List<ResnetBlock2D>> decBlocks = new ArrayList<>();
    private final List<Upsample2D> decUp = new ArrayList<>();
    private final GroupNorm decNormOut;
    private final Conv2d decConvOut;

    public AutoencoderKL(VaeConfig c, Weights w) {
        this.config = c;
        this.precision = w.precision();
        int[] boc = c.blockOutChannels();
        int n = boc.length;
        int g = c.normGroups();
        int lat = c.latentChannels();

        Weights e = w.sub("encoder");
        encConvIn = new Conv2d(e, "conv_in", c.inChannels(), boc[0], 3, 1, 1);
        int out = boc[0];
        for (int i = 0; i < n; i++) {
            int in = out;
            out = boc[i];
            Weights bw = e.sub("down_blocks", i);
            List<ResnetBlock2D> rs = new ArrayList<>();
            for (int j = 0; j < c.layersPerBlock(); j++) {
                rs.add(new ResnetBlock2D(bw, "resnets." + j, j == 0 ? in : out, out, 0, g, 1e-6, 1.0));
            }
            encBlocks.add(rs);
            encDown.add(i < n - 1 ? new Downsample2D(bw, "downsamplers.0", out, 0) : null);
        }
        encMid = new Mid(e.sub("mid_block"), boc[n - 1], g, c.midBlockAttention());
        encNormOut = new GroupNorm(e, "conv_norm_out", g, boc[n - 1], 1e-6);
        encConvOut = new Conv2d(e, "conv_out", boc[n - 1], 2L * lat, 3, 1, 1);
        quantConv = c.useQuantConv() ? new Conv2d(w, "quant_conv", 2L * lat, 2L * lat, 1, 1, 0) : null;

        postQuantConv = c.usePostQuantConv() ? new Conv2d(w, "post_quant_conv", lat, lat, 1, 1, 0) : null;
        Weights d = w.sub("decoder");
        decConvIn = new Conv2d(d, "conv_in", lat, boc[n - 1], 3, 1, 1);
        decMid = new Mid(d.sub("mid_block"), boc[n - 1], g, c.midBlockAttention());
        out = boc[n - 1];
        for (int i = 0; i < n; i++) {
            int prev = out;
            out = boc[n - 1 - i];
            Weights bw = d.sub("up_blocks", i);
            List<ResnetBlock2D> rs = new ArrayList<>();
            for (int j = 0; j < c.layersPerBlock() + 1; j++) {
                rs.add(new ResnetBlock2D(bw, "resnets." + j, j == 0 ? prev : out, out, 0, g, 1e-6, 1.0));
            }
            decBlocks.add(rs);
            decUp.add(i < n - 1 ? new Upsample2D(bw, "upsamplers.0", out) : null);
        }
        decNormOut = new GroupNorm(d, "conv_norm_out", g, boc[0], 1e-6);
        decConvOut = new Conv2d(d, "conv_out", boc[0], c.outChannels(), 3, 1, 1);
    }

    public static AutoencoderKL load(Path dir, NDManager manager) throws IOException {
        return load(dir, manager, Precision.FP32);
    }

    /** Loads a diffusers vae folder with weights and compute in the given precision. */
    public static AutoencoderKL load(Path dir, NDManager manager, Precision precision) throws IOException {
        VaeConfig cfg = VaeConfig.from(Json.read(dir.resolve("config.json")));
        try (TensorSource src = ComponentFiles.openWeights(dir)) {
            return load(cfg, src, AutoencoderKL::modelKey, manager, "vae (" + dir + ")", precision);
        }
    }

    public static AutoencoderKL load(VaeConfig cfg, TensorSource src, java.util.function.UnaryOperator<String> rename,
            NDManager manager, String what) throws IOException {
        return load(cfg, src, rename, manager, what, Precision.FP32);
    }

    public static AutoencoderKL load(VaeConfig cfg, TensorSource src, java.util.function.UnaryOperator<String> rename,
            NDManager manager, String what, Precision precision) throws IOException {
        Weights w = Weights.of(what, src, rename, manager, precision);
        AutoencoderKL m = new AutoencoderKL(cfg, w);
        w.check();
        return m;
    }

    /** Renames the legacy attention keys (query/key/value/proj_attn) as diffusers does on load. */
    public static String modelKey(String k) {
        int i = k.indexOf(".attentions.");
        if (i < 0) {
            return k;
        }
        return k.replace(".query.", ".to_q.").replace(".key.", ".to_k.").replace(".value.", ".to_v.")
                .replace(".proj_attn.", ".to_out.0.");
    }

    public VaeConfig config() {
        return config;
    }

    /** Precision of the weights and compute; inputs and outputs are fp32. */
    public Precision precision() {
        return precision;
    }

    private NDArray toCompute(NDArray x) {
        return precision == Precision.FP32 ? x : Ops.get().cast(x, precision);
    }

    private NDArray toFp32(NDArray x) {
        return precision == Precision.FP32 ? x : Ops.get().cast(x, Precision.FP32);
    }

    /** @param image (B, 3, H, W) in [-1, 1] */
    public LatentDist encode(NDArray image) {
        NDArray h = encConvIn.forward(toCompute(image));
        for (int i = 0; i < encBlocks.size(); i++) {
            for (ResnetBlock2D r : encBlocks.get(i)) {
                h = r.forward(h, null);
            }
            if (encDown.get(i) != null) {
                h = encDown.get(i).forward(h);
            }
        }
        h = encMid.forward(h);
        h = encConvOut.forward(encNormOut.forwardSilu(h));
        if (quantConv != null) {
            h = quantConv.forward(h);
        }
        h = toFp32(h);
        NDList parts = h.split(2, 1);
        NDArray mean = parts.get(0);
        NDArray logvar = parts.get(1).clip(-30f, 20f);
        // Scalars: a Java-buffer scalar saved for backward may be freed before it runs (see Scalars)
        return new LatentDist(mean, dev.moa.tensor.Scalars.mul(logvar, 0.5).exp());
    }

    /** Decodes in tiles when {@code tiling} says so for this latent size, else in one pass. */
    public NDArray decode(NDArray latents, VaeTiling tiling) {
        Shape s = latents.getShape();
        return tiling.applies(config, s.get(2), s.get(3)) ? tiledDecode(latents) : decode(latents);
    }

    /** diffusers' tile_latent_min_size: the tile's image size over the VAE's scale factor. */
    public static int tileLatentSize(VaeConfig c, int tileSampleSize) {
        return tileSampleSize / c.downFactor();
    }

    /** {@link #tiledDecode(NDArray, int)} with the config's sample size as the tile (512 px for SD 1.x). */
    public NDArray tiledDecode(NDArray latents) {
        return tiledDecode(latents, config.sampleSize());
    }

    /**
     * diffusers' tiled_decode: latent tiles of {@code tileSampleSize / scale} with a stride of 3/4 of that,
     * each decoded on its own; every tile is blended linearly into its upper and left neighbours over a
     * quarter of the tile's pixels, then cropped to the stride and the crops concatenated. Neighbours are
     * taken after their own blending, as diffusers' in-place blending does. Results are fp32, in the
     * latents' manager; each tile's intermediates are freed as soon as it is decoded.
     */
    public NDArray tiledDecode(NDArray latents, int tileSampleSize) {
        int tile = tileLatentSize(config, tileSampleSize);
        int stride = (int) (tile * (1 - TILE_OVERLAP));
        int blend = (int) (tileSampleSize * TILE_OVERLAP);
        int limit = tileSampleSize - blend;
        if (tile < 1 || stride < 1) {
            throw new IllegalArgumentException("VAE tile of " + tileSampleSize + " px is too small");
        }
        NDManager outer = latents.getManager();
        long h = latents.getShape().get(2);
        long w = latents.getShape().get(3);
        List<List<NDArray>> rows = new ArrayList<>();
        for (long i = 0; i < h; i += stride) {
            List<NDArray> row = new ArrayList<>();
            for (long j = 0; j < w; j += stride) {
                try (NDManager s = outer.newSubManager()) {
                    NDArray z = latents.get(":, :, " + i + ":" + Math.min(h, i + tile) + ", " + j + ":" + Math.min(w, j + tile));
                    z.attach(s);
                    NDArray d = decode(z);
                    d.attach(outer);
                    row.add(d);
                }
            }
            rows.add(row);
        }
        NDList resultRows = new NDList();
        for (int i = 0; i < rows.size(); i++) {
            List<NDArray> row = rows.get(i);
            NDList crops = new NDList();
            for (int j = 0; j < row.size(); j++) {
                NDArray t = row.get(j);
                if (i > 0) {
                    t = blendV(rows.get(i - 1).get(j), t, blend);
                }
                if (j > 0) {
                    t = blendH(row.get(j - 1), t, blend);
                }
                row.set(j, t);   // later neighbours blend with this blended tile
                Shape ts = t.getShape();
                crops.add(t.get(":, :, 0:" + Math.min(limit, ts.get(2)) + ", 0:" + Math.min(limit, ts.get(3))));
            }
            resultRows.add(crops.size() == 1 ? crops.get(0) : NDArrays.concat(crops, 3));
        }
        return resultRows.size() == 1 ? resultRows.get(0) : NDArrays.concat(resultRows, 2);
    }

    /** diffusers' tile_overlap_factor. */
    static final double TILE_OVERLAP = 0.25;

    /**
     * b with its first {@code extent} rows replaced by a linear blend from a's last rows:
     * b[y] = a[H_a - e + y] * (1 - y/e) + b[y] * (y/e), e = min(H_a, H_b, extent).
     */
    public static NDArray blendV(NDArray a, NDArray b, int extent) {
        return blend(a, b, extent, 2);
    }

    /** blendV along the width. */
    public static NDArray blendH(NDArray a, NDArray b, int extent) {
        return blend(a, b, extent, 3);
    }

    private static NDArray blend(NDArray a, NDArray b, int extent, int axis) {
        long na = a.getShape().get(axis);
        long nb = b.getShape().get(axis);
        int e = (int) Math.min(Math.min(na, nb), extent);
        if (e <= 0) {
            return b;
        }
        float[] wb = new float[e];
        float[] wa = new float[e];
        for (int y = 0; y < e; y++) {
            wb[y] = (float) ((double) y / e);
            wa[y] = (float) (1 - (double) y / e);
        }
        long[] wshape = {1, 1, 1, 1};
        wshape[axis] = e;
        NDManager m = b.getManager();
        String head = axis == 2 ? ":, :, 0:" + e : ":, :, :, 0:" + e;
        String tail = axis == 2 ? ":, :, " + e + ":" : ":, :, :, " + e + ":";
        String aTail = axis == 2 ? ":, :, " + (na - e) + ":" : ":, :, :, " + (na - e) + ":";
        NDArray mixed = a.get(aTail).mul(m.create(wa, new Shape(wshape))).add(b.get(head).mul(m.create(wb, new Shape(wshape))));
        Nn.own(mixed, b);
        return e == nb ? mixed : NDArrays.concat(new NDList(mixed, b.get(tail)), axis);
    }

    /** @param latents (B, C, h, w), already divided by the scaling factor; returns (B, 3, H, W) in about [-1, 1] */
    public NDArray decode(NDArray latents) {
        latents = toCompute(latents);
        NDArray h = postQuantConv == null ? latents : postQuantConv.forward(latents);
        h = decConvIn.forward(h);
        h = decMid.forward(h);
        for (int i = 0; i < decBlocks.size(); i++) {
            for (ResnetBlock2D r : decBlocks.get(i)) {
                h = r.forward(h, null);
            }
            if (decUp.get(i) != null) {
                h = decUp.get(i).forward(h, null);
            }
        }
        return toFp32(decConvOut.forward(decNormOut.forwardSilu(h)));
    }
}
