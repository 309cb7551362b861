package dev.moa.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.moa.io.SafetensorsFile;
import dev.moa.testing.Close;
import dev.moa.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** CLIP text and vision encoders against transformers' outputs on the tiny fixtures. */
class ClipParityTest {
    static NDManager manager;

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    private static NDArray tensor(SafetensorsFile f, String key) throws Exception {
        return f.load(key, manager);
    }

    @Test
    void textEncoder() throws Exception {
        ClipTextModel te = ClipTextModel.load(Fixtures.path("models/tiny-sd/text_encoder"), manager);
        try (SafetensorsFile ref = Fixtures.ref("ref/text_encoder.safetensors")) {
            ClipTextModel.Output out = te.forward(tensor(ref, "input_ids"));
            Close.assertClose(ref.floats("last_hidden_state"), ref.info("last_hidden_state").shape(),
                    out.lastHiddenState(), 1e-4, "text_encoder last_hidden_state");
            Close.assertClose(ref.floats("penultimate_hidden_state"), ref.info("penultimate_hidden_state").shape(),
                    out.penultimateHiddenState(), 1e-4, "text_encoder penultimate_hidden_state");
            Close.assertClose(ref.floats("pooler_output"), ref.info("pooler_output").shape(),
                    out.pooled(), 1e-4, "text_encoder pooler_output");
            // encode() with clip skip 0 is the last hidden state
            Close.assertClose(ref.floats("last_hidden_state"), ref.info("last_hidden_state").shape(),
                    te.encode(tensor(ref, "input_ids"), 0), 1e-4, "text_encoder encode(clipSkip 0)");
        }
    }

    @Test
    void imageEncoder() throws Exception {
        ClipVisionModel ie = ClipVisionModel.load(Fixtures.path("models/tiny-sd/image_encoder"), manager);
        try (SafetensorsFile ref = Fixtures.ref("ref/image_encoder.safetensors")) {
            ClipVisionModel.Output out = ie.forward(tensor(ref, "pixel_values"));
            Close.assertClose(ref.floats("image_embeds"), ref.info("image_embeds").shape(),
                    out.imageEmbeds(), 1e-4, "image_encoder image_embeds");
            Close.assertClose(ref.floats("last_hidden_state"), ref.info("last_hidden_state").shape(),
                    out.lastHiddenState(), 1e-4, "image_encoder last_hidden_state");
            Close.assertClose(ref.floats("penultimate_hidden_state"), ref.info("penultimate_hidden_state").shape(),
                    out.penultimateHiddenState(), 1e-4, "image_encoder penultimate_hidden_state");
        }
    }
}
