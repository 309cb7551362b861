package dev.moa.toy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import dev.moa.image.RgbImage;
import dev.moa.image.Sheet;
import dev.moa.io.SafetensorsWriter;
import dev.moa.io.Weights;
import dev.moa.models.AutoencoderKL;
import dev.moa.models.VaeConfig;
import dev.moa.tensor.Grads;
import dev.moa.tensor.Scalars;
import dev.moa.tensor.TorchGenerator;
import dev.moa.train.BaseTrainer;
import dev.moa.train.ParamInit;
import dev.moa.train.data.Rng;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Trains a small AutoencoderKL (LDM kl-f4 style) from scratch on the toy world: half scene pictures, half
 * reference-style pictures per batch. Loss: L1 + {@code gradWeight} x L1 of the image gradients + {@code klWeight} x
 * KL, where the KL is summed over an image's latent and the reconstruction terms are pixel means; the KL weight is
 * applied relative to the per-image pixel sum of the L1, as LDM's 1e-6 is (so klWeight 1e-6 means LDM's setting).
 * At the end {@link #finish} sets {@code scaling_factor} to 1 / std of the latents of training pictures.
 *
 * <p>Writes {@code vae/} (config.json + diffusion_pytorch_model.safetensors, loadable by {@link AutoencoderKL#load})
 * and {@code samples/step-N.png} (held-out originals over their reconstructions).
 */
public final class VaeTrainer extends BaseTrainer<VaeTrainer.Batch> {

    /** The step's pictures as CHW floats in [-1, 1]. */
    public record Batch(float[] pixels, int count, int side) {}

    /**
     * Loss weights, and the training crop: {@code crop} > 0 trains on random crop x crop windows of the 64 px pictures
     * (the VAE is convolutional; the mid-block attention then sees fewer tokens), 0 on whole pictures.
     */
    public record Loss(double gradWeight, double klWeight, int crop) {}

    private final VaeConfig config;
    private final Loss loss;
    private final ToyWorld world;
    private final AutoencoderKL vae;
    private double scalingFactor = 1.0;

    public VaeTrainer(VaeConfig config, Loss loss, Settings settings, Path output) {
        super(settings, output, dev.moa.tensor.Devices.newManager());
        this.config = config;
        this.loss = loss;
        this.world = new ToyWorld(settings.seed());
        Weights w = Weights.random("vae", manager, settings.seed());
        this.vae = new AutoencoderKL(config, w);
        Map<String, NDArray> params = w.taken();
        ParamInit.torchDefault(params, settings.seed());
        init(params);
    }

    /** The toy VAE: 4x down-sampling, channels 32/64/64 in 8 norm groups, one resnet per block, 4 latent channels, 64 px. */
    public static VaeConfig defaultConfig() {
        return new VaeConfig(3, 3, 4, new int[] {32, 64, 64}, 1, 8, 1.0, true, true, true, 64);
    }

    public AutoencoderKL vae() {
        return vae;
    }

    public double scalingFactor() {
        return scalingFactor;
    }

    @Override
    public String name() {
        return "vae";
    }

    @Override
    public String[] termNames() {
        return new String[] {"loss", "l1", "grad_l1", "kl", "psnr"};
    }

    @Override
    protected JsonObject describe() {
        JsonObject o = ToyConfigs.vae(config);
        o.remove("scaling_factor");
        o.addProperty("grad_weight", loss.gradWeight());
        o.addProperty("kl_weight", loss.klWeight());
        o.addProperty("crop", loss.crop());
        return o;
    }

    @Override
    protected Batch prepare(long index) {
        int b = settings.batch();
        int full = ToyWorld.SIZE;
        int side = loss.crop() > 0 ? loss.crop() : full;
        int n = 3 * side * side;
        float[] px = new float[b * n];
        for (int i = 0; i < b; i++) {
            long k = index * b + i;
            ToyPicture p = i % 2 == 0 ? world.scene(k) : world.reference(world.trainingIdentity(k), k);
            float[] chw = p.chwSigned();
            Rng r = Rng.of(settings.seed(), 0x43524F50L, k);
            int x0 = r.nextInt(full - side + 1), y0 = r.nextInt(full - side + 1);
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < side; y++) {
                    System.arraycopy(chw, c * full * full + (y0 + y) * full + x0, px, i * n + c * side * side + y * side, side);
                }
            }
        }
        return new Batch(px, b, side);
    }

    @Override
    protected NDArray[] forward(Batch batch, long index, NDManager m) {
        int s = batch.side();
        NDArray x = m.create(batch.pixels(), new Shape(batch.count(), 3, s, s));
        AutoencoderKL.LatentDist d = vae.encode(x);
        NDArray z = d.sample(new TorchGenerator(mix(settings.seed(), index)));
        NDArray y = vae.decode(z);
        NDArray diff = y.sub(x);
        NDArray l1 = diff.abs().mean();
        NDArray gx = diff.get(":, :, :, 1:").sub(diff.get(":, :, :, :-1"));
        NDArray gy = diff.get(":, :, 1:, :").sub(diff.get(":, :, :-1, :"));
        NDArray gradL1 = gx.abs().mean().add(gy.abs().mean());
        NDArray var = d.std().square();
        // KL(N(mean, var) || N(0, 1)), summed over the latent, mean over the batch
        NDArray kl = Scalars.mul(d.mean().square().add(var).sub(1f).sub(var.log()).sum(), 0.5 / batch.count());
        NDArray total = l1.add(Scalars.mul(gradL1, loss.gradWeight()))
                .add(Scalars.mul(kl, loss.klWeight() / (3.0 * s * s)));
        NDArray mse = diff.clip(-2f, 2f).square().mean().div(4f);
        NDArray psnr = mse.log10().mul(-10f);
        return new NDArray[] {total, l1, gradL1, kl, psnr};
    }

    /** A 32-bit generator seed from (run seed, step): splitmix64's finaliser. */
    static long mix(long seed, long index) {
        long z = seed * 0x9E3779B97F4A7C15L + index + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return (z ^ (z >>> 31)) & 0xffffffffL;
    }

    @Override
    protected void saveModel(Path dir) throws IOException {
        Path v = dir.resolve("vae");
        Files.createDirectories(v);
        SafetensorsWriter.write(v.resolve("diffusion_pytorch_model.safetensors"), parameters());
        VaeConfig c = new VaeConfig(config.inChannels(), config.outChannels(), config.latentChannels(),
                config.blockOutChannels(), config.layersPerBlock(), config.normGroups(), scalingFactor,
                config.useQuantConv(), config.usePostQuantConv(), config.midBlockAttention(), config.sampleSize());
        ToyConfigs.write(v.resolve("config.json"), ToyConfigs.vae(c));
    }

    // ------------------------------------------------------------------------------------ evaluation

    /** Held-out identities' pictures: even = scene picture, odd = reference view. */
    private ToyPicture heldOut(int i) {
        ToyIdentity id = world.heldOutIdentity(i);
        return i % 2 == 0 ? world.scene(id, 5_000_000L + i) : world.reference(id, 5_000_000L + i);
    }

    /** Reconstructions (from the latent mean) of pictures, as [0, 1] CHW floats per picture. */
    private List<float[]> reconstruct(List<ToyPicture> pics) {
        int s = ToyWorld.SIZE, n = 3 * s * s;
        float[] px = new float[pics.size() * n];
        for (int i = 0; i < pics.size(); i++) {
            System.arraycopy(pics.get(i).chwSigned(), 0, px, i * n, n);
        }
        try (NDManager m = manager.newSubManager(); Grads.Scope off = Grads.disabled()) {
            NDArray x = m.create(px, new Shape(pics.size(), 3, s, s));
            float[] y = vae.decode(vae.encode(x).mean()).add(1f).div(2f).clip(0f, 1f).toFloatArray();
            List<float[]> out = new ArrayList<>();
            for (int i = 0; i < pics.size(); i++) {
                float[] one = new float[n];
                System.arraycopy(y, i * n, one, 0, n);
                out.add(one);
            }
            return out;
        }
    }

    /** Mean PSNR (dB, pixels in [0, 1], 8-bit rounded) of reconstructions of {@code n} held-out pictures. */
    public double heldOutPsnr(int n) {
        double sum = 0;
        for (int start = 0; start < n; start += 64) {
            List<ToyPicture> pics = new ArrayList<>();
            for (int i = start; i < Math.min(n, start + 64); i++) {
                pics.add(heldOut(i));
            }
            List<float[]> rec = reconstruct(pics);
            for (int i = 0; i < pics.size(); i++) {
                sum += psnr(pics.get(i).image(), RgbImage.fromFloatChw(rec.get(i), ToyWorld.SIZE, ToyWorld.SIZE));
            }
        }
        return sum / n;
    }

    static double psnr(RgbImage a, RgbImage b) {
        double se = 0;
        int n = 0;
        for (int y = 0; y < a.height(); y++) {
            for (int x = 0; x < a.width(); x++) {
                for (int c = 0; c < 3; c++) {
                    double d = (a.get(x, y, c) - b.get(x, y, c)) / 255.0;
                    se += d * d;
                    n++;
                }
            }
        }
        return se == 0 ? 99 : 10 * Math.log10(n / se);
    }

    /**
     * 1 / std of the latents (sampled, as diffusers' rule uses) of {@code n} training pictures (half scenes, half
     * references, not the training batches' indices).
     */
    public double computeScalingFactor(int n) {
        double sum = 0, sq = 0;
        long count = 0;
        int s = ToyWorld.SIZE, px = 3 * s * s;
        for (int start = 0; start < n; start += 64) {
            int b = Math.min(64, n - start);
            float[] all = new float[b * px];
            for (int i = 0; i < b; i++) {
                long k = 9_000_000_000L + start + i;
                ToyPicture p = i % 2 == 0 ? world.scene(k) : world.reference(world.trainingIdentity(k), k);
                System.arraycopy(p.chwSigned(), 0, all, i * px, px);
            }
            try (NDManager m = manager.newSubManager(); Grads.Scope off = Grads.disabled()) {
                NDArray x = m.create(all, new Shape(b, 3, s, s));
                float[] z = vae.encode(x).sample(new TorchGenerator(mix(settings.seed() + 1, start))).toFloatArray();
                for (float v : z) {
                    sum += v;
                    sq += (double) v * v;
                }
                count += z.length;
            }
        }
        double mean = sum / count;
        double std = Math.sqrt(Math.max(1e-12, sq / count - mean * mean));
        return 1 / std;
    }

    /** Sets the scaling factor from {@code nScale} pictures, writes vae/ and {@code vae_eval.json}; returns the eval. */
    public JsonObject finish(int nScale, int nEval) throws IOException {
        scalingFactor = computeScalingFactor(nScale);
        saveModel(output);
        JsonObject o = new JsonObject();
        o.addProperty("step", step());
        o.addProperty("scaling_factor", scalingFactor);
        o.addProperty("scaling_pictures", nScale);
        o.addProperty("held_out_psnr_db", heldOutPsnr(nEval));
        o.addProperty("held_out_pictures", nEval);
        o.addProperty("note", "PSNR of reconstructions from the latent mean, 8-bit, half scene pictures and half references"
                + " of held-out identities");
        ToyConfigs.write(output.resolve("vae_eval.json"), o);
        return o;
    }

    @Override
    protected Path sample(Path dir) throws IOException {
        List<ToyPicture> pics = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            pics.add(heldOut(i));
        }
        List<float[]> rec = reconstruct(pics);
        List<RgbImage> top = new ArrayList<>(), bottom = new ArrayList<>();
        double sum = 0;
        for (int i = 0; i < pics.size(); i++) {
            RgbImage r = RgbImage.fromFloatChw(rec.get(i), ToyWorld.SIZE, ToyWorld.SIZE);
            sum += psnr(pics.get(i).image(), r);
            top.add(ToySheets.upscale(pics.get(i).image(), 2));
            bottom.add(ToySheets.upscale(r, 2));
        }
        Path f = dir.resolve(String.format(Locale.ROOT, "step-%07d.png", step()));
        Files.createDirectories(dir);
        new Sheet().gap(4).row("held out", top)
                .row(String.format(Locale.ROOT, "recon %.1f dB", sum / pics.size()), bottom)
                .write(f, Map.of("Description", "vae reconstructions at step " + step()));
        return f;
    }

    @Override
    public void close() {
        super.close();
        manager.close();
    }
}
