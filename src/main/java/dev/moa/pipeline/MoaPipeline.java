package dev.moa.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.moa.moa.MoaAdapter;
import dev.moa.moa.MoaMode;
import dev.moa.moa.RouterMaps;
import dev.moa.moa.Subject;
import dev.moa.moa.SubjectEncoder;
import dev.moa.moa.SubjectPrompt;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Personalized generation: a base Stable Diffusion model with MoA installed, an image encoder for the
 * subjects' reference photos, and sampling as in {@link Text2Image} (same seeds, schedulers, guidance).
 * Mode {@code prior} reproduces the base model's image for the seed.
 */
public final class MoaPipeline implements AutoCloseable {
    private final StableDiffusion model;
    private final MoaAdapter moa;
    private final SubjectEncoder subjects;
    private final Path moaDir;

    public MoaPipeline(StableDiffusion model, MoaAdapter moa, SubjectEncoder subjects, Path moaDir) {
        this.model = model;
        this.moa = moa;
        this.subjects = subjects;
        this.moaDir = moaDir;
        if (moa.config().imageEmbedDim != subjects.embedDim()) {
            throw new IllegalArgumentException("the MoA checkpoint expects " + moa.config().imageEmbedDim
                    + "-dim image embeddings but the image encoder gives " + subjects.embedDim());
        }
        moa.install(model.unet());
    }

    /** Loads a MoA checkpoint and an image encoder for an already loaded base model. */
    public static MoaPipeline load(StableDiffusion model, Path moaDir, Path imageEncoderDir) throws IOException {
        MoaAdapter moa = MoaAdapter.load(moaDir, model.unet(), model.manager());
        SubjectEncoder enc = SubjectEncoder.load(imageEncoderDir, model.manager());
        return new MoaPipeline(model, moa, enc, moaDir);
    }

    public StableDiffusion model() {
        return model;
    }

    public MoaAdapter moa() {
        return moa;
    }

    public Path moaDir() {
        return moaDir;
    }

    public SubjectEncoder subjectEncoder() {
        return subjects;
    }

    /** CLIP image embedding (Di) of each reference image file. */
    public List<float[]> embed(List<Path> images) throws IOException {
        if (images.isEmpty()) {
            return new ArrayList<>();
        }
        try (NDManager m = model.manager().newSubManager()) {
            NDArray e = subjects.embedFiles(images, m);
            List<float[]> out = new ArrayList<>();
            long d = e.getShape().get(1);
            float[] all = e.toFloatArray();
            for (int i = 0; i < images.size(); i++) {
                float[] row = new float[(int) d];
                System.arraycopy(all, (int) (i * d), row, 0, (int) d);
                out.add(row);
            }
            return out;
        }
    }

    /** Reads and embeds subjects given as word = image file. */
    public List<Subject> subjects(List<String> words, List<Path> images) throws IOException {
        List<float[]> e = embed(images);
        List<Subject> out = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            out.add(new Subject(i < words.size() ? words.get(i) : null, images.get(i), e.get(i)));
        }
        return out;
    }

    /** One personalized generation; the result carries the router maps when asked for. */
    public MoaResult generate(GenerationOptions o, List<Subject> subjectList, MoaMode mode, boolean routerMaps,
            ProgressListener progress, Cancellation cancel) {
        List<String> words = new ArrayList<>();
        for (Subject s : subjectList) {
            if (s.word() != null) {
                words.add(s.word());
            }
        }
        if (!words.isEmpty() && words.size() != subjectList.size()) {
            throw new IllegalArgumentException("either every subject names its word or none does (with <|image|> markers)");
        }
        SubjectPrompt bound = SubjectPrompt.bind(model.tokenizer(), o.prompt(), words);
        if (bound.count() != subjectList.size()) {
            throw new IllegalArgumentException("the prompt binds " + bound.count() + " subject(s) but "
                    + subjectList.size() + " image(s) were given");
        }
        List<String> warnings = new ArrayList<>();
        int b = o.batch();
        boolean cfg = GuidedUNet.usesGuidance(o.guidance());
        int rows = cfg ? 2 * b : b;
        int s = Math.max(1, subjectList.size());
        int di = moa.config().imageEmbedDim;
        int[][] positions = new int[rows][s];
        float[] emb = new float[rows * s * di];
        int[] subjectPos = bound.positions();
        for (int r = 0; r < rows; r++) {
            java.util.Arrays.fill(positions[r], -1);
            if (cfg && r < b) {
                continue;  // unconditional rows: negative prompt, no subjects
            }
            for (int k = 0; k < subjectList.size(); k++) {
                positions[r][k] = subjectPos[k];
                System.arraycopy(subjectList.get(k).embedding(), 0, emb, (r * s + k) * di, di);
            }
        }
        try (Text2Image.Plan plan = Text2Image.Plan.of(model, o)) {
            return sample(plan, o, bound, subjectList, positions, emb, rows, s, di, mode, routerMaps, warnings,
                    progress, cancel);
        }
    }

    private MoaResult sample(Text2Image.Plan plan, GenerationOptions o, SubjectPrompt bound, List<Subject> subjectList,
            int[][] positions, float[] emb, int rows, int s, int di, MoaMode mode, boolean routerMaps,
            List<String> warnings, ProgressListener progress, Cancellation cancel) {
        int b = plan.batch;
        boolean cfg = GuidedUNet.usesGuidance(o.guidance());
        RouterMaps.Accumulator[] acc = null;
        if (routerMaps) {
            acc = new RouterMaps.Accumulator[b];
            for (int i = 0; i < b; i++) {
                acc[i] = new RouterMaps.Accumulator((int) plan.latentShape.get(2), (int) plan.latentShape.get(3));
            }
        }
        try (NDManager gen = model.manager().newSubManager()) {
            NDArray ids = gen.create(bound.ids()).reshape(1, -1).toType(ai.djl.ndarray.types.DataType.INT64, false);
            model.warnIfTruncated(bound.prompt(), model.tokenizer().overflow(bound.prompt()), warnings);
            NDArray cond = model.textEncoder().encode(ids, o.clipSkip());
            NDList parts = new NDList();
            if (cfg) {
                NDArray uncond = model.encodePrompt(o.negativePrompt(), o.clipSkip(), gen, warnings);
                for (int i = 0; i < b; i++) {
                    parts.add(uncond);
                }
            }
            for (int i = 0; i < b; i++) {
                parts.add(cond);
            }
            NDArray context = parts.size() == 1 ? cond : NDArrays.concat(parts, 0);
            NDArray embeds = gen.create(emb, new Shape(rows, s, di));
            NDArray latents = plan.initialLatents(gen);
            MoaDenoiser d = new MoaDenoiser(model.unet(), moa, mode, context, embeds, positions, o.guidance(), acc);
            NDArray fin = Sampler.sample(plan.scheduler, latents, d, plan.noise, progress, cancel);
            cancel.check();
            progress.onProgress(0, 1, "decoding");
            List<float[]> images = model.decodeToImages(fin);
            progress.onProgress(1, 1, "decoding");
            List<RouterMaps> maps = new ArrayList<>();
            if (acc != null) {
                for (RouterMaps.Accumulator a : acc) {
                    maps.add(a.finish());
                }
            }
            return new MoaResult(plan.result(images, fin, o, warnings), bound, mode, maps);
        }
    }

    @Override
    public void close() {
        MoaAdapter.uninstall(model.unet());
    }
}
