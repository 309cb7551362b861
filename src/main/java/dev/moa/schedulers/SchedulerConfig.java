package dev.moa.schedulers;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The effective configuration of one scheduler: the init keys of its diffusers class, each taken from a given
 * {@code scheduler_config.json} when present there and from the class defaults otherwise. This is what
 * diffusers' {@code SomeScheduler.from_config(config)} does: keys of other classes are ignored (so a DDIM
 * folder config gives an Euler scheduler with Euler's defaults for everything DDIM does not also have), and
 * keys listed in {@code _use_default_values} count as absent. Immutable.
 */
public final class SchedulerConfig {

    private final SchedulerKind kind;
    private final JsonObject values;

    private SchedulerConfig(SchedulerKind kind, JsonObject values) {
        this.kind = kind;
        this.values = values;
    }

    /** The class defaults, like {@code SomeScheduler()}. */
    public static SchedulerConfig defaults(SchedulerKind kind) {
        return fromConfig(kind, null, null);
    }

    /** Like {@code SomeScheduler.from_config(source)}; {@code source} may be null (all defaults). */
    public static SchedulerConfig fromConfig(SchedulerKind kind, JsonObject source) {
        return fromConfig(kind, source, null);
    }

    /**
     * Like {@code SomeScheduler.from_config(source, **overrides)}: overrides win over the source, the source
     * over the class defaults. Only the class's own keys are read; an override for a key the class does not
     * have is an error.
     */
    public static SchedulerConfig fromConfig(SchedulerKind kind, JsonObject source, JsonObject overrides) {
        JsonObject values = kind.defaults();
        if (source != null) {
            // diffusers records which keys were defaulted when the source scheduler was built; from_config
            // treats them as absent so that the target class gets its own defaults
            Set<String> defaulted = new HashSet<>();
            JsonElement used = source.get("_use_default_values");
            if (used != null && used.isJsonArray()) {
                for (JsonElement e : used.getAsJsonArray()) {
                    if (e.isJsonPrimitive()) {
                        defaulted.add(e.getAsString());
                    }
                }
            }
            for (Map.Entry<String, JsonElement> e : source.entrySet()) {
                if (values.has(e.getKey()) && !defaulted.contains(e.getKey())) {
                    checkKind(kind, e.getKey(), values.get(e.getKey()), e.getValue());
                    values.add(e.getKey(), e.getValue().deepCopy());
                }
            }
        }
        if (overrides != null) {
            for (Map.Entry<String, JsonElement> e : overrides.entrySet()) {
                if (!values.has(e.getKey())) {
                    throw new IllegalArgumentException(kind.className() + " has no config key " + e.getKey());
                }
                values.add(e.getKey(), e.getValue().deepCopy());
            }
        }
        normalize(kind, values);
        return new SchedulerConfig(kind, values);
    }

    /**
     * A value of the kind the class's default has (a boolean for a boolean, a number or a numeric string such as
     * "-Infinity" for a number, a string for a string, an array for an array); null is allowed everywhere, as in
     * diffusers. Anything else is refused here, naming the key, instead of failing later inside a scheduler.
     */
    private static void checkKind(SchedulerKind kind, String key, JsonElement dflt, JsonElement v) {
        if (v.isJsonNull() || dflt == null || dflt.isJsonNull()) {
            return;
        }
        boolean ok;
        String expected;
        if (dflt.isJsonArray()) {
            ok = v.isJsonArray();
            expected = "an array";
        } else if (dflt.isJsonPrimitive() && dflt.getAsJsonPrimitive().isBoolean()) {
            ok = v.isJsonPrimitive() && v.getAsJsonPrimitive().isBoolean();
            expected = "true or false";
        } else if (dflt.isJsonPrimitive() && dflt.getAsJsonPrimitive().isNumber()) {
            ok = v.isJsonPrimitive() && (v.getAsJsonPrimitive().isNumber() || isNumber(v.getAsString()));
            expected = "a number";
        } else if (dflt.isJsonPrimitive() && dflt.getAsJsonPrimitive().isString()) {
            ok = v.isJsonPrimitive() && v.getAsJsonPrimitive().isString();
            expected = "a string";
        } else {
            ok = true;
            expected = "";
        }
        if (!ok) {
            throw wrong(kind, key, expected, v);
        }
    }

