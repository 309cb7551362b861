package dev.moa.toy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import dev.moa.image.ClipImageProcessor;
import dev.moa.image.RgbImage;
import dev.moa.io.SafetensorsWriter;
import dev.moa.io.Weights;
import dev.moa.models.ClipConfig;
import dev.moa.models.ClipTextModel;
import dev.moa.models.ClipVisionModel;
import dev.moa.nn.Linear;
import dev.moa.tensor.Grads;
import dev.moa.tensor.Scalars;
import dev.moa.text.ClipTokenizer;
import dev.moa.train.BaseTrainer;
import dev.moa.train.ParamInit;
import dev.moa.eval.EmbeddingProbe;
import dev.moa.train.data.Rng;
import dev.moa.train.data.SyntheticDataset;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Trains a small CLIP from scratch on the toy world: a {@code CLIPTextModel} with SD's BPE tokenizer (full 49408-token
 * vocabulary, 77 positions) and a {@code CLIPVisionModelWithProjection} (ViT), with CLIP's symmetric contrastive loss
 * and a learned temperature (logit_scale initialised at ln(1/0.07), clamped at ln(100)). Each batch mixes scene
 * pictures and reference-style pictures with their full descriptions ("a red and blue striped disc on a beach", "a
 * red and blue striped disc"); identical descriptions in a batch share the target probability.
 *
 * <p>Writes {@code text_encoder/} (transformers CLIPTextModel), {@code image_encoder/} (CLIPVisionModelWithProjection),
 * {@code feature_extractor/preprocessor_config.json}, {@code tokenizer/} and {@code clip/} (the whole CLIPModel with
 * both projections and logit_scale, for zero-shot evaluation).
 */
public final class ClipTrainer extends BaseTrainer<ClipTrainer.Batch> {
    public static final double LOGIT_SCALE_INIT = Math.log(1 / 0.07);
    public static final double LOGIT_SCALE_MAX = Math.log(100);

    /** The step's pictures (CLIP-normalised CHW), token ids, descriptions and identities (null outside training). */
    public record Batch(float[] pixels, int[] ids, List<String> texts, List<ToyIdentity> identities) {}

    /** Weight of the colour regression (mean squared error of RGB in [0, 1]) inside the attribute loss. */
    static final double COLOUR_WEIGHT = 10;
    private static final String[] HEADS = {"shape", "pattern", "colours"};

    private final ClipConfig textConfig;
    private final ClipConfig visionConfig;
    private final Path tokenizerDir;
    private final ClipTokenizer tokenizer;
    private final ClipImageProcessor processor;
    private final ToyWorld world;
    private final ClipTextModel text;
    private final ClipVisionModel vision;
    private final Linear textProjection;
    private final NDArray logitScale;
    private final Map<String, int[]> tokenCache = new ConcurrentHashMap<>();
    private final double attributeWeight;
    /** Attribute heads (training only, not in the model folders): tower ("image", "text") -> shape, pattern, colours. */
    private final Map<String, Linear[]> heads = new LinkedHashMap<>();
    /** Weights that are read but not trained (the text tower with {@code freezeText}); written with the model. */
    private final Map<String, NDArray> frozen = new LinkedHashMap<>();

    /** Plain CLIP: the contrastive loss alone. */
    public ClipTrainer(ClipConfig textConfig, ClipConfig visionConfig, Path tokenizerDir, Settings settings, Path output)
            throws IOException {
        this(textConfig, visionConfig, tokenizerDir, settings, output, 0);
    }

    /**
     * @param attributeWeight weight of the attribute loss beside the contrastive one (0 = plain CLIP): linear heads on
     *     each tower's projected embedding predict the subject's shape and pattern (cross-entropy) and the RGB of both
     *     colours (squared error x {@value #COLOUR_WEIGHT}); the loss is the mean over the two towers. The heads are
     *     dropped when the model is written.
     */
    public ClipTrainer(ClipConfig textConfig, ClipConfig visionConfig, Path tokenizerDir, Settings settings, Path output,
            double attributeWeight) throws IOException {
        this(textConfig, visionConfig, tokenizerDir, settings, output, attributeWeight, null, false);
    }

    /**
     * @param init a CLIP to continue from (a train-clip output folder, or its {@code clip/} folder); null = from scratch.
     *     The attribute heads start afresh (they are not written with a model).
     * @param freezeText train the vision tower (and the temperature) only; the text tower and its projection stay
     *     exactly as in {@code init}, so a UNet trained on that text tower stays valid
     */
    public ClipTrainer(ClipConfig textConfig, ClipConfig visionConfig, Path tokenizerDir, Settings settings, Path output,
            double attributeWeight, Path init, boolean freezeText) throws IOException {
        super(settings, output, dev.moa.tensor.Devices.newManager());
        if (!(attributeWeight >= 0 && Double.isFinite(attributeWeight))) {
            throw new IllegalArgumentException("--attribute-weight must be >= 0, got " + attributeWeight);
        }
        this.attributeWeight = attributeWeight;
        if (textConfig.projectionDim() != visionConfig.projectionDim()) {
            throw new IllegalArgumentException("text and vision projections must have the same width");
        }
        this.textConfig = textConfig;
        this.visionConfig = visionConfig;
        this.tokenizerDir = tokenizerDir;
        this.tokenizer = ClipTokenizer.fromFolder(tokenizerDir);
        if (tokenizer.vocabSize() != textConfig.vocabSize()) {
            throw new IllegalArgumentException(tokenizerDir + ": the tokenizer has " + tokenizer.vocabSize()
                    + " tokens, the text tower " + textConfig.vocabSize());
        }
        this.processor = ClipImageProcessor.square(visionConfig.imageSize());
        this.world = new ToyWorld(settings.seed());
        Weights w = Weights.random("clip", manager, settings.seed());
        this.text = new ClipTextModel(textConfig, w.sub("text_model"));
        this.vision = new ClipVisionModel(visionConfig, w);
        this.textProjection = new Linear(w, "text_projection", textConfig.hiddenSize(), textConfig.projectionDim(), false);
        this.logitScale = w.take("logit_scale");
        Map<String, NDArray> params = new LinkedHashMap<>(w.taken());
        params.remove("logit_scale");
        ParamInit.clip(params, textConfig, settings.seed());
        logitScale.set(new float[] {(float) LOGIT_SCALE_INIT});
        params.put("logit_scale", logitScale);
        if (freezeText && init == null) {
            throw new IllegalArgumentException("--freeze-text needs --init: a from-scratch text tower cannot stay frozen");
        }
        if (init != null) {
            Map<String, NDArray> model = new LinkedHashMap<>(params);
            model.keySet().removeIf(k -> k.startsWith("attributes."));
            BaseTrainer.loadInto(initWeights(init), model, "--init");
        }
        if (freezeText) {
            for (var it = params.entrySet().iterator(); it.hasNext();) {
                var e = it.next();
                if (e.getKey().startsWith("text_model.") || e.getKey().startsWith("text_projection")) {
                    frozen.put(e.getKey(), e.getValue());
                    it.remove();
                }
            }
        }
        if (attributeWeight > 0) {
            int p = visionConfig.projectionDim();
            int[] outs = {ToyWorld.SHAPES.size(), ToyWorld.PATTERNS.size(), 6};
            for (String tower : new String[] {"image", "text"}) {
                Linear[] h = new Linear[HEADS.length];
                for (int i = 0; i < h.length; i++) {
                    h[i] = new Linear(w.sub("attributes").sub(tower), HEADS[i], p, outs[i], true);
                    String key = "attributes." + tower + "." + HEADS[i];
                    params.put(key + ".weight", initHead(h[i].weight, settings.seed(), key));
                    h[i].bias.set(new float[outs[i]]);
                    params.put(key + ".bias", h[i].bias);
                }
                heads.put(tower, h);
            }
        }
        init(params);
    }

    /** The whole-CLIPModel weights of a train-clip output folder (or of its clip/ folder). */
    public static Path initWeights(Path init) throws IOException {
        return dev.moa.io.ComponentFiles.findWeights(clipFolder(init));
    }

    /** The whole-CLIPModel folder of --init: {@code init/clip} for a train-clip output, else {@code init} itself. */
    public static Path clipFolder(Path init) {
        return Files.isDirectory(init.resolve("clip")) ? init.resolve("clip") : init;
    }

    /** The text and vision configs of a train-clip output folder (or of its clip/ folder), for --init. */
    public static ClipConfig[] configsOf(Path init) throws IOException {
        com.google.gson.JsonObject o = dev.moa.io.Json.read(clipFolder(init).resolve("config.json"));
        return new ClipConfig[] {ClipConfig.from(o.deepCopy(), "text_config"), ClipConfig.from(o.deepCopy(), "vision_config")};
    }

    private static NDArray initHead(NDArray weight, long seed, String key) {
        Rng r = Rng.of(seed, key.hashCode(), key.length());
        float[] a = new float[(int) weight.getShape().size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (r.gaussian() * 0.02);
        }
        weight.set(a);
        return weight;
    }

    /** Text tower: width 128, 4 layers, 4 heads, SD's vocabulary and 77 positions, projection 128. */
    public static ClipConfig defaultTextConfig() {
        return new ClipConfig(128, 512, 4, 4, "quick_gelu", 1e-5, 49408, 77, 49407, 224, 32, 128);
    }

    /** Vision tower: ViT with patch 8 on 64 px (64 patches + class token), width 128, 4 layers, projection 128. */
    public static ClipConfig defaultVisionConfig() {
        return new ClipConfig(128, 512, 4, 4, "quick_gelu", 1e-5, 49408, 77, 49407, 64, 8, 128);
    }

    @Override
    public String name() {
        return "clip";
    }

    @Override
    public String[] termNames() {
        return new String[] {"loss", "accuracy", "logit_scale", "attributes", "shape_accuracy"};
    }

    @Override
    protected JsonObject describe() {
        JsonObject d = ToyConfigs.clipModel(textConfig, visionConfig, LOGIT_SCALE_INIT);
        if (attributeWeight > 0) {
            d.addProperty("attribute_weight", attributeWeight);
        }
        return d;
    }

    public ClipTextModel text() {
        return text;
    }

    public ClipVisionModel vision() {
        return vision;
    }

    private int[] tokens(String s) {
        return tokenCache.computeIfAbsent(s, k -> {
            int[] ids = tokenizer.encodePadded(k);
            if (ids.length != textConfig.maxPositions()) {
                throw new IllegalStateException("tokenizer gave " + ids.length + " ids, the text tower takes " + textConfig.maxPositions());
            }
            return ids;
        });
    }

    /**
     * A batch of groups of four: a training identity and three near misses, each differing from it in one attribute
     * only (another shape; another pattern; other colours), each shown as a scene picture or a reference view. With
     * independent draws a batch rarely holds two subjects that only the shape tells apart, and the towers learned
     * colours and patterns but barely shapes (shape 0.37 zero-shot after 500 steps); the near misses make every
     * attribute necessary.
     */
    @Override
    protected Batch prepare(long index) {
        int b = settings.batch();
        List<RgbImage> images = new ArrayList<>(b);
        List<String> texts = new ArrayList<>(b);
        List<ToyIdentity> identities = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            long k = index * b + i;
            int role = i % GROUP;
            ToyIdentity base = world.trainingIdentity(index * b + i - role);
            ToyIdentity id = role == 0 ? base : nearMiss(base, role, k);
            ToyPicture p = Rng.of(settings.seed(), TAG_VIEW, k).chance(0.5) ? world.scene(id, k) : world.reference(id, k);
            images.add(p.image());
            texts.add(p.description());
            identities.add(id);
        }
        Batch plain = batchOf(images, texts);
        return new Batch(plain.pixels(), plain.ids(), texts, identities);
    }

    private static final int GROUP = 4;
    private static final long TAG_VIEW = 0x5649_4557L, TAG_MISS = 0x4D49_5353L;

    /** {@code base} with one attribute changed (1 = shape, 2 = pattern, 3 = colours), still a training identity. */
    private ToyIdentity nearMiss(ToyIdentity base, int role, long k) {
        for (int attempt = 0; attempt < 100; attempt++) {
            Rng r = Rng.of(settings.seed(), TAG_MISS, k, attempt);
            ToyIdentity other = ToyWorld.randomIdentity(r);
            ToyIdentity v = switch (role) {
                case 1 -> base.withShape(other.shape());
                case 2 -> base.withPattern(other.pattern());
                default -> new ToyIdentity(base.shape(), base.pattern(), other.primary(), other.secondary());
            };
            if (!ToyWorld.isHeldOut(v) && !v.description().equals(base.description())) {
                return v;
            }
        }
        return world.trainingIdentity(k);   // every attribute value of base is held out with the rest: any other one
    }

    private Batch batchOf(List<RgbImage> images, List<String> texts) {
        // Only the end-token state is used, and the text tower is causal: positions after a row's first end token
        // change nothing before it, so the batch is cut after its longest text (~16 of 77 positions: 5x less work).
        int full = textConfig.maxPositions(), eos = textConfig.eosTokenId(), len = 1;
        for (String t : texts) {
            int[] ids = tokens(t);
            int first = 0;
            while (first < full - 1 && ids[first] != eos) {
                first++;
            }
            len = Math.max(len, first + 1);
        }
        int[] ids = new int[texts.size() * len];
        for (int i = 0; i < texts.size(); i++) {
            System.arraycopy(tokens(texts.get(i)), 0, ids, i * len, len);
        }
        return new Batch(images.isEmpty() ? new float[0] : processor.preprocessBatch(images), ids, texts, null);
    }

    /** L2-normalised image embeddings (B, P). */
    public NDArray imageEmbeds(float[] pixels, int n, NDManager m) {
        return normalize(rawImageEmbeds(pixels, n, m));
    }

    private NDArray rawImageEmbeds(float[] pixels, int n, NDManager m) {
        int s = visionConfig.imageSize();
        return vision.imageEmbeds(m.create(pixels, new Shape(n, 3, s, s)));
    }

    /** L2-normalised text embeddings (B, P). */
    public NDArray textEmbeds(int[] ids, int n, NDManager m) {
        return normalize(rawTextEmbeds(ids, n, m));
    }

    private NDArray rawTextEmbeds(int[] ids, int n, NDManager m) {
        NDArray t = m.create(ids, new Shape(n, ids.length / n)).toType(DataType.INT64, false);
        return textProjection.forward(text.forward(t).pooled());
    }

    /**
     * The attribute loss of one tower's (unnormalised) embeddings: cross-entropy of shape and pattern plus
     * {@value #COLOUR_WEIGHT} x the squared error of both colours' RGB; also the batch's shape accuracy.
     */
    private NDArray[] attributeLoss(String tower, NDArray emb, List<ToyIdentity> ids, NDManager m) {
        Linear[] h = heads.get(tower);
        int n = ids.size();
        int[] shapes = new int[n];
        int[] patterns = new int[n];
        float[] colours = new float[n * 6];
        for (int i = 0; i < n; i++) {
            ToyIdentity id = ids.get(i);
            shapes[i] = ToyWorld.SHAPES.indexOf(id.shape());
            patterns[i] = ToyWorld.PATTERNS.indexOf(id.pattern());
            int[] rgb = {id.primary().rgb(), id.secondary().rgb()};
            for (int c = 0; c < 2; c++) {
                for (int k = 0; k < 3; k++) {
                    colours[i * 6 + c * 3 + k] = ((rgb[c] >> (16 - 8 * k)) & 0xFF) / 255f;
                }
            }
        }
        NDArray shapeLogits = h[0].forward(emb);
        NDArray loss = crossEntropy(shapeLogits, shapes, m).add(crossEntropy(h[1].forward(emb), patterns, m));
        NDArray colourError = h[2].forward(emb).sub(m.create(colours, new Shape(n, 6))).square().mean();
        loss = loss.add(Scalars.mul(colourError, COLOUR_WEIGHT));
        long[] pred = shapeLogits.argMax(1).toLongArray();
        int right = 0;
        for (int i = 0; i < n; i++) {
            right += pred[i] == shapes[i] ? 1 : 0;
        }
        return new NDArray[] {loss, m.create((float) right / n)};
    }

    /** Mean cross-entropy of logits (B, K) against class indices. */
    private static NDArray crossEntropy(NDArray logits, int[] labels, NDManager m) {
        int k = (int) logits.getShape().get(1);
        float[] onehot = new float[labels.length * k];
        for (int i = 0; i < labels.length; i++) {
            onehot[i * k + labels[i]] = 1f;
        }
        return Scalars.mul(logits.logSoftmax(1).mul(m.create(onehot, logits.getShape())).sum().neg(), 1.0 / labels.length);
    }

    private static NDArray normalize(NDArray x) {
        return x.div(x.square().sum(new int[] {1}, true).sqrt().add(1e-8f));
    }

    @Override
    protected NDArray[] forward(Batch batch, long index, NDManager m) {
        int n = batch.texts().size();
        NDArray rawImg = rawImageEmbeds(batch.pixels(), n, m);
        NDArray rawTxt = rawTextEmbeds(batch.ids(), n, m);
        NDArray img = normalize(rawImg);
        NDArray txt = normalize(rawTxt);
        NDArray scale = logitScale.exp();
        NDArray logits = img.matMul(txt.transpose()).mul(scale);
        // targets: identical descriptions share the probability mass (symmetric matrix, rows sum to 1)
        float[] target = new float[n * n];
        for (int i = 0; i < n; i++) {
            int same = 0;
            for (int j = 0; j < n; j++) {
                same += batch.texts().get(i).equals(batch.texts().get(j)) ? 1 : 0;
            }
            for (int j = 0; j < n; j++) {
                target[i * n + j] = batch.texts().get(i).equals(batch.texts().get(j)) ? 1f / same : 0f;
            }
        }
        NDArray t = m.create(target, new Shape(n, n));
        NDArray i2t = logits.logSoftmax(1).mul(t).sum().neg();
        NDArray t2i = logits.logSoftmax(0).mul(t).sum().neg();
        NDArray loss = Scalars.mul(i2t.add(t2i), 0.5 / n);
        NDArray attributes = m.create(0f);
        NDArray shapeAccuracy = m.create(0f);
        if (attributeWeight > 0 && batch.identities() != null) {
            NDArray[] a = attributeLoss("image", rawImg, batch.identities(), m);
            NDArray[] b = attributeLoss("text", rawTxt, batch.identities(), m);
            attributes = Scalars.mul(a[0].add(b[0]), 0.5);
            shapeAccuracy = a[1];
            loss = loss.add(Scalars.mul(attributes, attributeWeight));
        }
        // accuracy: the image's best description is its own (or an identical one)
        long[] best = logits.argMax(1).toLongArray();
        int right = 0;
        for (int i = 0; i < n; i++) {
            right += batch.texts().get(i).equals(batch.texts().get((int) best[i])) ? 1 : 0;
        }
        return new NDArray[] {loss, m.create((float) right / n), scale.duplicate(), attributes.duplicate(),
            shapeAccuracy};
    }

    @Override
    protected void afterUpdate(long step) {
        float v = logitScale.getFloat();
        if (v > LOGIT_SCALE_MAX) {   // open_clip: logit_scale.clamp_(0, ln 100) after the update
            logitScale.set(new float[] {(float) LOGIT_SCALE_MAX});
        } else if (v < 0) {
            logitScale.set(new float[] {0f});
        }
    }

    @Override
    protected void saveModel(Path dir) throws IOException {
        Map<String, NDArray> all = new LinkedHashMap<>(frozen);
        all.putAll(parameters());
        Map<String, NDArray> textW = new LinkedHashMap<>(), visionW = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : all.entrySet()) {
            if (e.getKey().startsWith("text_model.")) {
                textW.put(e.getKey(), e.getValue());
            } else if (e.getKey().startsWith("vision_model.") || e.getKey().startsWith("visual_projection")) {
                visionW.put(e.getKey(), e.getValue());
            }
        }
        Path te = Files.createDirectories(dir.resolve("text_encoder"));
        SafetensorsWriter.write(te.resolve("model.safetensors"), textW);
        ToyConfigs.write(te.resolve("config.json"), ToyConfigs.clipText(textConfig));
        Path ie = Files.createDirectories(dir.resolve("image_encoder"));
        SafetensorsWriter.write(ie.resolve("model.safetensors"), visionW);
        ToyConfigs.write(ie.resolve("config.json"), ToyConfigs.clipVision(visionConfig));
        Path fe = Files.createDirectories(dir.resolve("feature_extractor"));
        ToyConfigs.write(fe.resolve("preprocessor_config.json"), ToyConfigs.featureExtractor(visionConfig.imageSize()));
        Map<String, NDArray> clipW = new LinkedHashMap<>(all);
        clipW.keySet().removeIf(k -> k.startsWith("attributes."));
        Path clip = Files.createDirectories(dir.resolve("clip"));
        SafetensorsWriter.write(clip.resolve("model.safetensors"), clipW);
        ToyConfigs.write(clip.resolve("config.json"), describe());
        Path tok = Files.createDirectories(dir.resolve("tokenizer"));
        try (var files = Files.list(tokenizerDir)) {
            for (Path f : files.toList()) {
                if (Files.isRegularFile(f) && !Files.exists(tok.resolve(f.getFileName().toString()))) {
                    Files.copy(f, tok.resolve(f.getFileName().toString()));
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------ evaluation

    /** Embeddings of many texts, computed once per distinct text, in batches. */
    private Map<String, float[]> embedTexts(java.util.Collection<String> texts) {
        List<String> all = new ArrayList<>(new LinkedHashSet<>(texts));
        Map<String, float[]> out = new LinkedHashMap<>();
        int p = textConfig.projectionDim();
        for (int start = 0; start < all.size(); start += 256) {
            List<String> part = all.subList(start, Math.min(all.size(), start + 256));
            Batch b = batchOf(List.of(), part);
            try (NDManager m = manager.newSubManager(); Grads.Scope off = Grads.disabled()) {
                float[] e = textEmbeds(b.ids(), part.size(), m).toFloatArray();
                for (int i = 0; i < part.size(); i++) {
                    float[] one = new float[p];
                    System.arraycopy(e, i * p, one, 0, p);
                    out.put(part.get(i), one);
                }
            }
        }
        return out;
    }

    private List<float[]> embedImages(List<RgbImage> images) {
        List<float[]> out = new ArrayList<>();
        int p = visionConfig.projectionDim();
        for (int start = 0; start < images.size(); start += 256) {
            List<RgbImage> part = images.subList(start, Math.min(images.size(), start + 256));
            try (NDManager m = manager.newSubManager(); Grads.Scope off = Grads.disabled()) {
                float[] e = imageEmbeds(processor.preprocessBatch(part), part.size(), m).toFloatArray();
                for (int i = 0; i < part.size(); i++) {
                    float[] one = new float[p];
                    System.arraycopy(e, i * p, one, 0, p);
                    out.add(one);
                }
            }
        }
        return out;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** Index of the best-matching candidate description. */
    private static int best(float[] img, List<String> candidates, Map<String, float[]> emb) {
        int best = 0;
        double bestS = -Double.MAX_VALUE;
        for (int j = 0; j < candidates.size(); j++) {
            double s = dot(img, emb.get(candidates.get(j)));
            if (s > bestS) {
                bestS = s;
                best = j;
            }
        }
        return best;
    }

    private static String describe(SyntheticDataset.Shape shape, ToyPattern pattern, String c1, String c2) {
        return pattern == ToyPattern.PLAIN ? "a plain " + c1 + " " + shape.word()
                : "a " + c1 + " and " + c2 + " " + pattern.adjective + " " + shape.word();
    }

    /**
     * Zero-shot figures on {@code n} held-out identities (never trained on): retrieval accuracy of the right
     * description among groups of {@code group} held-out descriptions (for reference views and for scene pictures),
     * and per-attribute accuracy on reference views (candidates = the true description with one attribute changed
     * through all its values: shape, pattern, first colour's hue word, second colour's hue word).
     */
    public JsonObject zeroShot(int n, int group) {
        List<ToyIdentity> ids = world.heldOutIdentities(n);
        List<RgbImage> refImages = new ArrayList<>(), sceneImages = new ArrayList<>();
        List<String> refTexts = new ArrayList<>(), sceneTexts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ToyPicture r = world.reference(ids.get(i), 7_000_000L + i);
            ToyPicture s = world.scene(ids.get(i), 7_000_000L + i);
            refImages.add(r.image());
            refTexts.add(r.description());
            sceneImages.add(s.image());
            sceneTexts.add(s.description());
        }
        List<float[]> refEmb = embedImages(refImages), sceneEmb = embedImages(sceneImages);
        List<String> attributeNames = List.of("shape", "pattern", "colour1", "colour2");
        List<String> every = new ArrayList<>(refTexts);
        every.addAll(sceneTexts);
        List<Map<Integer, List<String>>> cands = new ArrayList<>();
        for (ToyIdentity id : ids) {
            Map<Integer, List<String>> perAttr = new LinkedHashMap<>();
            String c1 = id.primary().name(), c2 = id.secondary().name();
            List<String> a = new ArrayList<>();
            for (SyntheticDataset.Shape s : ToyWorld.SHAPES) {
                a.add(describe(s, id.pattern(), c1, c2));
            }
            perAttr.put(0, a);
            a = new ArrayList<>();
            for (ToyPattern p : ToyPattern.values()) {
                a.add(describe(id.shape(), p, c1, c2));
            }
            perAttr.put(1, a);
            a = new ArrayList<>();
            for (String h : ToyColour.HUES) {
                a.add(describe(id.shape(), id.pattern(), id.primary().nameWithHue(h), c2));
            }
            perAttr.put(2, a);
            if (id.pattern() != ToyPattern.PLAIN) {
                a = new ArrayList<>();
                for (String h : ToyColour.HUES) {
                    a.add(describe(id.shape(), id.pattern(), c1, id.secondary().nameWithHue(h)));
                }
                perAttr.put(3, a);
            }
            perAttr.values().forEach(every::addAll);
            cands.add(perAttr);
        }
        Map<String, float[]> emb = embedTexts(every);
        JsonObject o = new JsonObject();
        o.addProperty("held_out_identities", n);
        o.addProperty("group", group);
        o.addProperty("retrieval_reference", retrieval(refEmb, refTexts, group, emb));
        o.addProperty("retrieval_scene", retrieval(sceneEmb, sceneTexts, group, emb));
        o.addProperty("chance_retrieval", 1.0 / group);
        for (int a = 0; a < 4; a++) {
            int right = 0, total = 0;
            for (int i = 0; i < n; i++) {
                List<String> c = cands.get(i).get(a);
                if (c == null) {
                    continue;
                }
                total++;
                right += c.get(best(refEmb.get(i), c, emb)).equals(refTexts.get(i)) ? 1 : 0;
            }
            o.addProperty("attribute_" + attributeNames.get(a), total == 0 ? Double.NaN : (double) right / total);
        }
        o.addProperty("note", "zero-shot on held-out identities (unseen colour-pair x pattern x shape combinations):"
                + " retrieval = right description among groups of held-out descriptions; attribute = right value among"
                + " descriptions differing only in that attribute, on reference views");
        return o;
    }

    private static double retrieval(List<float[]> images, List<String> texts, int group, Map<String, float[]> emb) {
        int right = 0, total = 0;
        for (int start = 0; start + group <= images.size(); start += group) {
            List<String> cand = texts.subList(start, start + group);
            for (int i = start; i < start + group; i++) {
                total++;
                right += cand.get(best(images.get(i), cand, emb)).equals(texts.get(i)) ? 1 : 0;
            }
        }
        return total == 0 ? Double.NaN : (double) right / total;
    }

    @Override
    protected Path sample(Path dir) throws IOException {
        JsonObject z = zeroShot(128, 16);
        Files.createDirectories(dir);
        Path f = dir.resolve("zero_shot.csv");
        boolean header = !Files.exists(f);
        StringBuilder sb = new StringBuilder();
        if (header) {
            sb.append("step,retrieval_reference,retrieval_scene,shape,pattern,colour1,colour2\n");
        }
        sb.append(String.format(Locale.ROOT, "%d,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f%n", step(),
                z.get("retrieval_reference").getAsDouble(), z.get("retrieval_scene").getAsDouble(),
                z.get("attribute_shape").getAsDouble(), z.get("attribute_pattern").getAsDouble(),
                z.get("attribute_colour1").getAsDouble(), z.get("attribute_colour2").getAsDouble()));
        Files.writeString(f, sb.toString(), StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
        return f;
    }

    /**
     * A linear probe on image embeddings (the first gate): ridge regressions fitted on reference views of
     * {@code nTrain} training identities, evaluated on reference views of {@code nTest} held-out identities: R^2 of the
     * RGB of both colours (0..1; the second colour over two-colour patterns only) and accuracy of pattern and shape
     * (softmax regression): the same probe as gate 1 of {@code moa eval --gates} ({@link EmbeddingProbe}).
     */
    public JsonObject linearProbe(int nTrain, int nTest) {
        List<ToyIdentity> train = new ArrayList<>(), test = world.heldOutIdentities(nTest);
        for (int i = 0; i < nTrain; i++) {
            train.add(world.trainingIdentity(8_000_000L + i));
        }
        EmbeddingProbe p = EmbeddingProbe.fit(features(train, 8_000_000L), train, features(test, 9_000_000L), test);
        JsonObject o = new JsonObject();
        o.addProperty("train_identities", nTrain);
        o.addProperty("held_out_identities", nTest);
        o.addProperty("r2_colour1_rgb", p.r2Primary());
        o.addProperty("r2_colour2_rgb", p.r2Secondary());
        o.addProperty("accuracy_pattern", p.patternAccuracy());
        o.addProperty("accuracy_shape", p.shapeAccuracy());
        o.addProperty("note", "eval.EmbeddingProbe (gate 1 of moa eval --gates): ridge regression to each colour's RGB,"
                + " softmax regression to pattern and shape, on reference-view image embeddings of training identities,"
                + " scored on held-out identities");
        return o;
    }

    private double[][] features(List<ToyIdentity> ids, long base) {
        List<RgbImage> images = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            images.add(world.reference(ids.get(i), base + i).image());
        }
        List<float[]> e = embedImages(images);
        double[][] x = new double[e.size()][];
        for (int i = 0; i < x.length; i++) {
            x[i] = new double[e.get(i).length];
            for (int j = 0; j < x[i].length; j++) {
                x[i][j] = e.get(i)[j];
            }
        }
        return x;
    }

    /** Final zero-shot evaluation and linear probe into {@code clip_eval.json}. */
    /**
     * How far apart the text tower keeps the class words where the UNet reads them: the cosine similarity of the last
     * hidden state at the class word's token between the diffusion captions "a photo of a disc in the desert" and the
     * same caption with another class, averaged over the scenes. Near 1 means the UNet cannot tell the classes apart.
     */
    public JsonObject classWordCosines() {
        List<SyntheticDataset.Shape> shapes = ToyWorld.SHAPES;
        int k = shapes.size();
        double[][] sum = new double[k][k];
        for (SyntheticDataset.Scene scene : ToyWorld.SCENES) {
            int[][] ids = new int[k][];
            for (int i = 0; i < k; i++) {
                ids[i] = tokens(ToyWorld.captionFor(shapes.get(i), scene));
            }
            int at = 0;
            while (at < ids[0].length && sameAt(ids, at)) {
                at++;
            }
            int[] flat = new int[k * ids[0].length];
            for (int i = 0; i < k; i++) {
                System.arraycopy(ids[i], 0, flat, i * ids[0].length, ids[0].length);
            }
            try (NDManager m = manager.newSubManager(); Grads.Scope off = Grads.disabled()) {
                NDArray t = m.create(flat, new Shape(k, ids[0].length)).toType(DataType.INT64, false);
                float[] h = text.forward(t).lastHiddenState().get(":, " + at + ", :").toFloatArray();
                int d = h.length / k;
                for (int i = 0; i < k; i++) {
                    for (int j = 0; j < k; j++) {
                        double dot = 0, ni = 0, nj = 0;
                        for (int c = 0; c < d; c++) {
                            dot += h[i * d + c] * h[j * d + c];
                            ni += h[i * d + c] * h[i * d + c];
                            nj += h[j * d + c] * h[j * d + c];
                        }
                        sum[i][j] += dot / Math.sqrt(ni * nj) / ToyWorld.SCENES.size();
                    }
                }
            }
        }
        JsonObject out = new JsonObject();
        JsonObject pairs = new JsonObject();
        double max = -1, mean = 0;
        for (int i = 0; i < k; i++) {
            for (int j = i + 1; j < k; j++) {
                pairs.addProperty(shapes.get(i).word() + "/" + shapes.get(j).word(), round(sum[i][j]));
                max = Math.max(max, sum[i][j]);
                mean += sum[i][j] / (k * (k - 1) / 2.0);
            }
        }
        out.addProperty("max", round(max));
        out.addProperty("mean", round(mean));
        out.add("pairs", pairs);
        return out;
    }

    private static boolean sameAt(int[][] ids, int at) {
        for (int[] row : ids) {
            if (row[at] != ids[0][at]) {
                return false;
            }
        }
        return true;
    }

    private static double round(double v) {
        return Math.round(v * 1e4) / 1e4;
    }

    public JsonObject finish(int n) throws IOException {
        saveModel(output);
        JsonObject z = zeroShot(n, 32);
        z.add("linear_probe", linearProbe(4 * n, n));
        z.add("class_word_cosine", classWordCosines());
        z.addProperty("step", step());
        ToyConfigs.write(output.resolve("clip_eval.json"), z);
        return z;
    }

    @Override
    public void close() {
        super.close();
        manager.close();
    }
}
