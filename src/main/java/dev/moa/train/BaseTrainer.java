package dev.moa.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.moa.io.AtomicFiles;
import dev.moa.io.Json;
import dev.moa.io.SafetensorsFile;
import dev.moa.io.SafetensorsWriter;
import dev.moa.tensor.Grads;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

/**
 * The training loop shared by the base-model trainers (VAE, CLIP, UNet): AdamW with torch semantics, linear
 * warm-up, global-norm gradient clipping, atomic checkpoints every N steps with exact resume, keep-last-K,
 * {@code losses.csv} + {@code losses.png}, and periodic samples.
 *
 * <p>A subclass builds its model, hands the trainable parameters to {@link #init}, and implements {@link #prepare}
 * (the step's batch as plain Java data, a pure function of the step so that resuming is exact; run one step ahead
 * on a helper thread) and {@link #forward} (the loss terms, term 0 being the total that is minimised). Everything
 * random in a step must come from the seed and the step index.
 *
 * <p>Run folder: the subclass's inference folders (written at every checkpoint), {@code checkpoints/step-NNNNNNN/}
 * ({@code params.safetensors}, {@code optimizer.safetensors}, {@code trainer_state.json}, extra state),
 * {@code losses.csv}, {@code losses.png}, {@code samples/}.
 */
public abstract class BaseTrainer<B> implements AutoCloseable {
    public static final String STATE_FILE = "trainer_state.json";
    public static final String PARAMS_FILE = "params.safetensors";
    public static final String OPTIMIZER_FILE = "optimizer.safetensors";

    /** Settings common to every trainer. */
    public record Settings(int steps, int batch, double lr, double weightDecay, int warmup, double maxGradNorm,
            int saveEvery, int keepLast, int sampleEvery, long seed) {
        public void validate() {
            if (steps < 1) {
                throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
            }
            if (batch < 1) {
                throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
            }
            if (!(lr > 0) || !(lr < 1)) {
                throw new IllegalArgumentException("--lr must be in (0, 1), got " + lr);
            }
            if (!(weightDecay >= 0)) {
                throw new IllegalArgumentException("--weight-decay must be >= 0, got " + weightDecay);
            }
            if (warmup < 0) {
                throw new IllegalArgumentException("--warmup must be >= 0, got " + warmup);
            }
            if (!(maxGradNorm > 0)) {
                throw new IllegalArgumentException("--max-grad-norm must be > 0, got " + maxGradNorm);
            }
            if (saveEvery < 1 || keepLast < 1 || sampleEvery < 0) {
                throw new IllegalArgumentException("--save-every and --keep must be >= 1, --sample-every >= 0");
            }
        }

        /** Linear warm-up factor of optimizer step {@code step} (0-based). */
        public double lrFactor(long step) {
            return warmup <= 0 ? 1.0 : Math.min(1.0, (step + 1) / (double) warmup);
        }
    }

    /** One optimizer step: the loss terms (named by {@link #termNames}), gradient norm before clipping, lr, time. */
    public record Step(long step, double[] terms, double gradNorm, double lr, double seconds) {
        public double loss() {
            return terms[0];
        }
    }

    /** Progress of a run. */
    public interface Listener {
        default void onStep(Step s, long total) {}

        default void onCheckpoint(Path dir) {}

        default void onSample(Path file) {}

        Listener NONE = new Listener() {};
    }

