package dev.moa.moa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.moa.io.SafetensorsFile;
import dev.moa.models.ClipTextModel;
import dev.moa.models.ClipVisionModel;
import dev.moa.models.UNet2DConditionModel;
import dev.moa.testing.Close;
import dev.moa.testing.Fixtures;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One MoA UNet call of tiny-sd + tiny-moa against the reference (fixtures ref/moa_tiny). */
class MoaParityTest {
    static NDManager manager;
    static UNet2DConditionModel unet;
    static MoaAdapter moa;
    static SafetensorsFile ref;

    @BeforeAll
    static void setUp() throws Exception {
        manager = NDManager.newBaseManager();
        unet = UNet2DConditionModel.load(Fixtures.path("models/tiny-sd/unet"), manager);
        moa = MoaAdapter.load(Fixtures.path("models/tiny-moa"), unet, manager);
        moa.install(unet);
        ref = Fixtures.ref("ref/moa_tiny.safetensors");
    }

    @AfterAll
    static void tearDown() throws Exception {
        ref.close();
        manager.close();
    }

    static int[][] positions() throws Exception {
        return Fixtures.intRows(ref, "positions");
    }

    static float[] timesteps() throws Exception {
        return ref.floats("timesteps");
    }

    /** The UNet input of the reference call ("latents" is already the noisy sample the UNet sees). */
    static NDArray input(NDManager m) throws Exception {
        return ref.load("latents", m);
    }

    private MoaCall call(NDManager m, MoaMode mode, boolean capture) throws Exception {
        NDArray text = ref.load("text_embeds", m);
        NDArray img = ref.load("image_embeds", m);
        return new MoaCall(mode, moa.fuser(), text, positions(), img, timesteps(),
                capture ? MoaCapture.router() : MoaCapture.nothing());
    }

    @Test
    void encodersGiveTheReferenceInputs() throws Exception {
        try (NDManager m = manager.newSubManager()) {
            ClipTextModel te = ClipTextModel.load(Fixtures.path("models/tiny-sd/text_encoder"), m);
            Close.assertClose(ref.floats("text_embeds"), ref.info("text_embeds").shape(),
                    te.encode(ref.load("input_ids", m), 0), 1e-4, "moa_tiny text_embeds");
            ClipVisionModel ie = ClipVisionModel.load(Fixtures.path("models/tiny-sd/image_encoder"), m);
            NDArray px = ref.load("subject_pixel_values", m);
            NDArray emb = ie.imageEmbeds(px.reshape(4, 3, 32, 32)).reshape(2, 2, -1);
            Close.assertClose(ref.floats("image_embeds"), ref.info("image_embeds").shape(), emb, 1e-4,
                    "moa_tiny image_embeds");
        }
    }

    @Test
    void fusedPromptOfTheFirstCrossLayer() throws Exception {
        try (NDManager m = manager.newSubManager()) {
            String first = moa.config().crossLayers().get(0);
            NDArray fused = call(m, MoaMode.MOA, false).fusedFor(0);
            Close.assertClose(ref.floats("fused." + first), ref.info("fused." + first).shape(), fused, 1e-4,
                    "moa_tiny fused." + first);
        }
    }

    @Test
    void subjectWeightsScaleEachSubjectsChangeToItsToken() throws Exception {
        try (NDManager m = manager.newSubManager()) {
            NDArray text = ref.load("text_embeds", m);
            NDArray img = ref.load("image_embeds", m);
            int[][] pos = positions();
            float[][] ones = new float[pos.length][pos[0].length];
            float[][] w = new float[pos.length][pos[0].length];
            for (int r = 0; r < pos.length; r++) {
                java.util.Arrays.fill(ones[r], 1f);
                w[r][0] = 0f;   // first subject: none of its photo
                for (int k = 1; k < w[r].length; k++) {
                    w[r][k] = 0.5f;
                }
            }
            float[] full = moa.fuser().fuse(text, pos, img, timesteps(), 0).toFloatArray();
            // weights of 1 are the same computation as no weights
            assertArrayEquals(full, moa.fuser().fuse(text, pos, ones, img, timesteps(), 0).toFloatArray());
            float[] plain = text.toFloatArray();
            float[] half = moa.fuser().fuse(text, pos, w, img, timesteps(), 0).toFloatArray();
            long len = text.getShape().get(1), d = text.getShape().get(2);
            int checked = 0;
            for (int r = 0; r < pos.length; r++) {
                for (int k = 0; k < pos[r].length; k++) {
                    if (pos[r][k] < 0) {
                        continue;
                    }
                    int at = (int) ((r * len + pos[r][k]) * d);
                    for (int c = 0; c < d; c++) {
                        float expect = k == 0 ? plain[at + c] : (plain[at + c] + full[at + c]) / 2;
                        if (k == 0) {
                            assertEquals(expect, half[at + c], "weight 0: the plain text, exactly");
                        } else {
                            assertEquals(expect, half[at + c], 1e-5, "weight 0.5: half way");
                        }
                    }
                    checked++;
                }
            }
            assertTrue(checked >= 2, "subject tokens checked: " + checked);
        }
    }

    @Test
    void moaPriorAndPersonalOutputsAndRouterMaps() throws Exception {
        try (NDManager m = manager.newSubManager()) {
            NDArray x = input(m);
            NDArray t = ref.load("timesteps", m);
            NDArray text = ref.load("text_embeds", m);
            MoaCall c = call(m, MoaMode.MOA, true);
            NDArray out = unet.forward(x, t, c.text, c);
            Close.assertClose(ref.floats("out"), ref.info("out").shape(), out, 1e-4, "moa_tiny out");
            Map<String, NDArray> r = c.capture().routerPrior();
            assertEquals(moa.config().moaLayers(), new java.util.ArrayList<>(r.keySet()));
            for (String layer : moa.config().moaLayers()) {
                Close.assertClose(ref.floats("router0." + layer), ref.info("router0." + layer).shape(), r.get(layer),
                        1e-4, "moa_tiny router0." + layer);
            }
            Close.assertClose(ref.floats("out_prior"), ref.info("out_prior").shape(),
                    unet.forward(x, t, text, call(m, MoaMode.PRIOR, false)), 1e-4, "moa_tiny out_prior");
            Close.assertClose(ref.floats("out_personal"), ref.info("out_personal").shape(),
                    unet.forward(x, t, text, call(m, MoaMode.PERSONAL, false)), 1e-4, "moa_tiny out_personal");
        }
    }

    @Test
    void priorModeIsExactlyTheBaseModel() throws Exception {
        try (NDManager m = manager.newSubManager()) {
            NDArray x = input(m);
            NDArray t = ref.load("timesteps", m);
            NDArray text = ref.load("text_embeds", m);
            float[] prior = unet.forward(x, t, text, call(m, MoaMode.PRIOR, false)).toFloatArray();
            MoaAdapter.uninstall(unet);
            float[] base;
            try {
                base = unet.forward(x, t, text, null).toFloatArray();
            } finally {
                moa.install(unet);
            }
            // exact: in prior mode the processor runs the layer's own attention on the same inputs, the same
            // kernels at the same shapes as without MoA, so equality holds on any CPU
            assertEquals(0.0, Close.maxAbsDiff(base, prior), "prior mode must be the base model bit for bit");
            // and MoA really changes the output
            float[] mixed = unet.forward(x, t, text, call(m, MoaMode.MOA, false)).toFloatArray();
            assertTrue(Close.maxAbsDiff(base, mixed) > 1e-3);
        }
    }
}
