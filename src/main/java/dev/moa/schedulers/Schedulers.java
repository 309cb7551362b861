package dev.moa.schedulers;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Creates schedulers by CLI name ({@code ddim}, {@code pndm}, {@code euler}, {@code euler-a}, {@code dpm++2m},
 * {@code dpm++2m-karras}, {@code lms}, {@code unipc}, {@code heun}, {@code ddim-inverse}) or A1111 display name
 * ("DDIM", "PLMS", "Euler", "Euler a", "DPM++ 2M", "DPM++ 2M Karras", "LMS", "UniPC", "Heun"),
 * case-insensitively, from a model folder's {@code scheduler_config.json}.
 *
 * <p>The config is read as a diffusers StableDiffusionPipeline would see it: when the requested class is the
 * folder's own class, it is the pipeline's scheduler (class defaults for absent keys, then the pipeline's fixes
 * {@code steps_offset = 1} and {@code clip_sample = false}); for another class it is
 * {@code OtherScheduler.from_config(pipe.scheduler.config)}: only keys present in the file (with those fixes)
 * carry over, everything else gets the new class's defaults (e.g. a DDIM folder with no timestep_spacing gives
 * Euler "linspace", and one that says "leading" gives Euler "leading").
 */
public final class Schedulers {
    private Schedulers() {}

    private record Entry(String cli, String display, SchedulerKind kind, JsonObject overrides) {}

    private static final Map<String, Entry> BY_CLI = new LinkedHashMap<>();
    private static final Map<String, String> ALIASES = new LinkedHashMap<>();

    static {
        add("ddim", "DDIM", SchedulerKind.DDIM, null, "ddim");
        add("pndm", "PLMS", SchedulerKind.PNDM, null, "pndm", "plms");
        add("euler", "Euler", SchedulerKind.EULER, null, "euler");
        add("euler-a", "Euler a", SchedulerKind.EULER_ANCESTRAL, null, "eulera", "eulerancestral");
        add("dpm++2m", "DPM++ 2M", SchedulerKind.DPM_SOLVER_MULTISTEP, dpmOverrides(false), "dpm++2m");
        add("dpm++2m-karras", "DPM++ 2M Karras", SchedulerKind.DPM_SOLVER_MULTISTEP, dpmOverrides(true),
                "dpm++2mkarras");
        add("lms", "LMS", SchedulerKind.LMS, null, "lms");
        add("unipc", "UniPC", SchedulerKind.UNIPC, null, "unipc");
        add("heun", "Heun", SchedulerKind.HEUN, null, "heun");
        add("ddim-inverse", "DDIM Inverse", SchedulerKind.DDIM_INVERSE, null, "ddiminverse");
    }

    private static void add(String cli, String display, SchedulerKind kind, JsonObject overrides, String... keys) {
        BY_CLI.put(cli, new Entry(cli, display, kind, overrides));
        for (String k : keys) {
            ALIASES.put(k, cli);
        }
    }

    /** The names say which DPM-Solver variant they are, whatever the folder's config says. */
    private static JsonObject dpmOverrides(boolean karras) {
        JsonObject o = new JsonObject();
        o.addProperty("algorithm_type", "dpmsolver++");
        o.addProperty("solver_order", 2);
        o.addProperty("use_karras_sigmas", karras);
        o.addProperty("use_exponential_sigmas", false);
        o.addProperty("use_beta_sigmas", false);
        o.addProperty("use_lu_lambdas", false);
        return o;
    }

    /** The CLI names, in a stable order. */
    public static List<String> names() {
        return List.copyOf(BY_CLI.keySet());
    }

    /** The A1111 display names, in the order of {@link #names()}. */
    public static List<String> displayNames() {
        return BY_CLI.values().stream().map(Entry::display).toList();
    }

    /** The CLI name for a CLI or display name (any case); throws for unknown names, listing the valid ones. */
    public static String cliName(String name) {
        if (name == null) {
            throw unknown("null");
        }
        String key = name.trim().toLowerCase(Locale.ROOT).replace("dpmpp", "dpm++").replaceAll("[\\s_\\-]", "");
        String cli = ALIASES.get(key);
        if (cli == null) {
            throw unknown(name);
        }
        return cli;
    }

    /** The A1111 display name for a CLI or display name. */
    public static String displayName(String name) {
        return BY_CLI.get(cliName(name)).display();
    }

    private static IllegalArgumentException unknown(String name) {
        return new IllegalArgumentException("unknown scheduler '" + name + "'; valid names: "
                + String.join(", ", names()) + " (or " + String.join(", ", displayNames()) + ")");
    }

    /** The kind for a diffusers class name such as "EulerDiscreteScheduler", or null. */
    public static SchedulerKind byClassName(String name) {
        for (SchedulerKind k : SchedulerKind.values()) {
            if (k != SchedulerKind.DDPM && k.className().equals(name == null ? null : name.trim())) {
                return k;
            }
        }
        return null;
    }

    /** The diffusers class a name stands for. */
    public static SchedulerKind kind(String name) {
        return BY_CLI.get(cliName(name)).kind();
    }

