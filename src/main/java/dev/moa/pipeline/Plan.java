package dev.moa.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import dev.moa.io.Json;
import dev.moa.schedulers.DdimScheduler;
import dev.moa.schedulers.Scheduler;
import dev.moa.schedulers.Schedulers;
import dev.moa.tensor.BatchNoise;
import java.util.Arrays;

/** The checked settings of one generation: size, batch, seed, scheduler, latent shape and initial latents. */
final class Plan implements AutoCloseable {
    final int width;
    final int height;
    final int batch;
    final long seed;
    final Scheduler scheduler;
    final BatchNoise noise;
    final Shape latentShape;
    /** The call index sampling starts at: 0, or later for image-to-image. */
    final int begin;
    private final float[] givenLatents;

    private Plan(int width, int height, int batch, long seed, Scheduler scheduler, Shape latentShape, float[] given,
            int begin) {
        this.begin = begin;
        this.width = width;
        this.height = height;
        this.batch = batch;
        this.seed = seed;
        this.scheduler = scheduler;
        this.noise = new BatchNoise(seed, batch);
        this.latentShape = latentShape;
        this.givenLatents = given;
    }

    /**
     * Size and batch come from the options, else from the given latents' shape, else the model's default size;
     * given latents must then have exactly the shape this needs.
     */
    static Plan of(StableDiffusion model, GenerationOptions o) {
        int f = model.vaeScaleFactor();
        int channels = model.unet().config().inChannels();
        Latents given = o.latents();
        long[] gs = given == null ? null : given.shape();
        int w = o.width();
        int h = o.height();
        int b = o.batch();
        if (gs != null) {
            if (gs[1] != channels) {
                throw new IllegalArgumentException(given.name() + ": latents have " + gs[1] + " channels, the model needs "
                        + channels);
            }
            if (w == 0 && h == 0) {
                h = (int) gs[2] * f;
                w = (int) gs[3] * f;
            }
            if (b == 1) {
                b = (int) gs[0];
            }
        }
        if (o.init() != null && w == 0 && h == 0) {   // image-to-image: the picture's size, down to a multiple of f
            w = Math.max(f, o.init().image().width() / f * f);
            h = Math.max(f, o.init().image().height() / f * f);
        }
        w = w > 0 ? w : model.defaultSize();
        h = h > 0 ? h : model.defaultSize();
        if (w % f != 0 || h % f != 0) {
            throw new IllegalArgumentException("width and height must be multiples of " + f + ", got " + w + "x" + h);
        }
        Shape shape = new Shape(b, channels, h / f, w / f);
        if (gs != null && !Arrays.equals(gs, shape.getShape())) {
            throw new IllegalArgumentException(given.name() + ": latents of shape " + Arrays.toString(gs) + " do not fit "
                    + w + "x" + h + ", batch " + b + " (that needs " + Arrays.toString(shape.getShape()) + ")");
        }
        if (given != null) {
            int bad = 0;
            for (float v : given.values()) {
                bad += Float.isFinite(v) ? 0 : 1;
            }
            if (bad > 0) {
                throw new IllegalArgumentException(given.name() + ": " + bad + " of " + given.values().length
                        + " latent values are not finite (NaN or infinity)");
            }
        }
        if (given != null && given.values().length != shape.size()) {
            throw new IllegalArgumentException("initial latents have " + given.values().length + " values but " + shape
                    + " (batch x channels x height/" + f + " x width/" + f + ") is needed for " + w + "x" + h
                    + ", batch " + b);
        }
        long seed = o.seed() >= 0 ? o.seed() : GenerationOptions.randomSeed();
        JsonObject givenConfig = o.schedulerConfigJson();
        JsonObject folder = givenConfig != null ? givenConfig : model.schedulerConfig();
        String name = o.scheduler() != null ? o.scheduler() : Json.getString(folder, "_class_name", "PNDMScheduler");
        Scheduler s = Schedulers.create(name, folder);
        if (o.eta() != 0) {
            if (!(s instanceof DdimScheduler)) {
                s.close();
                throw new IllegalArgumentException("eta applies to the DDIM scheduler only, not " + s.displayName());
            }
            ((DdimScheduler) s).setEta(o.eta());
        }
        s.setTimesteps(o.steps());
        int begin = o.init() == null ? 0 : s.beginIndex(o.init().strength());
        return new Plan(w, h, b, seed, s, shape, given == null ? null : given.values(), begin);
    }

    /** Given latents or fresh noise, times init_noise_sigma. */
    NDArray initialLatents(NDManager m) {
        NDArray x = givenLatents != null ? m.create(givenLatents, latentShape) : noise.randn(m, latentShape);
        double sigma = scheduler.initNoiseSigma();
        return sigma == 1.0 ? x : x.mul((float) sigma);
    }

    long[] seeds() {
        long[] s = new long[batch];
        for (int i = 0; i < batch; i++) {
            s[i] = seed + i;
        }
        return s;
    }

    @Override
    public void close() {
        scheduler.close();
    }
}
