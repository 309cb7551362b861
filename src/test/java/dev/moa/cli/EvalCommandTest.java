package dev.moa.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.moa.io.Json;
import dev.moa.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code moa eval} end to end on the tiny models (random weights: the figures are meaningless, the machinery is not). */
class EvalCommandTest {
    @TempDir
    Path dir;

    @Test
    void makesToyCasesAndEvaluatesThem() throws Exception {
        Path casesDir = dir.resolve("cases");
        CliRunner.Result made = CliRunner.run("eval", "--make-toy-cases", casesDir.toString(), "--identities", "1",
                "--seeds", "2");
        assertEquals(0, made.code(), made.toString());
        assertEquals(5, Files.readAllLines(casesDir.resolve("cases.jsonl")).size(), "one identity x five scenes");
        assertTrue(Files.exists(casesDir.resolve("refs/h000.png")));
        Path trainDir = dir.resolve("train-cases");
        made = CliRunner.run("eval", "--make-toy-cases", trainDir.toString(), "--identities", "1", "--seeds", "1",
                "--training-identities");
        assertEquals(0, made.code(), made.toString());
        assertTrue(Files.exists(trainDir.resolve("refs/t000.png")));
        dev.moa.toy.ToyWorld world = new dev.moa.toy.ToyWorld(0);
        String line = Files.readAllLines(trainDir.resolve("cases.jsonl")).get(0);
        String primary = String.format(java.util.Locale.ROOT, "#%06x", world.trainingIdentity(0).primary().rgb() & 0xFFFFFF);
        assertTrue(line.contains(primary) && line.contains("\"t000-"), "training identity 0 (" + primary + "): " + line);
        Path out = dir.resolve("out");
        CliRunner.Result r = CliRunner.run("eval", "--model", Fixtures.path("models/tiny-sd").toString(), "--moa",
                Fixtures.path("models/tiny-moa").toString(), "--cases", casesDir.resolve("cases.jsonl").toString(),
                "--output", out.toString(), "--limit", "1", "--steps", "2", "--probe-pictures", "200", "-q");
        assertEquals(0, r.code(), r.toString());
        JsonObject figures = Json.read(out.resolve("figures.json")).getAsJsonObject("figures");
        assertEquals(2, figures.getAsJsonObject("subject found, MoA").get("images").getAsInt(), "two seeds");
        assertEquals(1, figures.getAsJsonObject("subject found, MoA").get("identities").getAsInt());
        // every figure that is measured on each image pair has both pairs (a figure nobody fed would be NaN with 0)
        for (String name : List.of("colour error, MoA", "colour error, prior", "class correct, MoA", "background change",
                "image cosine to reference, MoA", "router inside subject, MoA")) {   // (the tiny model's noise pictures
            // are keyed as subject nearly everywhere: no latent cell is outside, so the outside figures are empty here)
            assertEquals(2, figures.getAsJsonObject(name).get("images").getAsInt(), name + ": " + figures);
        }
        assertTrue(Files.readString(out.resolve("summary.md")).contains("| colour error, MoA |"));
        assertTrue(r.out().contains("| background change |"), r.out());
        assertTrue(Files.exists(out.resolve("sheets/h000-beach.png")));
        assertTrue(figures.getAsJsonObject("router inside subject, MoA").has("mean"), figures.toString());
        r = CliRunner.run("eval", "--moa", Fixtures.path("models/tiny-moa").toString(), "--cases",
                casesDir.resolve("cases.jsonl").toString(), "--output", dir.resolve("k").toString(), "--mode", "personal",
                "--keep-background");
        assertTrue(r.err().contains("--keep-background follows MoA's router: it needs --mode moa"), r.err());
        // the base model alone: the prior's figures (gate 2), nothing of MoA
        Path base = dir.resolve("base");
        r = CliRunner.run("eval", "--model", Fixtures.path("models/tiny-sd").toString(), "--cases",
                casesDir.resolve("cases.jsonl").toString(), "--output", base.toString(), "--limit", "1", "--steps", "2",
                "--probe-pictures", "200", "--gates", "-q");
        assertEquals(0, r.code(), r.toString());
        JsonObject bf = Json.read(base.resolve("figures.json")).getAsJsonObject("figures");
        assertEquals(java.util.Set.of("colour error, prior", "class correct, prior", "scene right, prior",
                "subject found, prior"), bf.keySet());
        assertEquals(2, bf.getAsJsonObject("class correct, prior").get("images").getAsInt(), "two seeds");
        // the same seeds give the same prior with and without MoA loaded (the prior is the base model exactly)
        JsonArray rowsMoa = Json.read(out.resolve("figures.json")).getAsJsonArray("rows");
        JsonArray rowsBase = Json.read(base.resolve("figures.json")).getAsJsonArray("rows");
        for (int i = 0; i < 2; i++) {
            assertEquals(rowsMoa.get(i).getAsJsonObject().get("colour_error_prior").getAsDouble(),
                    rowsBase.get(i).getAsJsonObject().get("colour_error_prior").getAsDouble(), 1e-3, "row " + i);
        }
        String bs = Files.readString(base.resolve("summary.md"));
        assertTrue(bs.contains("| 2. prior draws the class |") && !bs.contains("3. MoA"), bs);
        assertTrue(Files.exists(base.resolve("sheets/h000-beach.png")));
        // the swap evaluation on the same cases: rendered photos, the case's subject swapped in
        Path swap = dir.resolve("swap");
        r = CliRunner.run("eval", "--swap", "--model", Fixtures.path("models/tiny-sd").toString(), "--moa",
                Fixtures.path("models/tiny-moa").toString(), "--cases", casesDir.resolve("cases.jsonl").toString(),
                "--output", swap.toString(), "--limit", "1", "--steps", "2", "-q");
        assertEquals(0, r.code(), r.toString());
        JsonObject sf = Json.read(swap.resolve("swap_figures.json"));
        assertEquals(2.0, sf.getAsJsonObject("about").get("guidance").getAsDouble(), "the swap command's guidance unless asked");
        JsonObject psnr = sf.getAsJsonObject("figures").getAsJsonObject("swap PSNR outside the subject (dB)");
        assertEquals(2, psnr.get("images").getAsInt());
        assertTrue(psnr.get("mean").getAsDouble() > 0, psnr.toString());
        assertTrue(Files.exists(swap.resolve("sheets/swap-h000-beach.png")));
        // with the photo's subject mask grown by 4 px: outside it the swap keeps the reconstruction
        Path masked = dir.resolve("swap-mask");
        r = CliRunner.run("eval", "--swap", "--swap-mask", "4", "--model", Fixtures.path("models/tiny-sd").toString(), "--moa",
                Fixtures.path("models/tiny-moa").toString(), "--cases", casesDir.resolve("cases.jsonl").toString(),
                "--output", masked.toString(), "--limit", "1", "--steps", "2", "-q");
        assertEquals(0, r.code(), r.toString());
        assertTrue(Files.readString(masked.resolve("swap_figures.json")).contains("\"mask_grow_pixels\": 4"));
        r = CliRunner.run("eval", "--swap-mask", "4", "--moa", Fixtures.path("models/tiny-moa").toString(), "--cases",
                casesDir.resolve("cases.jsonl").toString(), "--output", masked.toString());
        assertTrue(r.err().contains("--swap-mask needs --swap"), r.err());
        r = CliRunner.run("eval", "--swap", "--gates", "--moa", Fixtures.path("models/tiny-moa").toString(), "--cases",
                casesDir.resolve("cases.jsonl").toString(), "--output", swap.toString());
        assertTrue(r.err().contains("--gates measures generation"), r.err());
    }

