package dev.moa.schedulers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;

/**
 * The DDPM forward process for training, as diffusers' {@code DDPMScheduler.add_noise} / {@code get_velocity}:
 * {@code x_t = sqrt(ac_t) x0 + sqrt(1 - ac_t) noise} and the v-prediction target
 * {@code v = sqrt(ac_t) noise - sqrt(1 - ac_t) x0}, one training timestep per batch item.
 */
public final class DdpmNoise {

    private final SchedulerConfig config;
    private final float[] alphasCumprod;

    public DdpmNoise(SchedulerConfig config) {
        if (config.kind() != SchedulerKind.DDPM) {
            throw new IllegalArgumentException("expected a DDPMScheduler config, got " + config.className());
        }
        this.config = config;
        this.alphasCumprod = NoiseSchedule.alphasCumprod(config);
    }

    /** Like {@code DDPMScheduler.from_pretrained(model, subfolder="scheduler")} on a folder's config. */
    public static DdpmNoise fromConfig(JsonObject schedulerConfig) {
        return new DdpmNoise(SchedulerConfig.fromConfig(SchedulerKind.DDPM, schedulerConfig));
    }

    public SchedulerConfig config() {
        return config;
    }

    public int numTrainTimesteps() {
        return alphasCumprod.length;
    }

    /** alphas_cumprod (float32 values, as diffusers holds them), a copy. */
    public float[] alphasCumprod() {
        return alphasCumprod.clone();
    }

    /** The prediction type the model is trained for (the training target: noise, velocity or x0). */
    public String predictionType() {
        return config.predictionType();
    }

    /** Noisy samples at the given timesteps (one per batch item). */
    public NDArray addNoise(NDArray x0, NDArray noise, int[] timesteps) {
        try (NDArray a = coefficient(x0, timesteps, false); NDArray b = coefficient(x0, timesteps, true)) {
            try (NDArray ax = x0.mul(a); NDArray bn = noise.mul(b)) {
                return ax.add(bn);
            }
        }
    }

    /** The v-prediction target at the given timesteps. */
    public NDArray velocity(NDArray x0, NDArray noise, int[] timesteps) {
        try (NDArray a = coefficient(x0, timesteps, false); NDArray b = coefficient(x0, timesteps, true)) {
            try (NDArray an = noise.mul(a); NDArray bx = x0.mul(b)) {
                return an.sub(bx);
            }
        }
    }

    /** The training target for the configured prediction type. */
    public NDArray target(NDArray x0, NDArray noise, int[] timesteps) {
        return switch (config.predictionType()) {
            case "epsilon" -> noise.duplicate();
            case "v_prediction" -> velocity(x0, noise, timesteps);
            case "sample" -> x0.duplicate();
            default -> throw new IllegalArgumentException("unknown prediction_type " + config.predictionType());
        };
    }

    /** sqrt(ac_t) (or sqrt(1 - ac_t)) per batch item, shaped (B, 1, ..., 1) like {@code like}. */
    private NDArray coefficient(NDArray like, int[] timesteps, boolean noisePart) {
        float[] c = new float[timesteps.length];
        for (int i = 0; i < c.length; i++) {
            int t = timesteps[i];
            if (t < 0 || t >= alphasCumprod.length) {
                throw new IndexOutOfBoundsException("timestep " + t + " outside 0.." + (alphasCumprod.length - 1));
            }
            float a = alphasCumprod[t];
            c[i] = (float) Math.sqrt(noisePart ? 1f - a : a);
        }
        long[] shape = new long[Math.max(like.getShape().dimension(), 1)];
        java.util.Arrays.fill(shape, 1);
        shape[0] = c.length;
        NDArray arr = like.getManager().create(c, new Shape(shape));
        if (!arr.getDevice().equals(like.getDevice())) {
            NDArray moved = arr.toDevice(like.getDevice(), false);
            arr.close();
            arr = moved;
        }
        if (arr.getDataType() != like.getDataType()) {
            NDArray cast = arr.toType(like.getDataType(), false);
            arr.close();
            arr = cast;
        }
        return arr;
    }
}
