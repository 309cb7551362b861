package dev.moa.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.moa.image.Pictures;
import dev.moa.image.RgbImage;
import dev.moa.image.Sheet;
import dev.moa.moa.MoaAdapter;
import dev.moa.moa.MoaMode;
import dev.moa.moa.Subject;
import dev.moa.moa.SubjectEncoder;
import dev.moa.pipeline.Conditioning;
import dev.moa.pipeline.DiffusionPipeline;
import dev.moa.pipeline.GenerationOptions;
import dev.moa.pipeline.RouterMapCapture;
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

    private final StableDiffusion sd;
    private final MoaAdapter moa;
    private final SubjectEncoder encoder;
    private final List<TrainingExample> samples;
    private final long seed;
    private final MoaMode mode;

    /** @param mode the mode the run trains (moa, or personal for the personalized-only baseline) */
    Validation(StableDiffusion sd, SubjectEncoder encoder, MoaAdapter moa, List<TrainingExample> samples, long seed,
            MoaMode mode) {
        this.mode = mode;
        this.sd = sd;
        this.moa = moa;
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
        Sheet sheet = mode == MoaMode.MOA ? new Sheet().columnTitles("reference", "prior", "MoA", "router map")
                : new Sheet().columnTitles("reference", "prior", "personalized only");
        int side = encoder.encoder().imageSize();
        try (DiffusionPipeline pipeline = DiffusionPipeline.withMoa(sd, moa, encoder, null)) {
            int k = 0;
            for (TrainingExample s : samples) {
                List<Subject> subjects = new ArrayList<>();
                List<RgbImage> refs = new ArrayList<>();
                for (SubjectSample subject : s.subjects()) {
                    try (NDManager m = sd.manager().newSubManager()) {
                        float[] e = encoder.encoder().imageEmbeds(m.create(subject.reference(), new Shape(1, 3, side, side)))
                                .toFloatArray();
                        subjects.add(pipeline.subject(subject.word(), e));
                    }
                    refs.add(denormalize(subject.reference(), side, encoder.processor().mean(), encoder.processor().std()));
                }
                GenerationOptions o = GenerationOptions.of(s.caption()).withSteps(STEPS)
                        .withGuidance(GUIDANCE).withSeed(seed + k).withSize(s.resolution(), s.resolution());
                RouterMapCapture maps = new RouterMapCapture();
                DiffusionPipeline.PriorComparison c = pipeline.generateWithPrior(o, Conditioning.moa(subjects, mode), maps);
                int h = Math.max(128, c.personalized().height());
                sheet.row(s.caption(), Pictures.comparisonRow(refs, true, c.prior().image(0), c.personalized().image(0),
                        maps.maps().isEmpty() ? null : maps.maps().get(0), h));
                subjects.forEach(Subject::close);
                k++;
            }
        } finally {
            moa.install(sd.unet());   // training goes on with MoA installed
        }
        sheet.write(file, dev.moa.image.Provenance.generated(Map.of("Description", "MoA validation, " + title)));
        return file;
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
}
