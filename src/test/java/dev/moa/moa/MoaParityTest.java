package dev.moa.moa;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
