package dev.moa.train;

import dev.moa.tensor.Scalars;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.moa.io.AtomicFiles;
import dev.moa.io.Json;
import dev.moa.moa.MoaAdapter;
import dev.moa.moa.MoaCall;
import dev.moa.moa.MoaCapture;
import dev.moa.moa.MoaMode;
import dev.moa.moa.SubjectEncoder;
import dev.moa.pipeline.StableDiffusion;
import dev.moa.schedulers.DdpmNoise;
import dev.moa.tensor.Grads;
import dev.moa.tensor.TorchGenerator;
import dev.moa.train.data.SubjectSample;
import dev.moa.train.data.TrainingExample;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Trains the MoA weights (spec section 4) on a frozen base model and image encoder.
 *
 * <p>Everything random in a step (VAE sampling, noise, timesteps) comes from a generator seeded by the run's
 * seed and the micro-batch index, and batches are addressed by index, so a run resumed from a checkpoint
 * (weights, optimizer moments, step count) continues exactly as if it had not stopped.
 *
 * <p>Output folder: {@code moa_config.json} + {@code moa.safetensors} (the latest weights, ready for
 * {@code generate --moa}), {@code checkpoints/step-NNNNNNN/} (weights, optimizer state, trainer state),
 * {@code losses.csv}, {@code validation/step-NNNNNNN.png}.
 */
public final class MoaTrainer implements AutoCloseable {
    public static final String STATE_FILE = "trainer_state.json";
    public static final String OPTIMIZER_FILE = "optimizer.safetensors";

    private final StableDiffusion sd;
    private final SubjectEncoder encoder;
    private final MoaAdapter moa;
    private final TrainSettings settings;
    private final BatchSource data;
    private final Path output;
    private final DdpmNoise ddpm;
    private final NDManager optimizerState;
    private final AdamW optimizer;
    private final Set<String> probLayers;
    private final Map<String, NDArray> params;
    private long step;
    private Validation validation;

    private MoaTrainer(StableDiffusion sd, SubjectEncoder encoder, MoaAdapter moa, TrainSettings settings,
            BatchSource data, Path output, long step) {
        settings.validate();
        this.sd = sd;
        this.encoder = encoder;
        this.moa = moa;
        this.settings = settings;
        this.data = data;
        this.output = output;
        this.step = step;
        this.ddpm = DdpmNoise.fromConfig(sd.schedulerConfig());
        // routed to the personalized branch only, the routers take no part in the graph: they are not trained
        this.params = new LinkedHashMap<>();
        moa.parameters().forEach((k, p) -> {
            if (settings.route() == MoaMode.MOA || !k.contains(".router.")) {
                params.put(k, p);
            }
        });
        for (NDArray p : params.values()) {
            p.setRequiresGradient(true);
        }
        List<String> personal = new ArrayList<>();
        List<String> rest = new ArrayList<>();
        for (String k : params.keySet()) {
            (k.contains(".personal.") ? personal : rest).add(k);
        }
        this.optimizerState = dev.moa.tensor.Devices.newManager();
        this.optimizer = new AdamW(params, List.of(
                new AdamW.Group("personal", personal, settings.lrPersonal(), settings.weightDecay()),
                new AdamW.Group("routers+fuser", rest, settings.lrRouter(), settings.weightDecay())),
                settings.beta1(), settings.beta2(), settings.eps(), optimizerState);
        this.probLayers = MoaLosses.objectLossLayers(moa.config());
        moa.install(sd.unet());
    }

    /** A new run from a (fresh or pretrained) MoA checkpoint. */
    public static MoaTrainer start(StableDiffusion sd, SubjectEncoder encoder, MoaAdapter moa, TrainSettings settings,
            BatchSource data, Path output) throws IOException {
        Files.createDirectories(output);
        return new MoaTrainer(sd, encoder, moa, settings, data, output, 0);
    }

