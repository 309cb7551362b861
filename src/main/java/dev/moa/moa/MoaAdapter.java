package dev.moa.moa;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.moa.io.AtomicFiles;
import dev.moa.io.MapTensorSource;
import dev.moa.io.SafetensorsFile;
import dev.moa.io.SafetensorsWriter;
import dev.moa.io.TensorSource;
import dev.moa.io.Weights;
import dev.moa.io.WeightsFormatException;
import dev.moa.models.UNet2DConditionModel;
import dev.moa.nn.Attention;
import dev.moa.tensor.Precision;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The MoA weights for one base UNet: a {@link MoaProcessor} per attention layer and the {@link Fuser}.
 * Loads and saves the checkpoint format of spec section 5, creates fresh checkpoints for training, and
 * installs its processors into the UNet (the base model's weights and code stay untouched).
 */
public final class MoaAdapter {
    public static final String WEIGHTS_FILE = "moa.safetensors";
    public static final String CONFIG_FILE = "moa_config.json";

    private final MoaConfig config;
    private final Fuser fuser;
    private final Map<String, MoaProcessor> processors;
    private final Map<String, NDArray> parameters;

    private MoaAdapter(MoaConfig config, Fuser fuser, Map<String, MoaProcessor> processors, Map<String, NDArray> parameters) {
        this.config = config;
        this.fuser = fuser;
        this.processors = processors;
        this.parameters = parameters;
    }

    /** Loads {@code moa_config.json} + {@code moa.safetensors} from a folder and checks them against the UNet. */
    public static MoaAdapter load(Path dir, UNet2DConditionModel unet, NDManager manager) throws IOException {
        // the experts and routers in the UNet's precision; the fuser stays fp32 (see build)
        return load(dir, unet, manager, unet.precision());
    }

    private static MoaAdapter load(Path dir, UNet2DConditionModel unet, NDManager manager, Precision weights)
            throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "MoA checkpoint folder not found");
        }
        MoaConfig c = MoaConfig.read(dir.resolve(CONFIG_FILE));
        checkLayers(c, unet, dir.toString());
        try (TensorSource src = SafetensorsFile.open(dir.resolve(WEIGHTS_FILE))) {
            return build(c, Weights.of("MoA checkpoint (" + dir + ")", src, null, manager, weights), unet);
        }
    }

    /** A checkpoint config for a UNet with the given dimensions (defaults: spec section 5). */
    public static MoaConfig configFor(UNet2DConditionModel unet, int imageEmbedDim, int routerHidden, int timeEmbed,
            int layerEmbed) {
        List<String> moaLayers = new ArrayList<>();
        List<String> crossLayers = new ArrayList<>();
        for (Attention a : unet.attentionLayers()) {
            moaLayers.add(a.path);
            if (a.isCross) {
                crossLayers.add(a.path);
            }
        }
        return new MoaConfig(routerHidden, timeEmbed, layerEmbed, unet.config().crossAttentionDim(), imageEmbedDim,
                moaLayers, crossLayers, objectLossStages(crossLayers), null, null, null, null);
    }

    /**
     * Stages for the object loss: blocks with cross-attention in forward order, the centred min(5, n)
     * of them (SD 1.5: down_blocks.1, down_blocks.2, mid_block, up_blocks.1, up_blocks.2).
     */
    static List<String> objectLossStages(List<String> crossLayers) {
        Set<String> stages = new LinkedHashSet<>();
        for (String l : crossLayers) {
            stages.add(stageOf(l));
        }
        List<String> all = new ArrayList<>(stages);
        int k = Math.min(5, all.size());
        int start = (all.size() - k) / 2;
        return new ArrayList<>(all.subList(start, start + k));
    }

    /** "down_blocks.1.attentions.0..." -> "down_blocks.1"; "mid_block..." -> "mid_block". */
    public static String stageOf(String layer) {
        String[] p = layer.split("\\.");
        return p[0].equals("mid_block") ? "mid_block" : p[0] + "." + p[1];
    }

    /**
     * A fresh checkpoint for training (spec section 2): personalized weights copied from the base layer,
     * router.2 zero (r = 0.5/0.5), router.0 and the fuser's linears with PyTorch's default init, layer
     * embeddings N(0, 1), layer norms identity. Deterministic for a seed.
     */
    public static MoaAdapter create(MoaConfig c, UNet2DConditionModel unet, NDManager manager, long seed)
            throws IOException {
        checkLayers(c, unet, "new MoA checkpoint");
        if (unet.precision() == Precision.FP16) {
            throw new IllegalStateException("MoA trains with an fp32 or bf16 UNet, not fp16");
        }
        Random rnd = new Random(seed);
        Map<String, NDArray> init = new LinkedHashMap<>();
        Map<String, Attention> byPath = attentionByPath(unet);
        for (String layer : c.moaLayers()) {
            Attention a = byPath.get(layer);
            String p = "unet." + layer + ".";
            // fp32 copies of the base layer (the masters, also when the UNet computes in bf16)
            init.put(p + "personal.to_q.weight", fp32Copy(a.toQ.weight));
            init.put(p + "personal.to_k.weight", fp32Copy(a.toK.weight));
            init.put(p + "personal.to_v.weight", fp32Copy(a.toV.weight));
            init.put(p + "personal.to_out.0.weight", fp32Copy(a.toOut.weight));
            init.put(p + "personal.to_out.0.bias", fp32Copy(a.toOut.bias));
            putLinear(init, p + "router.0", a.queryDim, c.routerHiddenDim(), manager, rnd);
            init.put(p + "router.2.weight", manager.zeros(new Shape(2, c.routerHiddenDim())));
            init.put(p + "router.2.bias", manager.zeros(new Shape(2)));
        }
        int d = c.textEmbedDim();
        float[] emb = new float[c.crossLayers().size() * c.layerEmbedDim()];
        for (int i = 0; i < emb.length; i++) {
            emb[i] = (float) rnd.nextGaussian();
        }
        init.put("fuser.layer_embedding.weight", manager.create(emb, new Shape(c.crossLayers().size(), c.layerEmbedDim())));
        long in1 = (long) d + c.imageEmbedDim() + c.timeEmbedDim() + c.layerEmbedDim();
        putMlp(init, "fuser.mlp1", in1, d, d, manager, rnd);
        putMlp(init, "fuser.mlp2", d, d, d, manager, rnd);
        init.put("fuser.layer_norm.weight", manager.ones(new Shape(d)));
        init.put("fuser.layer_norm.bias", manager.zeros(new Shape(d)));
        return build(c, Weights.of("new MoA checkpoint", new MapTensorSource("init", init), null, manager), unet);
    }

    private static NDArray fp32Copy(NDArray a) {
        return a.getDataType() == ai.djl.ndarray.types.DataType.FLOAT32 ? a.duplicate()
                : a.toType(ai.djl.ndarray.types.DataType.FLOAT32, true);
    }

    /**
     * A checkpoint for continuing training: fp32 master weights whatever the UNet's precision (a bf16 UNet computes
     * with casts of them, see {@link MoaProcessor}).
     */
    public static MoaAdapter loadMasters(Path dir, UNet2DConditionModel unet, NDManager manager) throws IOException {
        return load(dir, unet, manager, Precision.FP32);
    }

    /**
     * A MoA with random weights in the UNet's precision (the fuser in fp32), for benchmarks: both experts and the
     * router compute real work, the values mean nothing.
     */
    public static MoaAdapter random(MoaConfig c, UNet2DConditionModel unet, NDManager manager, long seed)
            throws IOException {
        checkLayers(c, unet, "random MoA");
        return build(c, dev.moa.io.Weights.random("moa (random)", manager, seed, unet.precision()), unet);
    }

    private static void putMlp(Map<String, NDArray> m, String name, long in, long out, long hidden, NDManager nd, Random rnd) {
        m.put(name + ".0.weight", nd.ones(new Shape(in)));
        m.put(name + ".0.bias", nd.zeros(new Shape(in)));
        putLinear(m, name + ".1", in, hidden, nd, rnd);
        putLinear(m, name + ".3", hidden, out, nd, rnd);
    }

    /** nn.Linear's default: weight and bias uniform in +-1/sqrt(fan_in) (kaiming_uniform with a = sqrt(5)). */
    private static void putLinear(Map<String, NDArray> m, String name, long in, long out, NDManager nd, Random rnd) {
        double bound = 1 / Math.sqrt(in);
        float[] w = new float[(int) (in * out)];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
        }
        float[] b = new float[(int) out];
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
        }
        m.put(name + ".weight", nd.create(w, new Shape(out, in)));
        m.put(name + ".bias", nd.create(b, new Shape(out)));
    }

    private static Map<String, Attention> attentionByPath(UNet2DConditionModel unet) {
        Map<String, Attention> m = new LinkedHashMap<>();
        for (Attention a : unet.attentionLayers()) {
            m.put(a.path, a);
        }
        return m;
    }

    /** Refuses a config whose layers are not exactly the UNet's attention layers, saying what differs. */
    static void checkLayers(MoaConfig c, UNet2DConditionModel unet, String what) throws WeightsFormatException {
        Map<String, Attention> byPath = attentionByPath(unet);
        List<String> problems = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (String l : c.moaLayers()) {
            if (!byPath.containsKey(l)) {
                unknown.add(l);
            }
        }
        List<String> uncovered = new ArrayList<>();
        for (String p : byPath.keySet()) {
            if (!c.moaLayers().contains(p)) {
                uncovered.add(p);
            }
        }
        if (!unknown.isEmpty()) {
            problems.add(unknown.size() + " MoA layer(s) not in the base UNet, e.g. " + unknown.subList(0, Math.min(3, unknown.size())));
        }
        if (!uncovered.isEmpty()) {
            problems.add(uncovered.size() + " UNet attention layer(s) without a MoA layer, e.g. "
                    + uncovered.subList(0, Math.min(3, uncovered.size())));
        }
        if (unknown.isEmpty() && uncovered.isEmpty() && !c.moaLayers().equals(new ArrayList<>(byPath.keySet()))) {
            problems.add("moa_layers are not in the UNet's forward order");
        }
        for (String l : c.crossLayers()) {
            Attention a = byPath.get(l);
            if (a != null && !a.isCross) {
                problems.add("'" + l + "' is listed as a cross layer but is self-attention");
            }
        }
        long crossInBase = byPath.values().stream().filter(a -> a.isCross).count();
        if (unknown.isEmpty() && c.crossLayers().size() != crossInBase) {
            problems.add(c.crossLayers().size() + " cross layers in the checkpoint, " + crossInBase + " in the UNet");
        }
        if (c.textEmbedDim() != unet.config().crossAttentionDim()) {
            problems.add("text_embed_dim " + c.textEmbedDim() + " but the UNet's cross_attention_dim is "
                    + unet.config().crossAttentionDim());
        }
        if (!problems.isEmpty()) {
            throw new WeightsFormatException(what + " does not fit the base model ("
                    + unet.attentionLayers().size() + " attention layers, cross dim " + unet.config().crossAttentionDim()
                    + "):\n  " + String.join("\n  ", problems));
        }
    }

    private static MoaAdapter build(MoaConfig c, Weights w, UNet2DConditionModel unet) throws WeightsFormatException {
        Map<String, Attention> byPath = attentionByPath(unet);
        Map<String, MoaProcessor> procs = new LinkedHashMap<>();
        for (String layer : c.moaLayers()) {
            Attention a = byPath.get(layer);
            long inner = a.heads * a.dimHead;
            procs.put(layer, new MoaProcessor(w, layer, c.crossIndex(layer), a.queryDim, a.contextDim, inner,
                    c.routerHiddenDim(), unet.precision()));
        }
        Fuser f = new Fuser(w.withPrecision(Precision.FP32), c);
        w.check();
        return new MoaAdapter(c, f, Collections.unmodifiableMap(procs), Collections.unmodifiableMap(w.taken()));
    }

    /**
     * The same adapter (the same weights and processors, not copies) with other training loss weights in its config,
     * e.g. lambda_router 0 for the paper's ablation without the router loss. Inference does not read them.
     */
    public MoaAdapter withLossWeights(double router, double object) {
        if (!(router >= 0) || !(object >= 0)) {
            throw new IllegalArgumentException("loss weights must be >= 0, got router " + router + ", object " + object);
        }
        return new MoaAdapter(config.withLossWeights(router, object), fuser, processors, parameters);
    }

    public MoaConfig config() {
        return config;
    }

    public Fuser fuser() {
        return fuser;
    }

    public Map<String, MoaProcessor> processors() {
        return processors;
    }

    /** Every MoA weight by checkpoint key: the trainable parameters. */
    public Map<String, NDArray> parameters() {
        return parameters;
    }

    /** Routes every attention layer of the UNet through its MoA processor. */
    public void install(UNet2DConditionModel unet) {
        for (Attention a : unet.attentionLayers()) {
            MoaProcessor p = processors.get(a.path);
            if (p == null) {
                throw new IllegalStateException("no MoA layer for " + a.path);
            }
            a.setProcessor(p);
        }
    }

    /** Restores the default processors. */
    public static void uninstall(UNet2DConditionModel unet) {
        for (Attention a : unet.attentionLayers()) {
            a.setProcessor(null);
        }
    }

    /**
     * Writes {@code moa.safetensors} and {@code moa_config.json} into {@code dir}, each atomically; the
     * weights file goes first so a config never points at missing weights.
     */
    public void save(Path dir) throws IOException {
        save(dir, config, parameters);
    }

    static void save(Path dir, MoaConfig config, Map<String, NDArray> parameters) throws IOException {
        Files.createDirectories(dir);
        SafetensorsWriter w = new SafetensorsWriter();
        parameters.forEach(w::add);
        w.metadata("format", "moa");
        w.write(dir.resolve(WEIGHTS_FILE));
        AtomicFiles.writeString(dir.resolve(CONFIG_FILE), config.toJsonString());
    }
}
