package dev.moa.eval;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.moa.image.Images;
import dev.moa.image.Pictures;
import dev.moa.image.RgbImage;
import dev.moa.image.Sheet;
import dev.moa.moa.Subject;
import dev.moa.moa.SubjectSpec;
import dev.moa.pipeline.DiffusionPipeline;
import dev.moa.pipeline.GenerationOptions;
import dev.moa.pipeline.ProgressListener;
import dev.moa.toy.ToyIdentity;
import dev.moa.toy.ToyPicture;
import dev.moa.toy.ToyWorld;
import dev.moa.train.data.Rng;
import dev.moa.train.data.SyntheticDataset.Scene;
import dev.moa.train.data.SyntheticDataset.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The real-image subject swap on the toy world, measured against ground truth: for each case and seed a scene
 * picture is <em>rendered</em> (not generated) with a subject of the case's class in other colours and pattern; the
 * swap puts the case's held-out identity into it. Outside the rendered subject's mask the swap should keep the photo
 * (PSNR against the input); inside it, the new subject's colours should arrive (colour error against the new
 * reference's colours, as the generation evaluation measures it).
 */
public final class SwapEvaluation {
    private final DiffusionPipeline pipeline;
    private final ToyWorld world;
    private final GenerationOptions base;
    private final double depth;
    private final int maskGrow;

    /** Names of the figures, in report order. */
    public static final List<String> FIGURES = List.of("swap PSNR outside the subject (dB)",
            "reconstruction PSNR outside the subject (dB)", "reconstruction PSNR, whole picture (dB)",
            "swap colour error inside the subject", "photo colour error inside the subject");

    public SwapEvaluation(DiffusionPipeline pipeline, ToyWorld world, GenerationOptions base, double depth) {
        this(pipeline, world, base, depth, -1);
    }

    /**
     * @param maskGrow -1: swap without a mask; otherwise swap with the photo's subject mask grown by this many pixels
     *     (swap's {@code --mask}: outside it the latents stay the reconstruction's)
     */
    public SwapEvaluation(DiffusionPipeline pipeline, ToyWorld world, GenerationOptions base, double depth, int maskGrow) {
        this.maskGrow = maskGrow;
        this.pipeline = pipeline;
        this.world = world;
        this.base = base;
        this.depth = depth;
    }