    /** Continues from the latest checkpoint in {@code output/checkpoints} (or the given checkpoint folder). */
    public static MoaTrainer resume(StableDiffusion sd, SubjectEncoder encoder, TrainSettings settings, BatchSource data,
            Path output, Path checkpoint) throws IOException {
        Path ckpt = checkpoint != null ? checkpoint : latestCheckpoint(output);
        if (ckpt == null) {
            throw new IOException("nothing to resume: no checkpoint in " + output.resolve("checkpoints"));
        }
        JsonObject state = Json.read(ckpt.resolve(STATE_FILE));
        int batch = Json.getInt(state, "batch_size", -1);
        if (batch != data.batchSize()) {
            throw new IOException(ckpt + ": the checkpoint was trained with batch size " + batch + ", not "
                    + data.batchSize() + "; resume with the same batch size for an exact continuation");
        }
        JsonObject recorded = state.has("settings") ? state.getAsJsonObject("settings") : new JsonObject();
        String route = recorded.has("route") ? recorded.get("route").getAsString() : MoaMode.MOA.name();
        if (!route.equals(settings.route().name())) {
            throw new IOException(ckpt + ": the checkpoint was trained with route " + route.toLowerCase(java.util.Locale.ROOT)
                    + ", not " + settings.route().cliName() + "; resume with --route " + route.toLowerCase(java.util.Locale.ROOT));
        }
        int ramp = recorded.has("routerLossWarmup") ? recorded.get("routerLossWarmup").getAsInt() : 0;
        if (ramp != settings.routerLossWarmup()) {
            throw new IOException(ckpt + ": the checkpoint was trained with router loss warmup " + ramp + ", not "
                    + settings.routerLossWarmup() + "; resume with --router-loss-warmup " + ramp);
        }
        MoaAdapter moa = MoaAdapter.loadMasters(ckpt, sd.unet(), sd.manager());
        MoaTrainer t = new MoaTrainer(sd, encoder, moa, settings, data, output, Json.getInt(state, "step", 0));
        t.optimizer.load(ckpt.resolve(OPTIMIZER_FILE));
        t.truncateLog();
        return t;
    }

