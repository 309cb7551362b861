package dev.moa.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.moa.image.Heatmap;
import dev.moa.image.Resample;
import dev.moa.image.RgbImage;
import dev.moa.image.Sheet;
import dev.moa.moa.MoaAdapter;
import dev.moa.moa.MoaMode;
import dev.moa.moa.Subject;
import dev.moa.moa.SubjectEncoder;
import dev.moa.pipeline.Cancellation;
import dev.moa.pipeline.GenerationOptions;
import dev.moa.pipeline.GenerationResult;
import dev.moa.pipeline.MoaPipeline;
import dev.moa.pipeline.MoaResult;
import dev.moa.pipeline.ProgressListener;
import dev.moa.pipeline.StableDiffusion;
import dev.moa.train.data.SubjectSample;
import dev.moa.train.data.TrainingExample;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Validation sheets during training: for fixed examples and seeds, reference | prior | MoA | router map. */
final class Validation {
    static final int STEPS = 20;
    static final double GUIDANCE = 5.0;

    private final MoaPipeline pipeline;
    private final SubjectEncoder encoder;
    private final List<TrainingExample> samples;
    private final long seed;

    Validation(StableDiffusion sd, SubjectEncoder encoder, MoaAdapter moa, List<TrainingExample> samples, long seed) {
        this.pipeline = new MoaPipeline(sd, moa, encoder, null);
        this.encoder = encoder;
        this.samples = new ArrayList<>();
        for (TrainingExample s : samples) {
            if (!s.caption().isEmpty() && !s.subjects().isEmpty()) {
                this.samples.add(s);
            }
        }
        this.seed = seed;
    }

    boolean isEmpty() {
        return samples.isEmpty();
    }

    Path write(Path file, String title) throws IOException {
        Sheet sheet = new Sheet().columnTitles("reference", "prior", "MoA", "router map");
        int k = 0;
        for (TrainingExample s : samples) {
            List<Subject> subjects = new ArrayList<>();
            List<RgbImage> refs = new ArrayList<>();
            int side = encoder.encoder().imageSize();
            try (NDManager m = pipeline.model().manager().newSubManager()) {
                for (SubjectSample subject : s.subjects()) {
                    float[] e = encoder.encoder().imageEmbeds(m.create(subject.reference(), new Shape(1, 3, side, side)))
                            .toFloatArray();
                    subjects.add(new Subject(subject.word(), null, e));
                    refs.add(denormalize(subject.reference(), side, encoder.processor().mean(), encoder.processor().std()));
                }
            }
            GenerationOptions o = GenerationOptions.builder().setPrompt(s.caption()).optSteps(STEPS).optGuidance(GUIDANCE)
                    .optSeed(seed + k).optSize(s.resolution(), s.resolution()).build();
            MoaResult prior = pipeline.generate(o, subjects, MoaMode.PRIOR, false, ProgressListener.NONE, Cancellation.NEVER);
            MoaResult moa = pipeline.generate(o, subjects, MoaMode.MOA, true, ProgressListener.NONE, Cancellation.NEVER);
            RgbImage p = image(prior.generation());
            RgbImage q = image(moa.generation());
            var maps = moa.routerMaps().get(0);
            RgbImage map = Heatmap.overlay(q, maps.overall(), maps.height(), maps.width(), 0.6f, Heatmap.Upsample.BILINEAR);
            int h = Math.max(128, q.height());
            List<RgbImage> row = new ArrayList<>();
            row.add(concat(refs, h));
            row.add(scale(p, h));
            row.add(scale(q, h));
            row.add(scale(map, h));
            sheet.row(s.caption(), row);
            k++;
        }
        sheet.write(file, Map.of("Description", "MoA validation, " + title));
        return file;
    }

    private static RgbImage image(GenerationResult g) {
        return RgbImage.fromFloatHwc(g.images().get(0), g.height(), g.width());
    }

    private static RgbImage scale(RgbImage img, int h) {
        int w = Math.round(img.width() * (float) h / img.height());
        return Resample.resize(img, w, h, Resample.Filter.NEAREST);
    }

    /** CLIP-normalized (3, S, S) back to pixels. */
    static RgbImage denormalize(float[] chw, int side, float[] mean, float[] std) {
        float[] v = new float[chw.length];
        int plane = side * side;
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < plane; i++) {
                v[c * plane + i] = chw[c * plane + i] * std[c] + mean[c];
            }
        }
        return RgbImage.fromFloatChw(v, side, side);
    }

    private static RgbImage concat(List<RgbImage> images, int h) {
        List<RgbImage> scaled = new ArrayList<>();
        int w = 0;
        for (RgbImage i : images) {
            RgbImage s = scale(i, h);
            scaled.add(s);
            w += s.width();
        }
        byte[] out = new byte[w * h * 3];
        int x0 = 0;
        for (RgbImage s : scaled) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(s.data(), y * s.width() * 3, out, (y * w + x0) * 3, s.width() * 3);
            }
            x0 += s.width();
        }
        return new RgbImage(w, h, out);
    }
}
