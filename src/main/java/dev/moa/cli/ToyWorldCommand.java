package dev.moa.cli;

import dev.moa.image.RgbImage;
import dev.moa.image.Sheet;
import dev.moa.toy.ToyIdentity;
import dev.moa.toy.ToyPicture;
import dev.moa.toy.ToySheets;
import dev.moa.toy.ToyWorld;
import dev.moa.image.Pictures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code moa toy-world}: a contact sheet of the toy world (samples, captions, references, held-out identities). */
@Command(name = "toy-world", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write a contact sheet of the toy world (dev.moa.toy.ToyWorld): training scene pictures with their"
                + " diffusion caption and CLIP description, reference views of the same identities, subject masks,"
                + " and held-out identities.", "Training needs no files: the trainers render the world on the fly."})
final class ToyWorldCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output folder (toy-world.png)")
    Path out;

    @Option(names = "--count", defaultValue = "16", paramLabel = "N", description = "training samples to show (default ${DEFAULT-VALUE})")
    int count;

    @Option(names = "--seed", defaultValue = "0", description = "world seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--per-row", defaultValue = "8", description = "pictures per row (default ${DEFAULT-VALUE})")
    int perRow;

    @picocli.CommandLine.Mixin
    WorldOptions worldOptions;

    @Override
    public Integer call() throws Exception {
        if (count < 1 || count > 1000) {
            throw new ParameterException(spec.commandLine(), "--count must be in 1..1000, got " + count);
        }
        if (perRow < 1) {
            throw new ParameterException(spec.commandLine(), "--per-row must be >= 1");
        }
        ToyWorld world = worldOptions.world(spec, seed);
        Sheet sheet = new Sheet().gap(6).fontSize(12);
        List<RgbImage> scenes = new ArrayList<>(), refs = new ArrayList<>(), masks = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ToyPicture p = world.scene(i);
            scenes.add(ToySheets.tile(p.image(), 2, p.caption() + " | " + p.description()));
            List<RgbImage> views = new ArrayList<>();
            for (ToyPicture.Part part : p.parts()) {
                views.add(world.reference(part.identity(), i).image());
            }
            refs.add(ToySheets.tile(Pictures.sideBySide(views, ToyWorld.SIZE), 2, "refs, in the caption's order"));
            masks.add(ToySheets.tile(ToySheets.maskImage(p), 2, "mask, area " + p.subjectArea() + " px"));
        }
        for (int i = 0; i < count; i += perRow) {
            int j = Math.min(count, i + perRow);
            sheet.row("train " + i + "-" + (j - 1), scenes.subList(i, j));
            sheet.row("references", refs.subList(i, j));
            sheet.row("masks", masks.subList(i, j));
        }
        int held = Math.min(count, perRow * 2);
        List<RgbImage> heldScenes = new ArrayList<>(), heldRefs = new ArrayList<>();
        for (int i = 0; i < held; i++) {
            ToyIdentity id = world.heldOutIdentity(i);
            ToyPicture p = world.scene(id, 1_000_000L + i);
            heldScenes.add(ToySheets.tile(p.image(), 2, p.description()));
            heldRefs.add(ToySheets.tile(world.reference(id, 1_000_000L + i).image(), 2, "ref: " + id.description()));
        }
        for (int i = 0; i < held; i += perRow) {
            int j = Math.min(held, i + perRow);
            sheet.row("HELD OUT", heldScenes.subList(i, j));
            sheet.row("held-out refs", heldRefs.subList(i, j));
        }
        Files.createDirectories(out);
        Path png = out.resolve("toy-world.png");
        sheet.write(png, Map.of("Description", "toy world, seed " + seed));
        System.out.println(png.toAbsolutePath());
        return 0;
    }
}
