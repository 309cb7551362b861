package dev.moa.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.moa.io.ComponentFiles;
import dev.moa.io.Json;
import dev.moa.io.SafetensorsFile;
import dev.moa.io.SafetensorsWriter;
import dev.moa.io.TensorSource;
import dev.moa.testing.Close;
import dev.moa.testing.Fixtures;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An SD 2.x-style single file, fp32, written here from the diffusers fixtures by the inverse of the
 * documented layout: tiny-sd2's UNet (linear projections, attention only at the second level, upsampler
 * after a transformer), tiny-sd's VAE (two levels, one layer per block) and tiny-sd2's GELU text encoder in
 * OpenCLIP's layout (fused q/k/v, {@code resblocks}, {@code ln_final}, a text projection).
 */
class SingleFileSd2Test {

    @TempDir
    static Path tmp;
    static Path file;
    static NDManager manager;

    @BeforeAll
    static void write() throws Exception {
        manager = NDManager.newBaseManager();
        SafetensorsWriter w = new SafetensorsWriter();
        UNetConfig ucfg = UNetConfig.from(Json.read(Fixtures.path("models/tiny-sd2/unet/config.json")));
        try (NDManager m = manager.newSubManager()) {
            try (TensorSource s = ComponentFiles.openWeights(Fixtures.path("models/tiny-sd2/unet"))) {
                for (String k : s.keys()) {
                    w.add(LdmUNetKeys.PREFIX + ldmUNet(k, ucfg), s.load(k, m));
                }
            }
            try (TensorSource s = ComponentFiles.openWeights(Fixtures.path("models/tiny-sd/vae"))) {
                for (String k : s.keys()) {
                    NDArray a = s.load(k, m);
                    boolean attnWeight = k.contains("attentions") && k.contains(".to_") && k.endsWith("weight");
                    w.add(LdmVaeKeys.PREFIX + ldmVae(AutoencoderKL.modelKey(k), 2),
                            attnWeight ? a.reshape(a.getShape().get(0), a.getShape().get(1), 1, 1) : a);  // LDM: 1x1 convs
                }
            }
            Map<String, NDArray> text = new HashMap<>();
            try (TensorSource s = ComponentFiles.openWeights(Fixtures.path("models/tiny-sd2/text_encoder"))) {
                for (String k : s.keys()) {
                    String mk = ClipTextModel.modelKey(k);
                    if (mk != null) {
                        text.put(mk, s.load(k, m));
                    }
                }
            }
            writeOpenClip(w, text, m);
        }
        file = tmp.resolve("sd2-style.safetensors");
        w.write(file);
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    @Test
    void recognisedAsSd2WithInferredStructure() throws Exception {
        try (SingleFileCheckpoint ckpt = SingleFileCheckpoint.open(file)) {
            assertEquals(SingleFileCheckpoint.Family.SD2, ckpt.family());
            assertEquals(SingleFileCheckpoint.TextLayout.OPENCLIP, ckpt.textLayout());
            UNetConfig u = ckpt.unetConfig();
            UNetConfig ref = UNetConfig.from(Json.read(Fixtures.path("models/tiny-sd2/unet/config.json")));
            assertArrayEquals(ref.blockOutChannels(), u.blockOutChannels());
            assertArrayEquals(ref.downBlockTypes(), u.downBlockTypes());
            assertArrayEquals(ref.upBlockTypes(), u.upBlockTypes());
            assertEquals(1, u.layersPerBlock());
            assertEquals(32, u.crossAttentionDim());
            assertTrue(u.useLinearProjection());
            ClipConfig t = ckpt.textConfig();
            assertEquals(32, t.hiddenSize());
            assertEquals(4, t.layers());  // the file's 5 minus the last: SD 2.x uses the penultimate layer
            assertEquals(37, t.intermediateSize());
            assertEquals("gelu", t.activation());
            assertTrue(ckpt.notes().stream().anyMatch(n -> n.contains("prediction type")), ckpt.notes().toString());
            System.out.println(ckpt.describe());
        }
    }

    @Test
    void openClipWeightsSplitExactly() throws Exception {
        try (SingleFileCheckpoint ckpt = SingleFileCheckpoint.open(file)) {
            // all 5 layers, so every folder tensor is reached; fp32, so equal without rounding
            SingleFileWeightsTest.compare(ckpt.textSource(), LdmTextKeys.openClip(5),
                    Fixtures.path("models/tiny-sd2/text_encoder"), ClipTextModel::modelKey, "openclip text", false);
        }
    }

    @Test
    void textEncoderGivesThePenultimateLayerOfTheFullModel() throws Exception {
        var o = SingleFileCheckpoint.Overrides.none().withTextHeads(4);
        try (SingleFileCheckpoint ckpt = SingleFileCheckpoint.open(file, o); NDManager m = manager.newSubManager();
                SafetensorsFile ids = Fixtures.ref("ref/text_encoder.safetensors")) {
            NDArray input = ids.load("input_ids", m);
            ClipTextModel full = ClipTextModel.load(Fixtures.path("models/tiny-sd2/text_encoder"), m);
            NDArray expected = full.encode(input, 1);  // CLIP skip 1 = penultimate layer + final norm
            Close.assertClose(expected.toFloatArray(), expected.getShape().getShape(),
                    ckpt.loadTextEncoder(m).forward(input).lastHiddenState(), 1e-5,
                    "single-file openclip text vs penultimate layer");
        }
    }

    @Test
    void unetMatchesDiffusersWithFolderConfig() throws Exception {
        try (SingleFileCheckpoint ckpt = SingleFileCheckpoint.open(file); NDManager m = manager.newSubManager();
                SafetensorsFile ref = Fixtures.ref("ref/unet_sd2style.safetensors")) {
            UNetConfig cfg = UNetConfig.from(Json.read(Fixtures.path("models/tiny-sd2/unet/config.json")));
            unetParity(ckpt.loadUNet(m, cfg), ref, m, "single-file sd2-style unet, folder config");
        }
    }

    @Test
    void unetMatchesDiffusersWithInferredConfigAndHeads() throws Exception {
        // only the head counts (2, 4) are not derivable here; groups (32) match the default
        var o = SingleFileCheckpoint.Overrides.none().withUNetHeads(2, 4);
        try (SingleFileCheckpoint ckpt = SingleFileCheckpoint.open(file, o); NDManager m = manager.newSubManager();
                SafetensorsFile ref = Fixtures.ref("ref/unet_sd2style.safetensors")) {
            unetParity(ckpt.loadUNet(m), ref, m, "single-file sd2-style unet, inferred config + heads");
        }
    }

    @Test
    void vaeMatchesDiffusersWithInferredConfig() throws Exception {
        try (SingleFileCheckpoint ckpt = SingleFileCheckpoint.open(file); NDManager m = manager.newSubManager();
                SafetensorsFile ref = Fixtures.ref("ref/vae_tiny.safetensors")) {
            AutoencoderKL vae = ckpt.loadVae(m);
            AutoencoderKL.LatentDist d = vae.encode(ref.load("image", m));
            Close.assertClose(ref.floats("latent_mean"), ref.info("latent_mean").shape(), d.mean(), 1e-4, "single-file vae latent_mean");
            Close.assertClose(ref.floats("latent_std"), ref.info("latent_std").shape(), d.std(), 1e-4, "single-file vae latent_std");
            Close.assertClose(ref.floats("decoded"), ref.info("decoded").shape(), vae.decode(ref.load("latent", m)), 1e-4,
                    "single-file vae decoded");
        }
    }

    private static void unetParity(UNet2DConditionModel unet, SafetensorsFile ref, NDManager m, String what) throws Exception {
        NDArray out = unet.forward(ref.load("sample", m), ref.load("timesteps", m), ref.load("encoder_hidden_states", m), null);
        float[] expected = ref.floats("out");
        Close.assertClose(expected, ref.info("out").shape(), out, 1e-4 * Math.max(1, Close.maxAbs(expected)), what);
    }

    // ------------------------------------------------------------ diffusers -> original layout (test side)

    private static final Pattern BLOCK = Pattern.compile("(down|up)_blocks\\.(\\d+)\\.(resnets|attentions|downsamplers|upsamplers)\\.(\\d+)\\.(.+)");
    private static final String[][] RES = {{"norm1.", "in_layers.0."}, {"conv1.", "in_layers.2."},
        {"time_emb_proj.", "emb_layers.1."}, {"norm2.", "out_layers.0."}, {"conv2.", "out_layers.3."},
        {"conv_shortcut.", "skip_connection."}};

    static String ldmUNet(String k, UNetConfig c) {
        int slots = c.layersPerBlock() + 1;
        String[][] simple = {{"conv_in.", "input_blocks.0.0."}, {"time_embedding.linear_1.", "time_embed.0."},
            {"time_embedding.linear_2.", "time_embed.2."}, {"conv_norm_out.", "out.0."}, {"conv_out.", "out.2."},
            {"mid_block.attentions.0.", "middle_block.1."}};
        for (String[] s : simple) {
            if (k.startsWith(s[0])) {
                return s[1] + k.substring(s[0].length());
            }
        }
        if (k.startsWith("mid_block.resnets.")) {
            return "middle_block." + (k.charAt(18) == '0' ? 0 : 2) + "." + swap(k.substring(20), RES);
        }
        Matcher m = BLOCK.matcher(k);
        if (!m.matches()) {
            throw new IllegalArgumentException(k);
        }
        int level = Integer.parseInt(m.group(2));
        int j = Integer.parseInt(m.group(4));
        String rest = m.group(5);
        boolean down = m.group(1).equals("down");
        int first = down ? 1 + level * slots : level * slots;
        switch (m.group(3)) {
            case "resnets": return (down ? "input_blocks." : "output_blocks.") + (first + j) + ".0." + swap(rest, RES);
            case "attentions": return (down ? "input_blocks." : "output_blocks.") + (first + j) + ".1." + rest;
            case "downsamplers": return "input_blocks." + ((level + 1) * slots) + ".0.op." + rest.substring("conv.".length());
            default:
                boolean attn = c.upBlockTypes()[level].startsWith("CrossAttn");
                return "output_blocks." + (first + slots - 1) + "." + (attn ? 2 : 1) + "." + rest;
        }
    }

    static String ldmVae(String k, int levels) {
        String[][] attn = {{"group_norm.", "norm."}, {"to_q.", "q."}, {"to_k.", "k."}, {"to_v.", "v."}, {"to_out.0.", "proj_out."}};
        k = k.replace(".conv_norm_out.", ".norm_out.").replace("mid_block.resnets.0.", "mid.block_1.")
                .replace("mid_block.resnets.1.", "mid.block_2.").replace(".conv_shortcut.", ".nin_shortcut.");
        if (k.contains("mid_block.attentions.0.")) {
            int i = k.indexOf("mid_block.attentions.0.");
            return k.substring(0, i) + "mid.attn_1." + swap(k.substring(i + "mid_block.attentions.0.".length()), attn);
        }
        Matcher m = Pattern.compile("(encoder\\.down|decoder\\.up)_blocks\\.(\\d+)\\.(resnets|downsamplers|upsamplers)\\.(\\d+)\\.(.+)").matcher(k);
        if (!m.matches()) {
            return k;
        }
        boolean enc = m.group(1).startsWith("encoder");
        int level = Integer.parseInt(m.group(2));
        String p = m.group(1) + "." + (enc ? level : levels - 1 - level) + ".";
        return switch (m.group(3)) {
            case "resnets" -> p + "block." + m.group(4) + "." + m.group(5);
            default -> p + (enc ? "downsample." : "upsample.") + m.group(5);
        };
    }

    private static void writeOpenClip(SafetensorsWriter w, Map<String, NDArray> t, NDManager m) {
        String p = LdmTextKeys.OPENCLIP_PREFIX;
        w.add(p + "token_embedding.weight", t.get("embeddings.token_embedding.weight"));
        w.add(p + "positional_embedding", t.get("embeddings.position_embedding.weight"));
        w.add(p + "ln_final.weight", t.get("final_layer_norm.weight"));
        w.add(p + "ln_final.bias", t.get("final_layer_norm.bias"));
        w.add(p + "text_projection", m.ones(new ai.djl.ndarray.types.Shape(32, 32)));
        w.add(p + "logit_scale", m.create(new float[] {4.6f}));
        String[][] names = {{"layer_norm1.", "ln_1."}, {"layer_norm2.", "ln_2."}, {"self_attn.out_proj.", "attn.out_proj."},
            {"mlp.fc1.", "mlp.c_fc."}, {"mlp.fc2.", "mlp.c_proj."}};
        for (int i = 0; i < 5; i++) {
            String hf = "encoder.layers." + i + ".";
            String oc = p + "transformer.resblocks." + i + ".";
            for (String leaf : new String[] {"weight", "bias"}) {
                NDList qkv = new NDList();
                for (String x : new String[] {"q", "k", "v"}) {
                    qkv.add(t.get(hf + "self_attn." + x + "_proj." + leaf));
                }
                w.add(oc + "attn.in_proj_" + leaf, NDArrays.concat(qkv, 0));
                for (String[] n : names) {
                    w.add(oc + n[1] + leaf, t.get(hf + n[0] + leaf));
                }
            }
        }
    }

    private static String swap(String rest, String[][] table) {
        for (String[] s : table) {
            if (rest.startsWith(s[0])) {
                return s[1] + rest.substring(s[0].length());
            }
        }
        return rest;
    }
}
