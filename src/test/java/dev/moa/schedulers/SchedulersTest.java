package dev.moa.schedulers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class SchedulersTest {

    @Test
    void cliAndA1111NamesCaseInsensitive() {
        assertEquals(List.of("ddim", "pndm", "euler", "euler-a", "dpm++2m", "dpm++2m-karras", "lms", "unipc", "heun",
                "ddim-inverse"), Schedulers.names());
        String[][] pairs = {
            {"DDIM", "ddim"}, {"PLMS", "pndm"}, {"pndm", "pndm"}, {"Euler", "euler"}, {"Euler a", "euler-a"},
            {"EULER-A", "euler-a"}, {"euler_a", "euler-a"}, {"DPM++ 2M", "dpm++2m"}, {"dpm++2m", "dpm++2m"},
            {"DPM++ 2M Karras", "dpm++2m-karras"}, {"dpmpp_2m_karras", "dpm++2m-karras"}, {"LMS", "lms"},
            {"UniPC", "unipc"}, {"Heun", "heun"}, {" heun ", "heun"}, {"ddim-inverse", "ddim-inverse"},
        };
        for (String[] p : pairs) {
            assertEquals(p[1], Schedulers.cliName(p[0]), p[0]);
        }
        assertEquals("Euler a", Schedulers.displayName("euler-a"));
        assertEquals("DPM++ 2M Karras", Schedulers.displayName("dpm++2m-karras"));
    }

    @Test
    void unknownNameListsTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Schedulers.create("dpm3", null));
        assertTrue(e.getMessage().contains("dpm3"), e.getMessage());
        for (String n : Schedulers.names()) {
            assertTrue(e.getMessage().contains(n), e.getMessage());
        }
        assertTrue(e.getMessage().contains("Euler a"), e.getMessage());
    }

    @Test
    void createdSchedulersNameThemselves() throws Exception {
        JsonObject folder = SchedulerConfigTest.json("models/tiny-sd/scheduler/scheduler_config.json");
        for (String name : Schedulers.names()) {
            try (Scheduler s = Schedulers.create(name, folder)) {
                assertEquals(name, s.cliName());
                assertEquals(Schedulers.displayName(name), s.displayName(), name);
                assertEquals(Schedulers.kind(name), s.config().kind());
            }
        }
        assertInstanceOf(EulerAncestralScheduler.class, Schedulers.create("Euler a", folder));
        assertTrue(Schedulers.create("DPM++ 2M Karras", folder).config().useKarrasSigmas());
        assertEquals(2, Schedulers.create("heun", folder).order());
    }

    @Test
    void dpmNamesFixTheVariant() {
        JsonObject folder = Schedulers.sd15Config();
        folder.addProperty("_class_name", "DPMSolverMultistepScheduler");
        folder.addProperty("use_karras_sigmas", true);
        folder.addProperty("algorithm_type", "sde-dpmsolver++");
        SchedulerConfig c = Schedulers.config("dpm++2m", folder);
        assertFalse(c.useKarrasSigmas());
        assertEquals("dpmsolver++", c.str("algorithm_type"));
        assertTrue(Schedulers.config("dpm++2m-karras", folder).useKarrasSigmas());
    }

    @Test
    void pipelineFixesApplyToTheFoldersOwnClass() {
        // a DDIM folder config with clip_sample true and steps_offset 0, as old SD 1.x files had
        JsonObject folder = new JsonObject();
        folder.addProperty("_class_name", "DDIMScheduler");
        folder.addProperty("beta_schedule", "scaled_linear");
        folder.addProperty("beta_start", 0.00085);
        folder.addProperty("beta_end", 0.012);
        folder.addProperty("clip_sample", true);
        folder.addProperty("steps_offset", 0);
        SchedulerConfig ddim = Schedulers.config("ddim", folder);
        assertFalse(ddim.bool("clip_sample"), "StableDiffusionPipeline sets clip_sample false");
        assertEquals(1, ddim.stepsOffset(), "StableDiffusionPipeline sets steps_offset 1");
        // present keys carry the fixed values to another class
        assertEquals(1, Schedulers.config("euler", folder).stepsOffset());
        assertFalse(Schedulers.config("heun", folder).bool("clip_sample"));

        // keys absent from the file are dropped by from_config (they were the DDIM defaults): target defaults
        JsonObject bare = new JsonObject();
        bare.addProperty("_class_name", "DDIMScheduler");
        assertEquals(1, Schedulers.config("ddim", bare).stepsOffset(), "fixed on the pipeline's own scheduler");
        assertFalse(Schedulers.config("ddim", bare).bool("clip_sample"));
        assertEquals(0, Schedulers.config("euler", bare).stepsOffset(), "Euler's default, as from_config gives");
        assertEquals("linspace", Schedulers.config("euler", bare).timestepSpacing());
    }

    @Test
    void nullConfigMeansClassDefaults() {
        SchedulerConfig c = Schedulers.config("euler", null);
        assertEquals(SchedulerConfig.defaults(SchedulerKind.EULER), c);
    }

    @Test
    void fromPretrainedUsesTheFoldersClass() throws Exception {
        try (Scheduler s = Schedulers.fromPretrainedConfig(Schedulers.sd15Config())) {
            assertInstanceOf(PndmScheduler.class, s);
            assertTrue(s.config().bool("skip_prk_steps"));
        }
        assertThrows(IllegalArgumentException.class, () -> Schedulers.create(SchedulerConfig.defaults(SchedulerKind.DDPM)));
    }
}