    protected final Settings settings;
    protected final Path output;
    /** Holds the trainable parameters (and whatever the subclass puts there). */
    protected final NDManager manager;
    private NDManager optimizerState;
    private AdamW optimizer;
    private Map<String, NDArray> params;
    private long step;
    private final ExecutorService prefetch = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "moa-batch-prefetch");
        t.setDaemon(true);
        return t;
    });
    private CompletableFuture<B> next;
    private long nextIndex = -1;

    protected BaseTrainer(Settings settings, Path output, NDManager manager) {
        settings.validate();
        this.settings = settings;
        this.output = output;
        this.manager = manager;
    }

    // ------------------------------------------------------------------------------------ subclass API

    /** Short name for logs and plots ("vae", "clip", "unet"). */
    public abstract String name();

    /** Names of the loss terms {@link #forward} returns; the first is the total. */
    public abstract String[] termNames();

    /** The batch of optimizer step {@code index} as plain Java data: a pure function of (seed, index). */
    protected abstract B prepare(long index);

    /**
     * The loss terms of a batch (term 0 with the autograd graph when gradients are recorded); arrays must be
     * created in (or moved into) {@code m}. {@code index} is the step index (for random draws).
     */
    protected abstract NDArray[] forward(B batch, long index, NDManager m);

    /** Writes the inference folders (diffusers / transformers layouts) into {@code dir}. */
    protected abstract void saveModel(Path dir) throws IOException;

    /** Parameter groups; default: weight decay on matrices and conv kernels, none on biases, norms and embeddings. */
    protected List<AdamW.Group> groups(Map<String, NDArray> p) {
        List<String> decay = new ArrayList<>(), none = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : p.entrySet()) {
            boolean matrix = e.getValue().getShape().dimension() >= 2 && !e.getKey().contains("embedding");
            (matrix ? decay : none).add(e.getKey());
        }
        return List.of(new AdamW.Group("decay", decay, settings.lr(), settings.weightDecay()),
                new AdamW.Group("no_decay", none, settings.lr(), 0));
    }

    /** After each optimizer update (e.g. clamp a temperature, update an EMA). {@code step} is the new step count. */
    protected void afterUpdate(long step) {}

    /** Extra state for checkpoints (e.g. EMA weights). */
    protected void saveExtra(Path checkpoint) throws IOException {}

    protected void loadExtra(Path checkpoint) throws IOException {}

    /** Writes a sample picture for the current weights (null = none). */
    protected Path sample(Path dir) throws IOException {
        return null;
    }

    /** Model description stored in the trainer state (checked on resume). */
    protected JsonObject describe() {
        return new JsonObject();
    }

    /** Hands the trainable parameters to the loop; call once from the subclass constructor. */
    protected final void init(Map<String, NDArray> trainable) {
        this.params = new LinkedHashMap<>(trainable);
        for (NDArray p : params.values()) {
            p.setRequiresGradient(true);
        }
        this.optimizerState = dev.moa.tensor.Devices.newManager();
        this.optimizer = new AdamW(params, groups(params), 0.9, 0.999, 1e-8, optimizerState);
    }

    // ------------------------------------------------------------------------------------ loop

    public long step() {
        return step;
    }

    public Map<String, NDArray> parameters() {
        return params;
    }

    public Settings settings() {
        return settings;
    }

    /** Trains until {@code settings.steps()}, checkpointing and sampling on the way. */
    public void train(Listener listener) throws IOException {
        while (step < settings.steps()) {
            Step s = trainStep();
            listener.onStep(s, settings.steps());
            if (step % settings.saveEvery() == 0 || step == settings.steps()) {
                listener.onCheckpoint(saveCheckpoint());
            }
            if (settings.sampleEvery() > 0 && (step % settings.sampleEvery() == 0 || step == settings.steps())) {
                Path f;
                try (Grads.Scope off = Grads.disabled()) {
                    f = sample(output.resolve("samples"));
                }
                if (f != null) {
                    listener.onSample(f);
                }
            }
        }
    }

    private B batch(long index) {
        B b;
        if (next != null && nextIndex == index) {
            b = next.join();
        } else {
            b = prepare(index);
        }
        long ahead = index + 1;
        next = CompletableFuture.supplyAsync(() -> prepare(ahead), prefetch);
        nextIndex = ahead;
        return b;
    }

    /** One optimizer step. */
    public Step trainStep() throws IOException {
        long t0 = System.nanoTime();
        B batch = batch(step);
        double[] values;
        try (NDManager m = manager.newSubManager()) {
            for (NDArray p : params.values()) {
                p.tempAttach(m);   // results of ops with a parameter first land in the step's scope
            }
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray[] terms = forward(batch, step, m);
                gc.backward(terms[0]);
                values = values(terms);
            }
        }
        double lrFactor = settings.lrFactor(step);
        double norm;
        try (NDManager g = manager.newSubManager()) {
            Map<String, NDArray> grads = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                NDArray gr = e.getValue().getGradient();
                gr.attach(g);
                grads.put(e.getKey(), gr);
            }
            norm = Grads.clipByGlobalNorm(grads.values(), settings.maxGradNorm());
            if (!Double.isFinite(norm) || !Double.isFinite(values[0])) {
                throw new IllegalStateException(name() + ": loss " + values[0] + ", gradient norm " + norm + " at step "
                        + (step + 1) + ": lower the learning rate or check the data");
            }
            optimizer.step(grads, lrFactor);
        }
        for (NDArray p : params.values()) {
            Grads.zero(p);
        }
        step++;
        afterUpdate(step);
        Step s = new Step(step, values, norm, settings.lr() * lrFactor, (System.nanoTime() - t0) / 1e9);
        appendLog(s);
        return s;
    }

    /** The loss terms of step {@code index}'s batch with the current weights, without training. */
    public double[] evaluate(long index) {
        B b = prepare(index);
        try (NDManager m = manager.newSubManager(); Grads.Scope off = Grads.disabled()) {
            for (NDArray p : params.values()) {
                p.tempAttach(m);
            }
            return values(forward(b, index, m));
        }
    }

    private static double[] values(NDArray[] terms) {
        double[] v = new double[terms.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = terms[i].getFloat();
        }
        return v;
    }

    // ------------------------------------------------------------------------------------ checkpoints

    /** The newest {@code checkpoints/step-*} folder of a run, or null. */
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

    /**
     * Writes {@code checkpoints/step-N} under a temporary name, then renames it (a crash never leaves a half
     * checkpoint), refreshes the inference folders and the loss plot, and keeps the newest {@code keepLast}.
     */
    public Path saveCheckpoint() throws IOException {
        Path dir = output.resolve("checkpoints");
        Files.createDirectories(dir);
        String stepName = String.format(Locale.ROOT, "step-%07d", step);
        Path tmp = dir.resolve("." + stepName + ".tmp");
        dev.moa.io.AtomicFiles.deleteTree(tmp);
        Files.createDirectories(tmp);
        SafetensorsWriter.write(tmp.resolve(PARAMS_FILE), params);
        optimizer.save(tmp.resolve(OPTIMIZER_FILE));
        saveExtra(tmp);
        JsonObject state = new JsonObject();
        state.addProperty("trainer", name());
        state.addProperty("step", step);
        state.addProperty("batch_size", settings.batch());
        state.addProperty("seed", settings.seed());
        state.add("settings", new GsonBuilder().create().toJsonTree(settings));
        state.add("model", describe());
        AtomicFiles.writeString(tmp.resolve(STATE_FILE), new GsonBuilder().setPrettyPrinting().create().toJson(state) + "\n");
        Path target = dir.resolve(stepName);
        dev.moa.io.AtomicFiles.deleteTree(target);
        AtomicFiles.move(tmp, target);
        saveModel(output);
        if (Files.exists(logFile())) {
            LossCurves.writeColumns(logFile(), output.resolve("losses.png"), name() + " training, step " + step);
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

    /**
     * Restores weights, optimizer moments, step and extra state from a checkpoint (the latest in the run folder when
     * {@code checkpoint} is null). The batch size and seed must be the checkpoint's: batches are addressed by step.
     */
    public void resume(Path checkpoint) throws IOException {
        Path ckpt = checkpoint != null ? checkpoint : latestCheckpoint(output);
        if (ckpt == null) {
            throw new IOException("nothing to resume: no checkpoint in " + output.resolve("checkpoints"));
        }
        JsonObject state = Json.read(ckpt.resolve(STATE_FILE));
        String trainer = Json.getString(state, "trainer", "?");
        if (!trainer.equals(name())) {
            throw new IOException(ckpt + " is a " + trainer + " checkpoint, not " + name());
        }
        int batch = Json.getInt(state, "batch_size", -1);
        long seed = state.has("seed") ? state.get("seed").getAsLong() : Long.MIN_VALUE;
        if (batch != settings.batch() || seed != settings.seed()) {
            throw new IOException(ckpt + ": trained with --batch " + batch + " --seed " + seed + ", not --batch "
                    + settings.batch() + " --seed " + settings.seed() + "; resume with the same values for an exact continuation");
        }
        JsonObject model = state.has("model") ? state.getAsJsonObject("model") : new JsonObject();
        if (!model.equals(describe())) {
            throw new IOException(ckpt + ": the checkpoint's model (" + model + ") differs from this run's (" + describe() + ")");
        }
        loadInto(ckpt.resolve(PARAMS_FILE), params, "checkpoint");
        optimizer.load(ckpt.resolve(OPTIMIZER_FILE));
        loadExtra(ckpt);
        step = Json.getInt(state, "step", 0);
        truncateLog();
    }

    /** Copies the values of every parameter from a safetensors file (all keys must be there with the same shapes). */
    public static void loadInto(Path file, Map<String, NDArray> target, String what) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            List<String> problems = new ArrayList<>();
            for (Map.Entry<String, NDArray> e : target.entrySet()) {
                if (f.info(e.getKey()) == null) {
                    problems.add("missing " + e.getKey());
                } else if (!Arrays.equals(f.info(e.getKey()).shape(), e.getValue().getShape().getShape())) {
                    problems.add(e.getKey() + ": " + Arrays.toString(f.info(e.getKey()).shape()) + " instead of "
                            + e.getValue().getShape());
                }
            }
            if (!problems.isEmpty()) {
                throw new IOException(file + ": " + what + " does not match the model: "
                        + String.join("; ", problems.subList(0, Math.min(5, problems.size())))
                        + (problems.size() > 5 ? " and " + (problems.size() - 5) + " more" : ""));
            }
            try (NDManager tmp = dev.moa.tensor.Devices.newManager()) {
                for (Map.Entry<String, NDArray> e : target.entrySet()) {
                    dev.moa.tensor.Grads.assign(e.getValue(), f.load(e.getKey(), tmp));
                }
            }
        }
    }


    // ------------------------------------------------------------------------------------ log

    private Path logFile() {
        return output.resolve("losses.csv");
    }

    private void appendLog(Step s) throws IOException {
        Path f = logFile();
        boolean header = !Files.exists(f);
        Files.createDirectories(output);
        try (BufferedWriter w = Files.newBufferedWriter(f, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
            if (header) {
                w.write("step," + String.join(",", termNames()) + ",grad_norm,lr,seconds,rss_mb");
                w.newLine();
            }
            StringBuilder sb = new StringBuilder().append(s.step());
            for (double v : s.terms()) {
                sb.append(',').append(String.format(Locale.ROOT, "%.8g", v));
            }
            sb.append(String.format(Locale.ROOT, ",%.6g,%.6g,%.4f,%d", s.gradNorm(), s.lr(), s.seconds(), Memory.rssMb()));
            w.write(sb.toString());
            w.newLine();
        }
    }

    /** After a resume, drops log rows of steps the checkpoint did not include (they will be redone) and cut-off rows. */
    private void truncateLog() throws IOException {
        LossCurves.truncate(logFile(), step);
    }

    /** A one-line progress report: step, loss terms, s/step, ETA, memory. */
    public String progressLine(Step s, long total, double secondsPerStep) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%s step %d/%d  %s %.5g", name(), s.step(), total,
                termNames()[0], s.terms()[0]));
        if (s.terms().length > 1) {
            sb.append(" (");
            for (int i = 1; i < s.terms().length; i++) {
                sb.append(i > 1 ? ", " : "").append(termNames()[i]).append(' ')
                        .append(String.format(Locale.ROOT, "%.4g", s.terms()[i]));
            }
            sb.append(')');
        }
        long left = total - s.step();
        long eta = Math.round(secondsPerStep * left);
        sb.append(String.format(Locale.ROOT, "  |g| %.3g  lr %.3g  %.3f s/step  ETA %d:%02d:%02d  rss %d MB", s.gradNorm(),
                s.lr(), secondsPerStep, eta / 3600, (eta / 60) % 60, eta % 60, Memory.rssMb()));
        return sb.toString();
    }

    @Override
    public void close() {
        prefetch.shutdownNow();
        if (optimizerState != null) {
            optimizerState.close();
        }
    }
}
