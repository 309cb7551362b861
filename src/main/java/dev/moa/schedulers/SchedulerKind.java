package dev.moa.schedulers;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.util.Locale;

/**
 * The diffusers scheduler classes implemented here, each with the keyword arguments of its {@code __init__} and
 * their defaults (diffusers 0.40). {@link SchedulerConfig#fromConfig} takes exactly these keys from a config.
 */
public enum SchedulerKind {
    DDIM("DDIMScheduler"),
    DDIM_INVERSE("DDIMInverseScheduler"),
    PNDM("PNDMScheduler"),
    EULER("EulerDiscreteScheduler"),
    EULER_ANCESTRAL("EulerAncestralDiscreteScheduler"),
    DPM_SOLVER_MULTISTEP("DPMSolverMultistepScheduler"),
    LMS("LMSDiscreteScheduler"),
    UNIPC("UniPCMultistepScheduler"),
    HEUN("HeunDiscreteScheduler"),
    DDPM("DDPMScheduler");

    private final String className;

    SchedulerKind(String className) {
        this.className = className;
    }

    /** The diffusers class name, as in {@code _class_name}. */
    public String className() {
        return className;
    }

    /** The kind for a diffusers class name, or null when it is not one of these. */
    public static SchedulerKind forClassName(String name) {
        for (SchedulerKind k : values()) {
            if (k.className.equals(name)) {
                return k;
            }
        }
        return null;
    }