    /** The newest {@code checkpoints/step-*} folder, or null. */
    public static Path latestCheckpoint(Path output) throws IOException {
        Path dir = output.resolve("checkpoints");
        if (!Files.isDirectory(dir)) {
            return null;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("step-") && Files.exists(p.resolve(STATE_FILE)))
                    .max(Comparator.comparing(p -> p.getFileName().toString())).orElse(null);
        }
    }

    public long step() {
        return step;
    }

    public MoaAdapter moa() {
        return moa;
    }

    /** Trains until {@code settings.steps()}, saving, validating and logging on the way. */
    public void train(TrainingListener listener) throws IOException {
        while (step < settings.steps()) {
            StepStats s = trainStep();
            listener.onStep(s, settings.steps());
            if (step % settings.saveEvery() == 0 || step == settings.steps()) {
                listener.onCheckpoint(saveCheckpoint());
            }
            if (settings.validateEvery() > 0 && (step % settings.validateEvery() == 0 || step == settings.steps())) {
                Path sheet = validate();
                if (sheet != null) {
                    listener.onValidation(sheet);
                }
            }
        }
    }

    /** One optimizer step over {@code gradAccumulation} micro-batches. */
    public StepStats trainStep() throws IOException {
        long t0 = System.nanoTime();
        int accum = settings.gradAccumulation();
        double[] sums = new double[4];
        for (int k = 0; k < accum; k++) {
            double[] l = microStep(step * accum + k, accum);
            for (int i = 0; i < 4; i++) {
                sums[i] += l[i] / accum;
            }
        }
        double lrFactor = settings.lrFactor(step);
        double norm;
        try (NDManager g = sd.manager().newSubManager()) {
            Map<String, NDArray> grads = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                NDArray gr = e.getValue().getGradient();
                gr.attach(g);
                grads.put(e.getKey(), gr);
            }
            norm = Grads.clipByGlobalNorm(grads.values(), settings.maxGradNorm());
            if (!Double.isFinite(norm)) {
                List<String> bad = new ArrayList<>();
                for (Map.Entry<String, NDArray> e : grads.entrySet()) {
                    if (!(e.getValue().abs().max().getFloat() < 1e15) && bad.size() < 5) {
                        bad.add(e.getKey());
                    }
                }
                throw new IllegalStateException("gradient norm is " + norm + " at step " + (step + 1) + " (losses "
                        + java.util.Arrays.toString(sums) + "; e.g. " + bad + "): lower the learning rate or check the data");
            }
            optimizer.step(grads, lrFactor);
        }
        for (NDArray p : params.values()) {
            Grads.zero(p);
        }
        step++;
        StepStats s = new StepStats(step, sums[0], sums[1], sums[2], sums[3], norm, settings.lrPersonal() * lrFactor,
                settings.lrRouter() * lrFactor, (System.nanoTime() - t0) / 1e9);
        appendLog(s);
        return s;
    }

    /**
     * The losses of micro-batch {@code index} with the current weights, without training (same batch, noise
     * and timesteps as training uses for that index): a fixed yardstick for progress.
     */
    public double[] evaluate(long index) {
        return microStep(index, 0);
    }

    /** Forward (and, with accum > 0, backward) of one micro-batch; returns {total, diffusion, router, object}. */
    @SuppressWarnings("try")   // the scope only restores the grad mode
    private double[] microStep(long index, int accum) {
        List<TrainingExample> batch = data.batch(index);
        TorchGenerator gen = new TorchGenerator(mix(settings.seed(), index));
        int b = batch.size();
        int res = batch.get(0).resolution();
        int slots = 1;
        for (TrainingExample x : batch) {
            if (x.resolution() != res) {
                throw new IllegalArgumentException("all examples of a batch need the same resolution");
            }
            slots = Math.max(slots, x.subjects().size());
        }
        try (NDManager m = sd.manager().newSubManager()) {
            // frozen parts: latents, text and image embeddings (no graph)
            float[] px = new float[b * 3 * res * res];
            for (int i = 0; i < b; i++) {
                System.arraycopy(batch.get(i).image(), 0, px, i * 3 * res * res, 3 * res * res);
            }
            NDArray images = m.create(px, new Shape(b, 3, res, res));
            NDArray latents = sd.vae().encode(images).sample(gen).mul((float) sd.vae().config().scalingFactor());
            long h = latents.getShape().get(2);
            long w = latents.getShape().get(3);
            NDArray noise = gen.randn(m, latents.getShape());
            int[] t = new int[b];
            float[] tf = new float[b];
            for (int i = 0; i < b; i++) {
                t[i] = settings.timesteps().sample(gen.nextUInt32(), ddpm.numTrainTimesteps());
                tf[i] = t[i];
            }
            NDArray noisy = ddpm.addNoise(latents, noise, t);
            NDArray target = ddpm.target(latents, noise, t);
            NDArray ids = m.create(tokenIds(batch), new Shape(b, sd.tokenizer().maxLength())).toType(DataType.INT64, false);
            NDArray text = sd.textEncoder().encode(ids, 0);
            int[][] positions = new int[b][slots];
            int di = moa.config().imageEmbedDim();
            float[] masks = new float[b * slots * res * res];
            List<float[]> refs = new ArrayList<>();
            List<int[]> where = new ArrayList<>();
            for (int i = 0; i < b; i++) {
                java.util.Arrays.fill(positions[i], -1);
                TrainingExample x = batch.get(i);
                for (int s = 0; s < x.subjects().size(); s++) {
                    SubjectSample subject = x.subjects().get(s);
                    positions[i][s] = subject.tokenPosition();
                    System.arraycopy(subject.mask(), 0, masks, (i * slots + s) * res * res, res * res);
                    refs.add(subject.reference());
                    where.add(new int[] {i, s});
                }
            }
            // the embeddings stay on the device: row r of [zeros; embeds] goes to its (image, slot), row 0 to empty slots
            NDArray f;
            if (refs.isEmpty()) {
                f = m.zeros(new Shape(b, slots, di));
            } else {
                int side = encoder.encoder().imageSize();
                float[] all = new float[refs.size() * 3 * side * side];
                for (int r = 0; r < refs.size(); r++) {
                    System.arraycopy(refs.get(r), 0, all, r * 3 * side * side, 3 * side * side);
                }
                NDArray e = encoder.encoder().imageEmbeds(m.create(all, new Shape(refs.size(), 3, side, side)));
                long[] pick = new long[b * slots];
                for (int r = 0; r < refs.size(); r++) {
                    int[] bs = where.get(r);
                    pick[bs[0] * slots + bs[1]] = r + 1;
                }
                NDArray rows = ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(m.zeros(new Shape(1, di)),
                        e.toType(DataType.FLOAT32, false)), 0);
                f = rows.get(m.create(pick)).reshape(b, slots, di);
            }
            NDArray maskLatent = MoaLosses.areaDownsample(m.create(masks, new Shape(b, slots, res, res)), h, w);
            NDArray tt = m.create(tf);
            if (accum == 0) {
                try (Grads.Scope noGrad = Grads.disabled()) {
                    return values(forward(noisy, tt, text, positions, f, tf, target, maskLatent, index));
                }
            }
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                MoaLosses.Terms terms = forward(noisy, tt, text, positions, f, tf, target, maskLatent, index);
                gc.backward(accum == 1 ? terms.total() : Scalars.div(terms.total(), accum));
                return values(terms);
            }
        }
    }

    private MoaLosses.Terms forward(NDArray noisy, NDArray tt, NDArray text, int[][] positions, NDArray f, float[] tf,
            NDArray target, NDArray maskLatent, long index) {
        MoaCall call = new MoaCall(settings.route(), moa.fuser(), text, positions, f, tf, MoaCapture.forLosses(probLayers));
        NDArray pred = sd.unet().forward(noisy, tt, text, call);
        double ramp = settings.routerLossFactor(index / settings.gradAccumulation());
        return MoaLosses.compute(pred, target, maskLatent, positions, call.capture(), moa.config(), ramp);
    }

    private static double[] values(MoaLosses.Terms t) {
        return new double[] {t.total().getFloat(), t.diffusion().getFloat(), t.router().getFloat(), t.object().getFloat()};
    }

    /** The examples' token ids (the subject positions index into these). */
    private int[] tokenIds(List<TrainingExample> batch) {
        int len = sd.tokenizer().maxLength();
        int[] ids = new int[batch.size() * len];
        for (int i = 0; i < batch.size(); i++) {
            int[] x = batch.get(i).inputIds();
            if (x.length != len) {
                throw new IllegalArgumentException("example " + batch.get(i).id() + " has " + x.length
                        + " token ids; the text encoder takes " + len);
            }
            System.arraycopy(x, 0, ids, i * len, len);
        }
        return ids;
    }

    /** A 32-bit generator seed from (run seed, micro-batch index): splitmix64 finalizer. */
    static long mix(long seed, long index) {
        long z = seed * 0x9E3779B97F4A7C15L + index + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return (z ^ (z >>> 31)) & 0xffffffffL;
    }

    // ------------------------------------------------------------------------------------ checkpoints

    /**
     * Writes {@code checkpoints/step-N} (written under a temporary name, then renamed, so a crash never
     * leaves a half checkpoint), refreshes the inference weights at the top of the output folder, and
     * keeps the newest {@code keepLast} checkpoints.
     */
    public Path saveCheckpoint() throws IOException {
        Path dir = output.resolve("checkpoints");
        Files.createDirectories(dir);
        String name = String.format("step-%07d", step);
        Path tmp = dir.resolve("." + name + ".tmp");
        dev.moa.io.AtomicFiles.deleteTree(tmp);
        moa.save(tmp);
        optimizer.save(tmp.resolve(OPTIMIZER_FILE));
        JsonObject state = new JsonObject();
        state.addProperty("step", step);
        state.addProperty("batch_size", data.batchSize());
        state.addProperty("seed", settings.seed());
        state.add("settings", new GsonBuilder().create().toJsonTree(settings));
        AtomicFiles.writeString(tmp.resolve(STATE_FILE), new GsonBuilder().setPrettyPrinting().create().toJson(state) + "\n");
        Path target = dir.resolve(name);
        dev.moa.io.AtomicFiles.deleteTree(target);
        AtomicFiles.move(tmp, target);
        moa.save(output);
        if (Files.exists(logFile())) {
            LossCurves.write(logFile(), output.resolve("losses.png"), "MoA training, step " + step);
        }
        List<Path> all;
        try (Stream<Path> s = Files.list(dir)) {
            all = s.filter(p -> p.getFileName().toString().startsWith("step-")).sorted().toList();
        }
        for (int i = 0; i < all.size() - settings.keepLast(); i++) {
            dev.moa.io.AtomicFiles.deleteTree(all.get(i));
        }
        return target;
    }


    // ------------------------------------------------------------------------------------ logging

    private Path logFile() {
        return output.resolve("losses.csv");
    }

    private void appendLog(StepStats s) throws IOException {
        Path f = logFile();
        boolean header = !Files.exists(f);
        try (BufferedWriter w = Files.newBufferedWriter(f, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
            if (header) {
                w.write(StepStats.CSV_HEADER);
                w.newLine();
            }
            w.write(s.csv(Memory.rssMb()));
            w.newLine();
        }
    }

    /** After a resume, drops log rows of steps the checkpoint did not include (they will be redone) and cut-off rows. */
    private void truncateLog() throws IOException {
        LossCurves.truncate(logFile(), step);
    }

    // ------------------------------------------------------------------------------------ validation

    /** Writes a validation sheet (reference | prior | MoA | router map) for fixed examples and seeds. */
    public Path validate() throws IOException {
        if (validation == null) {
            validation = new Validation(sd, encoder, moa, data.validationSamples(3), settings.seed(), settings.route());
        }
        if (validation.isEmpty()) {
            return null;
        }
        return validation.write(output.resolve("validation").resolve(String.format("step-%07d.png", step)),
                "step " + step);
    }

    @Override
    public void close() {
        optimizerState.close();
    }
}