    public Evaluation.Report run(List<EvalCase> cases, Path casesDir, Path sheets, ProgressListener progress)
            throws IOException {
        Map<String, Figure.Builder> f = Figure.builders(FIGURES);
        JsonArray rows = new JsonArray();
        int total = cases.stream().mapToInt(c -> c.seeds().size()).sum();
        int done = 0;
        if (sheets != null) {
            Files.createDirectories(sheets);
        }
        for (EvalCase c : cases) {
            Scene scene = Scene.valueOf(c.scene().toUpperCase(Locale.ROOT));
            EvalCase.Subject truth = c.subjects().get(0);
            Shape shape = Shape.valueOf(truth.shape().toUpperCase(Locale.ROOT));
            List<Subject> subjects = pipeline.subjects(List.of(new SubjectSpec(truth.word(), casesDir.resolve(truth.image()))));
            RgbImage reference = Images.read(casesDir.resolve(truth.image()));
            boolean two = truth.secondary() != null;
            int sec = two ? truth.secondaryRgb() : truth.primaryRgb();
            Sheet sheet = new Sheet().columnTitles("photo (rendered)", "reconstruction (prior)", "swapped (MoA)",
                    "new subject");
            for (long seed : c.seeds()) {
                // the photo: the case's class in other colours and pattern, rendered in the case's scene
                ToyIdentity old = ToyWorld.randomIdentity(Rng.of(world.seed(), 0x5357_4150L, seed)).withShape(shape);
                ToyPicture photo = world.scene(old, scene, 7_000_000 + seed);
                boolean[] mask = new boolean[photo.mask().length];
                for (int i = 0; i < mask.length; i++) {
                    mask[i] = photo.mask()[i] != 0;
                }
                GenerationOptions o = base.withPrompt(c.prompt()).withSeed(seed).withSize(photo.image().width(),
                        photo.image().height());
                DiffusionPipeline.SwapResult r = maskGrow < 0 ? pipeline.swap(photo.image(), o, subjects, depth)
                        : pipeline.swap(photo.image(), o, subjects, depth, maskPicture(mask, photo.image().width(),
                                photo.image().height(), maskGrow));
                RgbImage swapped = r.swapped().image(0);
                RgbImage rec = r.reconstruction().image(0);
                double psnrSwap = psnr(photo.image(), swapped, mask);
                double psnrRec = psnr(photo.image(), rec, mask);
                double psnrAll = psnr(photo.image(), rec, null);
                double ceSwap = SubjectRegion.describe(swapped, mask).colourError(truth.primaryRgb(), sec, two);
                double cePhoto = SubjectRegion.describe(photo.image(), mask).colourError(truth.primaryRgb(), sec, two);
                String who = c.identity();
                f.get(FIGURES.get(0)).add(who, psnrSwap);
                f.get(FIGURES.get(1)).add(who, psnrRec);
                f.get(FIGURES.get(2)).add(who, psnrAll);
                f.get(FIGURES.get(3)).add(who, ceSwap);
                f.get(FIGURES.get(4)).add(who, cePhoto);
                JsonObject row = new JsonObject();
                row.addProperty("case", c.id());
                row.addProperty("identity", who);
                row.addProperty("seed", seed);
                row.addProperty("photo_subject", old.description());
                row.addProperty("psnr_swap_outside", psnrSwap);
                row.addProperty("psnr_reconstruction_outside", psnrRec);
                row.addProperty("psnr_reconstruction", psnrAll);
                row.addProperty("colour_error_swap", ceSwap);
                row.addProperty("colour_error_photo", cePhoto);
                rows.add(row);
                if (sheets != null) {
                    sheet.row(Long.toString(seed), List.of(Pictures.forDisplay(photo.image(), 128),
                            Pictures.forDisplay(rec, 128), Pictures.forDisplay(swapped, 128),
                            Pictures.forDisplay(reference, 128)));
                }
                progress.onProgress(++done, total, "swapping");
            }
            subjects.forEach(Subject::close);
            if (sheets != null) {
                sheet.write(sheets.resolve("swap-" + c.id() + ".png"), dev.moa.image.Provenance.generated(Map.of(
                        "Description", "swap evaluation " + c.id() + ": " + c.prompt())));
            }
        }
        return new Evaluation.Report(Figure.buildAll(f), rows);
    }

    /** PSNR in dB of {@code b} against {@code a} (values in [0, 1]) over the pixels outside {@code exclude}. */
    public static double psnr(RgbImage a, RgbImage b, boolean[] exclude) {
        if (a.width() != b.width() || a.height() != b.height()) {
            throw new IllegalArgumentException("images of different sizes");
        }
        double se = 0;
        long n = 0;
        for (int y = 0; y < a.height(); y++) {
            for (int x = 0; x < a.width(); x++) {
                if (exclude != null && exclude[y * a.width() + x]) {
                    continue;
                }
                for (int c = 0; c < 3; c++) {
                    double d = (a.get(x, y, c) - b.get(x, y, c)) / 255.0;
                    se += d * d;
                }
                n += 3;
            }
        }
        if (n == 0) {
            return Double.NaN;
        }
        double mse = se / n;
        return mse == 0 ? 99.0 : 10 * Math.log10(1 / mse);
    }

    /** The mask in the inpainting convention (white = swap here), grown by {@code grow} pixels (a square max filter). */
    static RgbImage maskPicture(boolean[] mask, int width, int height, int grow) {
        byte[] rgb = new byte[width * height * 3];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                boolean on = false;
                for (int dy = -grow; dy <= grow && !on; dy++) {
                    for (int dx = -grow; dx <= grow && !on; dx++) {
                        int yy = y + dy, xx = x + dx;
                        on = yy >= 0 && yy < height && xx >= 0 && xx < width && mask[yy * width + xx];
                    }
                }
                if (on) {
                    int p = (y * width + x) * 3;
                    rgb[p] = rgb[p + 1] = rgb[p + 2] = (byte) 255;
                }
            }
        }
        return new RgbImage(width, height, rgb);
    }
}