    private static boolean isNumber(String s) {
        try {
            Double.parseDouble(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** A string value, or "" when it is null or not a string (the typed getters report those later). */
    private static String text(JsonObject v, String key) {
        JsonElement e = v.get(key);
        return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString() ? e.getAsString() : "";
    }

    /** What the classes' __init__ rewrite in their registered config. */
    private static void normalize(SchedulerKind kind, JsonObject v) {
        if (kind == SchedulerKind.DPM_SOLVER_MULTISTEP) {
            String algo = text(v, "algorithm_type");
            if (algo.equals("deis")) {
                v.addProperty("algorithm_type", "dpmsolver++");
            }
            String solver = text(v, "solver_type");
            if (solver.equals("logrho") || solver.equals("bh1") || solver.equals("bh2")) {
                v.addProperty("solver_type", "midpoint");
            }
        } else if (kind == SchedulerKind.UNIPC) {
            String solver = text(v, "solver_type");
            if (solver.equals("midpoint") || solver.equals("heun") || solver.equals("logrho")) {
                v.addProperty("solver_type", "bh2");
            }
        }
    }

    /** A copy with one key changed (the key must belong to the class). */
    public SchedulerConfig with(String key, Object value) {
        JsonObject o = new JsonObject();
        if (value == null) {
            o.add(key, JsonNull.INSTANCE);
        } else if (value instanceof JsonElement je) {
            o.add(key, je);
        } else if (value instanceof String s) {
            o.addProperty(key, s);
        } else if (value instanceof Boolean b) {
            o.addProperty(key, b);
        } else {
            o.addProperty(key, (Number) value);
        }
        return fromConfig(kind, values, o);
    }

    public SchedulerKind kind() {
        return kind;
    }

    public String className() {
        return kind.className();
    }

    /** The config as diffusers would list it: the class keys plus {@code _class_name}. */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("_class_name", kind.className());
        for (Map.Entry<String, JsonElement> e : values.entrySet()) {
            o.add(e.getKey(), e.getValue().deepCopy());
        }
        return o;
    }

    public boolean has(String key) {
        return values.has(key);
    }

    /** The raw value of a class key; throws for keys the class does not have. */
    public JsonElement get(String key) {
        JsonElement e = values.get(key);
        if (e == null) {
            throw new IllegalArgumentException(kind.className() + " has no config key " + key);
        }
        return e;
    }

    public boolean isNull(String key) {
        return get(key).isJsonNull();
    }

    public boolean bool(String key) {
        JsonElement e = get(key);
        if (!(e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean())) {
            throw wrong(key, "true or false", e);
        }
        return e.getAsBoolean();
    }

    private IllegalArgumentException wrong(String key, String expected, JsonElement e) {
        return wrong(kind, key, expected, e);
    }

    private static IllegalArgumentException wrong(SchedulerKind kind, String key, String expected, JsonElement e) {
        String got = e.toString();
        return new IllegalArgumentException("scheduler config '" + key + "' (" + kind.className() + "): expected "
                + expected + ", got " + (got.length() > 40 ? got.substring(0, 37) + "..." : got));
    }

    /** A boolean key, or {@code fallback} for classes that do not have it. */
    public boolean bool(String key, boolean fallback) {
        return has(key) && !isNull(key) ? bool(key) : fallback;
    }

    public double dbl(String key) {
        JsonElement e = get(key);
        if (!e.isJsonPrimitive() || e.getAsJsonPrimitive().isBoolean()) {
            throw wrong(key, "a number", e);
        }
        JsonPrimitive p = e.getAsJsonPrimitive();
        // JSON has no infinity; diffusers writes -Infinity (lenient) and some tools write it as a string
        try {
            return p.isString() ? Double.parseDouble(p.getAsString()) : p.getAsDouble();
        } catch (NumberFormatException x) {
            throw wrong(key, "a number", e);
        }
    }

    /** A number key that may be null; null when it is. */
    public Double optDouble(String key) {
        return has(key) && !isNull(key) ? dbl(key) : null;
    }

    public int integer(String key) {
        return (int) Math.round(dbl(key));
    }

    public String str(String key) {
        JsonElement e = get(key);
        if (!(e.isJsonPrimitive() && e.getAsJsonPrimitive().isString())) {
            throw wrong(key, "a string", e);
        }
        return e.getAsString();
    }

    /** A string key that may be null; null when it is (or when the class does not have it). */
    public String optString(String key) {
        return has(key) && !isNull(key) ? str(key) : null;
    }

    // ---- the common keys

    public int numTrainTimesteps() {
        double n = dbl("num_train_timesteps");
        if (!(n >= 1 && n <= 100_000)) {
            throw new IllegalArgumentException("scheduler config 'num_train_timesteps' must be between 1 and 100000, got "
                    + get("num_train_timesteps"));
        }
        return (int) Math.round(n);
    }

    public double betaStart() {
        return dbl("beta_start");
    }

    public double betaEnd() {
        return dbl("beta_end");
    }

    public String betaSchedule() {
        return str("beta_schedule");
    }

    /** {@code trained_betas}, or null. */
    public double[] trainedBetas() {
        if (isNull("trained_betas")) {
            return null;
        }
        JsonElement e = get("trained_betas");
        if (!e.isJsonArray()) {
            throw new IllegalArgumentException("scheduler config 'trained_betas': expected a list of numbers or null");
        }
        JsonArray a = e.getAsJsonArray();
        double[] b = new double[a.size()];
        for (int i = 0; i < b.length; i++) {
            JsonElement x = a.get(i);
            if (!(x.isJsonPrimitive() && x.getAsJsonPrimitive().isNumber())) {
                throw new IllegalArgumentException("scheduler config 'trained_betas[" + i + "]': expected a number");
            }
            b[i] = x.getAsDouble();
        }
        return b;
    }

    public String predictionType() {
        return str("prediction_type");
    }

    public String timestepSpacing() {
        return str("timestep_spacing");
    }

    public int stepsOffset() {
        return integer("steps_offset");
    }

    public boolean rescaleBetasZeroSnr() {
        return bool("rescale_betas_zero_snr", false);
    }

    public boolean useKarrasSigmas() {
        return bool("use_karras_sigmas", false);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SchedulerConfig c && c.kind == kind && c.values.equals(values);
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + values.hashCode();
    }

    @Override
    public String toString() {
        return toJson().toString();
    }
}