    @Test
    void fullWorldCasesMeasureTwoSubjectsMorphsAndComparedCheckpoints() throws Exception {
        Path casesDir = dir.resolve("full");
        CliRunner.Result made = CliRunner.run("eval", "--make-toy-cases", casesDir.toString(), "--world-subjects", "3",
                "--identities", "1", "--seeds", "1");
        assertEquals(0, made.code(), made.toString());
        List<String> lines = Files.readAllLines(casesDir.resolve("cases.jsonl"));
        assertEquals(10 + 10 + 1, lines.size(), "10 single-subject prompts, 10 two-subject prompts, one morph");
        assertTrue(lines.get(1).contains("\"classes\":[") && lines.get(1).contains("-with\""), lines.get(1));
        assertTrue(lines.get(10).contains("\"p000-beach-ab\"") && lines.get(20).contains("\"kind\":\"morph\""), lines.get(20));
        // one case of each kind, with the tiny models
        Path picked = casesDir.resolve("picked.jsonl");
        Files.writeString(picked, lines.get(1) + "\n" + lines.get(10) + "\n" + lines.get(20) + "\n");
        Path out = dir.resolve("full-out");
        CliRunner.Result r = CliRunner.run("eval", "--model", Fixtures.path("models/tiny-sd").toString(), "--moa",
                Fixtures.path("models/tiny-moa").toString(), "--compare", "alone=" + Fixtures.path("models/tiny-moa")
                + ":personal", "--cases", picked.toString(), "--output", out.toString(), "--steps", "2",
                "--probe-pictures", "200", "-q");
        assertEquals(0, r.code(), r.toString());
        JsonObject figures = Json.read(out.resolve("figures.json")).getAsJsonObject("figures");
        assertEquals(2, figures.getAsJsonObject("two subjects: class correct, MoA").get("images").getAsInt(), "each of two subjects");
        assertEquals(1, figures.getAsJsonObject("two subjects: both found and bound, MoA").get("images").getAsInt(), "per image");
        assertEquals(1, figures.getAsJsonObject("two subjects: background change").get("images").getAsInt());
        assertTrue(figures.has("morph: end frames found") && figures.has("background change"), figures.keySet().toString());
        assertTrue(Files.exists(out.resolve("figures-alone.json")));
        String table = Files.readString(out.resolve("table.md"));
        assertTrue(table.startsWith("| figure | MoA | alone | prior | ceiling |"), table);
        assertTrue(table.contains("| MoA colour error / personalized-only's |") && table.contains("| two-subject binding"
                + " accuracy |") && table.contains("| MoA background change / no-router-loss model's | not measured |"), table);
        assertTrue(Files.exists(out.resolve("sheets/m000-beach-seed100000.png")), "the morph strip");
        r = CliRunner.run("eval", "--moa", Fixtures.path("models/tiny-moa").toString(), "--compare", "x=" + dir.resolve("none"),
                "--cases", picked.toString(), "--output", out.toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("is not a MoA checkpoint"), r.err());
        r = CliRunner.run("eval", "--moa", Fixtures.path("models/tiny-moa").toString(), "--compare", "novalue",
                "--cases", picked.toString(), "--output", out.toString());
        assertTrue(r.err().contains("expected NAME=DIR"), r.err());
        r = CliRunner.run("eval", "--make-toy-cases", casesDir.toString(), "--world-subjects", "4");
        assertTrue(r.err().contains("--world-subjects must be 1..3, got 4"), r.err());
    }

    @Test
    void badInputGivesClearErrors() throws Exception {
        CliRunner.Result r = CliRunner.run("eval", "--cases", "x.jsonl");
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("--cases and --output are needed"), r.err());
        r = CliRunner.run("eval", "--cases", "x.jsonl", "--output", dir.resolve("o").toString(), "--strength", "0.5");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--strength needs --moa"), r.err());
        Path bad = dir.resolve("bad.jsonl");
        Files.writeString(bad, "{\"id\": \"a\", \"prompt\": \"p\", \"scene\": \"beach\", \"subjects\": [], \"seeds\": [1]}\n");
        r = CliRunner.run("eval", "--cases", bad.toString(), "--output", dir.resolve("o").toString(), "--moa",
                Fixtures.path("models/tiny-moa").toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("bad.jsonl:1") && r.err().contains("subjects"), r.err());
    }
}
