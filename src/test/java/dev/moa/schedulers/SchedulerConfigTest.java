package dev.moa.schedulers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.moa.testing.Fixtures;
import java.nio.file.Files;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** diffusers' from_config semantics: class keys, class defaults, what carries over between classes. */
class SchedulerConfigTest {

    static JsonObject json(String fixture) throws Exception {
        return JsonParser.parseString(Files.readString(Fixtures.path(fixture))).getAsJsonObject();
    }

    private static Set<String> keys(JsonObject o) {
        Set<String> s = new TreeSet<>(o.keySet());
        s.remove("_class_name");
        return s;
    }

    @Test
    void everyReferenceConfigHasExactlyTheClassKeysAndRoundTrips() throws Exception {
        // schedulers.json lists each class's complete diffusers 0.40 config: same keys, same values
        for (Map.Entry<String, JsonElement> e : json("ref/schedulers.json").getAsJsonObject("cases").entrySet()) {
            JsonObject c = e.getValue().getAsJsonObject();
            SchedulerKind kind = SchedulerKind.forClassName(c.get("class").getAsString());
            JsonObject cfg = c.getAsJsonObject("config");
            SchedulerConfig sc = SchedulerConfig.fromConfig(kind, cfg);
            assertEquals(keys(cfg), keys(sc.toJson()), e.getKey() + " keys of " + kind.className());
            for (String k : cfg.keySet()) {
                assertEquals(cfg.get(k), sc.get(k), e.getKey() + "." + k);
            }
        }
    }

    @Test
    void pipelineRunConfigsKeepTheirClassKeys() throws Exception {
        // the reference pipeline runs list configs made with from_config; keys of other classes (here
        // DDIM's clip_sample / set_alpha_to_one kept as hidden entries) are not init keys of the class
        for (Map.Entry<String, JsonElement> e : json("ref/pipeline_tiny.json").entrySet()) {
            JsonObject run = e.getValue().getAsJsonObject();
            SchedulerKind kind = SchedulerKind.forClassName(run.get("scheduler").getAsString());
            JsonObject cfg = run.getAsJsonObject("scheduler_config");
            SchedulerConfig sc = SchedulerConfig.fromConfig(kind, cfg);
            for (String k : keys(sc.toJson())) {
                assertTrue(cfg.has(k), e.getKey() + " lacks " + k);
                assertEquals(cfg.get(k), sc.get(k), e.getKey() + "." + k);
            }
        }
    }

    @Test
    void ddimFolderConfigGivesEulerWithEulerDefaults() throws Exception {
        JsonObject ddim = json("models/tiny-sd/scheduler/scheduler_config.json");
        SchedulerConfig euler = SchedulerConfig.fromConfig(SchedulerKind.EULER, ddim);
        // present in the file: carried over
        assertEquals("scaled_linear", euler.betaSchedule());
        assertEquals(0.00085, euler.betaStart());
        assertEquals(1, euler.stepsOffset());
        assertEquals("leading", euler.timestepSpacing());
        // Euler's own keys the DDIM file does not have: Euler defaults
        assertEquals("linear", euler.str("interpolation_type"));
        assertEquals("zero", euler.str("final_sigmas_type"));
        assertEquals("discrete", euler.str("timestep_type"));
        assertFalse(euler.useKarrasSigmas());
        // DDIM-only keys are not part of an Euler config
        assertFalse(euler.has("clip_sample"));
        assertFalse(euler.has("set_alpha_to_one"));

        SchedulerConfig pndm = SchedulerConfig.fromConfig(SchedulerKind.PNDM, ddim);
        assertFalse(pndm.bool("skip_prk_steps"), "PNDM's default: PRK warm-up");
        assertFalse(pndm.bool("set_alpha_to_one"));
    }