    /** A scheduler for a name on a model folder's scheduler config (see the class comment); null = defaults. */
    public static Scheduler create(String name, JsonObject modelSchedulerConfig) {
        return create(config(name, modelSchedulerConfig));
    }

    /** The effective config a name gets on a model folder's scheduler config. */
    public static SchedulerConfig config(String name, JsonObject modelSchedulerConfig) {
        SchedulerKind byClass = byClassName(name);
        if (byClass != null) {
            // a diffusers class name (as in scheduler_config.json): that class, no name-implied overrides
            return pipelineConfig(byClass, modelSchedulerConfig, null);
        }
        Entry e = BY_CLI.get(cliName(name));
        return pipelineConfig(e.kind(), modelSchedulerConfig, e.overrides());
    }

    /**
     * The config of class {@code kind} as a StableDiffusionPipeline built on a folder with this scheduler
     * config sees it (see the class comment), with optional overrides.
     */
    public static SchedulerConfig pipelineConfig(SchedulerKind kind, JsonObject folderConfig, JsonObject overrides) {
        JsonObject source = folderConfig == null ? new JsonObject() : folderConfig.deepCopy();
        String folderClass = source.has("_class_name") && source.get("_class_name").isJsonPrimitive()
                ? source.get("_class_name").getAsString() : null;
        if (kind.className().equals(folderClass)) {
            // the pipeline's own scheduler: its config is complete, so the fixes apply to defaults too
            SchedulerConfig c = SchedulerConfig.fromConfig(kind, source, null);
            JsonObject fixes = new JsonObject();
            if (c.has("steps_offset") && c.stepsOffset() != 1) {
                fixes.addProperty("steps_offset", 1);
            }
            if (c.has("clip_sample") && c.bool("clip_sample")) {
                fixes.addProperty("clip_sample", false);
            }
            if (overrides != null) {
                overrides.entrySet().forEach(en -> fixes.add(en.getKey(), en.getValue()));
            }
            return SchedulerConfig.fromConfig(kind, c.toJson(), fixes);
        }
        // from_config(pipe.scheduler.config): keys absent from the file were defaults of the folder's class and
        // are dropped (diffusers' _use_default_values); present ones carry the pipeline's fixes
        if (source.has("steps_offset") && isNumber(source.get("steps_offset"))
                && source.get("steps_offset").getAsDouble() != 1) {
            source.addProperty("steps_offset", 1);
        }
        if (source.has("clip_sample") && source.get("clip_sample").isJsonPrimitive()
                && source.get("clip_sample").getAsJsonPrimitive().isBoolean() && source.get("clip_sample").getAsBoolean()) {
            source.addProperty("clip_sample", false);
        }
        return SchedulerConfig.fromConfig(kind, source, overrides);
    }

    /** A scheduler for an explicit config (e.g. one listed by a reference run). */
    public static Scheduler create(SchedulerConfig config) {
        return switch (config.kind()) {
            case DDIM -> new DdimScheduler(config);
            case DDIM_INVERSE -> new DdimInverseScheduler(config);
            case PNDM -> new PndmScheduler(config);
            case EULER -> new EulerScheduler(config);
            case EULER_ANCESTRAL -> new EulerAncestralScheduler(config);
            case DPM_SOLVER_MULTISTEP -> new DpmSolverMultistepScheduler(config);
            case LMS -> new LmsScheduler(config);
            case UNIPC -> new UniPcScheduler(config);
            case HEUN -> new HeunScheduler(config);
            case DDPM -> throw new IllegalArgumentException("DDPMScheduler is for training: use DdpmNoise");
        };
    }

    private static boolean isNumber(com.google.gson.JsonElement e) {
        return e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber();
    }

    /** A scheduler of a diffusers class for a config that names it in {@code _class_name}, as from_pretrained. */
    public static Scheduler fromPretrainedConfig(JsonObject schedulerConfig) {
        String cls = schedulerConfig.has("_class_name") && schedulerConfig.get("_class_name").isJsonPrimitive()
                ? schedulerConfig.get("_class_name").getAsString() : null;
        SchedulerKind kind = SchedulerKind.forClassName(cls);
        if (kind == null) {
            throw new IllegalArgumentException("unsupported scheduler class " + cls);
        }
        return create(pipelineConfig(kind, schedulerConfig, null));
    }

    /**
     * The scheduler config published with Stable Diffusion 1.5 (PNDM / PLMS, scaled-linear betas), for
     * checkpoints that come without one (single-file checkpoints).
     */
    public static JsonObject sd15Config() {
        return JsonParser.parseString("""
                {
                  "_class_name": "PNDMScheduler",
                  "_diffusers_version": "0.6.0",
                  "beta_end": 0.012,
                  "beta_schedule": "scaled_linear",
                  "beta_start": 0.00085,
                  "num_train_timesteps": 1000,
                  "set_alpha_to_one": false,
                  "skip_prk_steps": true,
                  "steps_offset": 1,
                  "trained_betas": null,
                  "clip_sample": false
                }""").getAsJsonObject();
    }
}
