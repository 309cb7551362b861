package dev.moa.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import dev.moa.io.Json;
import dev.moa.schedulers.DdimScheduler;
import dev.moa.schedulers.Scheduler;
import dev.moa.schedulers.Schedulers;
import dev.moa.tensor.BatchNoise;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/** Text-to-image sampling as diffusers' StableDiffusionPipeline does it (same seed, same image). */
public final class Text2Image {
    private final StableDiffusion model;

    public Text2Image(StableDiffusion model) {
        this.model = model;
    }

    public GenerationResult generate(GenerationOptions o) {
        return generate(o, ProgressListener.NONE, Cancellation.NEVER);
    }

    public GenerationResult generate(GenerationOptions o, ProgressListener progress, Cancellation cancel) {
        List<String> warnings = new ArrayList<>();
        try (Plan plan = Plan.of(model, o); NDManager gen = model.manager().newSubManager()) {
            NDArray context = promptContext(o, plan.batch, gen, warnings);
            NDArray latents = plan.initialLatents(gen);
            GuidedUNet denoiser = new GuidedUNet(model.unet(), context, o.guidance(), null);
            NDArray fin = Sampler.sample(plan.scheduler, latents, denoiser, plan.noise, progress, cancel);
            cancel.check();
            progress.onProgress(0, 1, "decoding");
            List<float[]> images = model.decodeToImages(fin);
            progress.onProgress(1, 1, "decoding");
            return plan.result(images, fin, o, warnings);
        }
    }

    /** [negative x B; prompt x B] when guidance is on, else prompt x B. */
    private NDArray promptContext(GenerationOptions o, int batch, NDManager m, List<String> warnings) {
        NDArray cond = model.encodePrompt(o.prompt(), o.clipSkip(), m, warnings);
        NDList parts = new NDList();
        if (GuidedUNet.usesGuidance(o.guidance())) {
            NDArray uncond = model.encodePrompt(o.negativePrompt(), o.clipSkip(), m, warnings);
            for (int i = 0; i < batch; i++) {
                parts.add(uncond);
            }
        }
        for (int i = 0; i < batch; i++) {
            parts.add(cond);
        }
        return parts.size() == 1 ? cond : NDArrays.concat(parts, 0);
    }

    /** The checked settings of one call: size, seed, scheduler, latent shape. Shared with MoA generation. */
    public static final class Plan implements AutoCloseable {
        public final int width;
        public final int height;
        public final int batch;
        public final long seed;
        public final Scheduler scheduler;
        public final BatchNoise noise;
        public final Shape latentShape;
        private final float[] givenLatents;

        private Plan(int width, int height, int batch, long seed, Scheduler scheduler, Shape latentShape, float[] given) {
            this.width = width;
            this.height = height;
            this.batch = batch;
            this.seed = seed;
            this.scheduler = scheduler;
            this.noise = new BatchNoise(seed, batch);
            this.latentShape = latentShape;
            this.givenLatents = given;
        }

        public static Plan of(StableDiffusion model, GenerationOptions o) {
            int f = model.vaeScaleFactor();
            int w = o.width() > 0 ? o.width() : model.defaultSize();
            int h = o.height() > 0 ? o.height() : model.defaultSize();
            if (w % f != 0 || h % f != 0) {
                throw new IllegalArgumentException("width and height must be multiples of " + f + ", got " + w + "x" + h);
            }
            long seed = o.seed() >= 0 ? o.seed() : randomSeed();
            JsonObject folder = o.schedulerConfig() != null ? o.schedulerConfig() : model.schedulerConfig();
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
            int channels = model.unet().config().inChannels();
            Shape shape = new Shape(o.batch(), channels, h / f, w / f);
            float[] given = o.latents();
            if (given != null && given.length != shape.size()) {
                s.close();
                throw new IllegalArgumentException("initial latents have " + given.length + " values but " + shape
                        + " (batch x channels x height/" + f + " x width/" + f + ") is needed for " + w + "x" + h
                        + ", batch " + o.batch());
            }
            return new Plan(w, h, o.batch(), seed, s, shape, given);
        }

        /** Seeds as A1111 shows them: below 2^32. */
        public static long randomSeed() {
            return new SecureRandom().nextLong() & 0xffffffffL;
        }

        /** Given latents or fresh noise, times init_noise_sigma. */
        public NDArray initialLatents(NDManager m) {
            NDArray x = givenLatents != null ? m.create(givenLatents, latentShape) : noise.randn(m, latentShape);
            double sigma = scheduler.initNoiseSigma();
            return sigma == 1.0 ? x : x.mul((float) sigma);
        }

        public long[] seeds() {
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

        public GenerationResult result(List<float[]> images, NDArray fin, GenerationOptions o, List<String> warnings) {
            return new GenerationResult(images, width, height, seeds(), fin.toFloatArray(), fin.getShape().getShape(),
                    scheduler.displayName(), o, warnings);
        }
    }
}