    @Test
    void absentKeysGetTheTargetClassDefaults() {
        JsonObject sd15 = Schedulers.sd15Config();
        // no timestep_spacing in the SD 1.5 file: DDIM and PNDM default to leading, Euler and DPM to linspace
        assertEquals("linspace", SchedulerConfig.fromConfig(SchedulerKind.EULER, sd15).timestepSpacing());
        assertEquals("linspace", SchedulerConfig.fromConfig(SchedulerKind.DPM_SOLVER_MULTISTEP, sd15).timestepSpacing());
        assertEquals("leading", SchedulerConfig.fromConfig(SchedulerKind.DDIM, sd15).timestepSpacing());
        SchedulerConfig ddim = SchedulerConfig.fromConfig(SchedulerKind.DDIM, sd15);
        assertFalse(ddim.bool("clip_sample"));
        assertFalse(ddim.bool("set_alpha_to_one"));
        assertTrue(SchedulerConfig.defaults(SchedulerKind.DDIM).bool("clip_sample"));
        assertEquals(0.00085, SchedulerConfig.defaults(SchedulerKind.HEUN).betaStart(), "Heun's own defaults");
        assertEquals(0.0001, SchedulerConfig.defaults(SchedulerKind.EULER).betaStart());
    }

    @Test
    void useDefaultValuesCountAsAbsent() {
        JsonObject cfg = Schedulers.sd15Config();
        cfg.addProperty("timestep_spacing", "leading");
        com.google.gson.JsonArray used = new com.google.gson.JsonArray();
        used.add("timestep_spacing");
        cfg.add("_use_default_values", used);
        assertEquals("linspace", SchedulerConfig.fromConfig(SchedulerKind.EULER, cfg).timestepSpacing());
    }

    @Test
    void vPredictionCarriesOver() throws Exception {
        JsonObject sd2 = json("models/tiny-sd2/scheduler/scheduler_config.json");
        for (SchedulerKind k : new SchedulerKind[] {SchedulerKind.EULER, SchedulerKind.DPM_SOLVER_MULTISTEP, SchedulerKind.DDIM,
                SchedulerKind.UNIPC, SchedulerKind.HEUN, SchedulerKind.LMS, SchedulerKind.PNDM}) {
            assertEquals("v_prediction", SchedulerConfig.fromConfig(k, sd2).predictionType(), k.className());
        }
    }

    @Test
    void solverTypesAreNormalisedAsTheClassesDo() {
        JsonObject c = new JsonObject();
        c.addProperty("solver_type", "bh2");
        c.addProperty("algorithm_type", "deis");
        SchedulerConfig dpm = SchedulerConfig.fromConfig(SchedulerKind.DPM_SOLVER_MULTISTEP, c);
        assertEquals("midpoint", dpm.str("solver_type"));
        assertEquals("dpmsolver++", dpm.str("algorithm_type"));
        JsonObject u = new JsonObject();
        u.addProperty("solver_type", "midpoint");
        assertEquals("bh2", SchedulerConfig.fromConfig(SchedulerKind.UNIPC, u).str("solver_type"));
    }

    @Test
    void overridesMustBeClassKeys() {
        JsonObject o = new JsonObject();
        o.addProperty("use_karras_sigmas", true);
        assertTrue(SchedulerConfig.fromConfig(SchedulerKind.EULER, null, o).useKarrasSigmas());
        assertThrows(IllegalArgumentException.class, () -> SchedulerConfig.fromConfig(SchedulerKind.DDIM, null, o));
        assertThrows(IllegalArgumentException.class, () -> SchedulerConfig.defaults(SchedulerKind.DDIM).get("use_karras_sigmas"));
        assertEquals("trailing", SchedulerConfig.defaults(SchedulerKind.DDIM).with("timestep_spacing", "trailing").timestepSpacing());
    }

    @Test
    void negativeInfinityParses() {
        SchedulerConfig dpm = SchedulerConfig.fromConfig(SchedulerKind.DPM_SOLVER_MULTISTEP,
                JsonParser.parseString("{\"lambda_min_clipped\": -Infinity}").getAsJsonObject());
        assertEquals(Double.NEGATIVE_INFINITY, dpm.dbl("lambda_min_clipped"));
        assertEquals(Double.NEGATIVE_INFINITY, SchedulerConfig.defaults(SchedulerKind.DPM_SOLVER_MULTISTEP).dbl("lambda_min_clipped"));
    }
}
