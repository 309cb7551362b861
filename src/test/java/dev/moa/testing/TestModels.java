package dev.moa.testing;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import dev.moa.io.Json;
import dev.moa.io.Weights;
import dev.moa.models.UNet2DConditionModel;
import dev.moa.models.UNetConfig;

/** Small model variants for tests. */
public final class TestModels {
    private TestModels() {}

    /** tiny-sd's UNet architecture with another cross-attention width, random weights. */
    public static UNet2DConditionModel tinyUNetWithCrossDim(NDManager m, int crossDim) throws Exception {
        JsonObject cfg = Json.read(Fixtures.path("models/tiny-sd/unet/config.json"));
        cfg.addProperty("cross_attention_dim", crossDim);
        return new UNet2DConditionModel(UNetConfig.from(cfg), Weights.random("test unet", m, 1));
    }
}