    /** A fresh copy of the class's init keys with their default values. */
    public JsonObject defaults() {
        JsonObject d = new JsonObject();
        // common to every class, with the class default for beta_start / beta_end (Heun differs)
        put(d, "num_train_timesteps", 1000);
        put(d, "beta_start", this == HEUN ? 0.00085 : 0.0001);
        put(d, "beta_end", this == HEUN ? 0.012 : 0.02);
        put(d, "beta_schedule", "linear");
        d.add("trained_betas", JsonNull.INSTANCE);
        switch (this) {
            case DDIM -> {
                put(d, "clip_sample", true);
                put(d, "set_alpha_to_one", true);
                put(d, "steps_offset", 0);
                put(d, "prediction_type", "epsilon");
                thresholding(d);
                put(d, "clip_sample_range", 1.0);
                put(d, "timestep_spacing", "leading");
                put(d, "rescale_betas_zero_snr", false);
            }
            case DDIM_INVERSE -> {
                put(d, "clip_sample", true);
                put(d, "set_alpha_to_one", true);
                put(d, "steps_offset", 0);
                put(d, "prediction_type", "epsilon");
                put(d, "clip_sample_range", 1.0);
                put(d, "timestep_spacing", "leading");
                put(d, "rescale_betas_zero_snr", false);
            }
            case PNDM -> {
                put(d, "skip_prk_steps", false);
                put(d, "set_alpha_to_one", false);
                put(d, "prediction_type", "epsilon");
                put(d, "timestep_spacing", "leading");
                put(d, "steps_offset", 0);
            }
            case EULER -> {
                put(d, "prediction_type", "epsilon");
                put(d, "interpolation_type", "linear");
                sigmaSchedules(d);
                d.add("sigma_min", JsonNull.INSTANCE);
                d.add("sigma_max", JsonNull.INSTANCE);
                put(d, "timestep_spacing", "linspace");
                put(d, "timestep_type", "discrete");
                put(d, "steps_offset", 0);
                put(d, "rescale_betas_zero_snr", false);
                put(d, "final_sigmas_type", "zero");
            }
            case EULER_ANCESTRAL -> {
                put(d, "prediction_type", "epsilon");
                put(d, "timestep_spacing", "linspace");
                put(d, "steps_offset", 0);
                put(d, "rescale_betas_zero_snr", false);
            }
            case DPM_SOLVER_MULTISTEP -> {
                put(d, "solver_order", 2);
                put(d, "prediction_type", "epsilon");
                put(d, "thresholding", false);
                put(d, "dynamic_thresholding_ratio", 0.995);
                put(d, "sample_max_value", 1.0);
                put(d, "algorithm_type", "dpmsolver++");
                put(d, "solver_type", "midpoint");
                put(d, "lower_order_final", true);
                put(d, "euler_at_final", false);
                sigmaSchedules(d);
                put(d, "use_lu_lambdas", false);
                put(d, "use_flow_sigmas", false);
                put(d, "flow_shift", 1.0);
                put(d, "final_sigmas_type", "zero");
                put(d, "lambda_min_clipped", Double.NEGATIVE_INFINITY);
                d.add("variance_type", JsonNull.INSTANCE);
                put(d, "timestep_spacing", "linspace");
                put(d, "steps_offset", 0);
                put(d, "rescale_betas_zero_snr", false);
                put(d, "use_dynamic_shifting", false);
                put(d, "time_shift_type", "exponential");
            }
            case LMS -> {
                sigmaSchedules(d);
                put(d, "prediction_type", "epsilon");
                put(d, "timestep_spacing", "linspace");
                put(d, "steps_offset", 0);
            }
            case UNIPC -> {
                put(d, "solver_order", 2);
                put(d, "prediction_type", "epsilon");
                put(d, "thresholding", false);
                put(d, "dynamic_thresholding_ratio", 0.995);
                put(d, "sample_max_value", 1.0);
                put(d, "predict_x0", true);
                put(d, "solver_type", "bh2");
                put(d, "lower_order_final", true);
                d.add("disable_corrector", new JsonArray());
                d.add("solver_p", JsonNull.INSTANCE);
                sigmaSchedules(d);
                put(d, "use_flow_sigmas", false);
                put(d, "flow_shift", 1.0);
                put(d, "timestep_spacing", "linspace");
                put(d, "steps_offset", 0);
                put(d, "final_sigmas_type", "zero");
                put(d, "rescale_betas_zero_snr", false);
                put(d, "use_dynamic_shifting", false);
                put(d, "time_shift_type", "exponential");
                d.add("sigma_min", JsonNull.INSTANCE);
                d.add("sigma_max", JsonNull.INSTANCE);
                d.add("shift_terminal", JsonNull.INSTANCE);
            }
            case HEUN -> {
                put(d, "prediction_type", "epsilon");
                sigmaSchedules(d);
                put(d, "clip_sample", false);
                put(d, "clip_sample_range", 1.0);
                put(d, "timestep_spacing", "linspace");
                put(d, "steps_offset", 0);
            }
            case DDPM -> {
                put(d, "variance_type", "fixed_small");
                put(d, "clip_sample", true);
                put(d, "prediction_type", "epsilon");
                thresholding(d);
                put(d, "clip_sample_range", 1.0);
                put(d, "timestep_spacing", "leading");
                put(d, "steps_offset", 0);
                put(d, "rescale_betas_zero_snr", false);
            }
            default -> throw new AssertionError(this);
        }
        return d;
    }

    private static void thresholding(JsonObject d) {
        put(d, "thresholding", false);
        put(d, "dynamic_thresholding_ratio", 0.995);
        put(d, "sample_max_value", 1.0);
    }

    private static void sigmaSchedules(JsonObject d) {
        put(d, "use_karras_sigmas", false);
        put(d, "use_exponential_sigmas", false);
        put(d, "use_beta_sigmas", false);
    }

    private static void put(JsonObject d, String key, Object value) {
        if (value instanceof String s) {
            d.add(key, new JsonPrimitive(s));
        } else if (value instanceof Boolean b) {
            d.add(key, new JsonPrimitive(b));
        } else {
            d.add(key, new JsonPrimitive((Number) value));
        }
    }

    @Override
    public String toString() {
        return className + " (" + name().toLowerCase(Locale.ROOT) + ")";
    }
}
