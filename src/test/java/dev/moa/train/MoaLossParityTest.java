package dev.moa.train;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.moa.io.SafetensorsFile;
import dev.moa.moa.MoaAdapter;
import dev.moa.moa.MoaCall;
import dev.moa.moa.MoaCapture;
import dev.moa.moa.MoaMode;
import dev.moa.models.UNet2DConditionModel;
import dev.moa.tensor.Grads;
import dev.moa.testing.Close;
import dev.moa.testing.Fixtures;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The four loss values and the gradients of the total loss against ref/moa_tiny. */
class MoaLossParityTest {

    @Test
    void lossesAndGradientsMatchTheReference() throws Exception {
        try (NDManager m = NDManager.newBaseManager(); SafetensorsFile ref = Fixtures.ref("ref/moa_tiny.safetensors")) {
            UNet2DConditionModel unet = UNet2DConditionModel.load(Fixtures.path("models/tiny-sd/unet"), m);
            MoaAdapter moa = MoaAdapter.load(Fixtures.path("models/tiny-moa"), unet, m);
            moa.install(unet);
            Map<String, NDArray> params = moa.parameters();
            params.values().forEach(p -> p.setRequiresGradient(true));
            int[][] pos = Fixtures.intRows(ref, "positions");
            MoaLosses.Terms terms;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray text = ref.load("text_embeds", m);
                MoaCall call = new MoaCall(MoaMode.MOA, moa.fuser(), text, pos, ref.load("image_embeds", m),
                        ref.floats("timesteps"), MoaCapture.forLosses(MoaLosses.objectLossLayers(moa.config())));
                NDArray out = unet.forward(ref.load("latents", m), ref.load("timesteps", m), text, call);
                terms = MoaLosses.compute(out, ref.load("noise", m), ref.load("masks", m), pos, call.capture(), moa.config());
                gc.backward(terms.total());
            }
            Close.assertClose(ref.floats("loss_diffusion"), new float[] {terms.diffusion().getFloat()}, 1e-5, "loss_diffusion");
            Close.assertClose(ref.floats("loss_router"), new float[] {terms.router().getFloat()}, 1e-5, "loss_router");
            Close.assertClose(ref.floats("loss_object"), new float[] {terms.object().getFloat()}, 1e-7, "loss_object");
            Close.assertClose(ref.floats("loss_total"), new float[] {terms.total().getFloat()}, 1e-5, "loss_total");
            int checked = 0;
            for (String key : ref.keys()) {
                if (!key.startsWith("grad.")) {
                    continue;
                }
                String name = key.startsWith("grad.procs.")
                        ? "unet." + key.substring("grad.procs.".length()).replace("__", ".")
                        : key.substring("grad.".length());
                NDArray p = params.get(name);
                assertNotNull(p, "no MoA parameter for " + key + " (" + name + ")");
                float[] expected = ref.floats(key);
                Close.assertClose(expected, p.getGradient().toFloatArray(), 1e-4 * Math.max(1e-2, Close.maxAbs(expected)),
                        "grad " + name);
                checked++;
            }
            assertFalse(checked < 10, "expected the reference gradients");
            params.values().forEach(Grads::zero);
        }
    }
}
