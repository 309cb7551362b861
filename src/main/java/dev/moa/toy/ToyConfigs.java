package dev.moa.toy;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.moa.io.AtomicFiles;
import dev.moa.models.ClipConfig;
import dev.moa.models.UNetConfig;
import dev.moa.models.VaeConfig;
import java.io.IOException;
import java.nio.file.Path;

/** config.json files in the diffusers / transformers layouts for the toy models (what their loaders read back). */
public final class ToyConfigs {
    private ToyConfigs() {}

    public static JsonObject vae(VaeConfig c) {
        JsonObject o = new JsonObject();
        o.addProperty("_class_name", "AutoencoderKL");
        o.addProperty("_diffusers_version", "0.30.0");
        o.addProperty("act_fn", "silu");
        o.add("block_out_channels", ints(c.blockOutChannels()));
        o.add("down_block_types", repeat("DownEncoderBlock2D", c.blockOutChannels().length));
        o.add("up_block_types", repeat("UpDecoderBlock2D", c.blockOutChannels().length));
        o.addProperty("force_upcast", true);
        o.addProperty("in_channels", c.inChannels());
        o.addProperty("out_channels", c.outChannels());
        o.addProperty("latent_channels", c.latentChannels());
        o.addProperty("layers_per_block", c.layersPerBlock());
        o.addProperty("norm_num_groups", c.normGroups());
        o.addProperty("sample_size", c.sampleSize());
        o.addProperty("scaling_factor", c.scalingFactor());
        o.addProperty("mid_block_add_attention", c.midBlockAttention());
        o.addProperty("use_quant_conv", c.useQuantConv());
        o.addProperty("use_post_quant_conv", c.usePostQuantConv());
        return o;
    }

    public static JsonObject unet(UNetConfig c) {
        JsonObject o = new JsonObject();
        o.addProperty("_class_name", "UNet2DConditionModel");
        o.addProperty("_diffusers_version", "0.30.0");
        o.addProperty("act_fn", "silu");
        o.add("attention_head_dim", ints(c.heads()));   // diffusers' naming quirk: heads per block
        o.add("block_out_channels", ints(c.blockOutChannels()));
        o.addProperty("center_input_sample", false);
        o.addProperty("cross_attention_dim", c.crossAttentionDim());
        JsonArray down = new JsonArray(), up = new JsonArray();
        for (String s : c.downBlockTypes()) {
            down.add(s);
        }
        for (String s : c.upBlockTypes()) {
            up.add(s);
        }
        o.add("down_block_types", down);
        o.add("up_block_types", up);
        o.addProperty("mid_block_type", "UNetMidBlock2DCrossAttn");
        o.addProperty("downsample_padding", c.downsamplePadding());
        o.addProperty("flip_sin_to_cos", c.flipSinToCos());
        o.addProperty("freq_shift", c.freqShift());
        o.addProperty("in_channels", c.inChannels());
        o.addProperty("out_channels", c.outChannels());
        o.addProperty("layers_per_block", c.layersPerBlock());
        o.addProperty("mid_block_scale_factor", c.midBlockScaleFactor());
        o.addProperty("norm_eps", c.normEps());
        o.addProperty("norm_num_groups", c.normGroups());
        o.addProperty("sample_size", c.sampleSize());
        o.addProperty("transformer_layers_per_block", c.transformerLayers());
        o.addProperty("use_linear_projection", c.useLinearProjection());
        o.addProperty("upcast_attention", c.upcastAttention());
        return o;
    }

    /** A transformers CLIPTextConfig ({@code CLIPTextModel}). */
    public static JsonObject clipText(ClipConfig c) {
        JsonObject o = clipCommon(c);
        o.add("architectures", strings("CLIPTextModel"));
        o.addProperty("model_type", "clip_text_model");
        o.addProperty("vocab_size", c.vocabSize());
        o.addProperty("max_position_embeddings", c.maxPositions());
        o.addProperty("bos_token_id", 49406);
        o.addProperty("eos_token_id", c.eosTokenId());
        o.addProperty("pad_token_id", 49407);
        return o;
    }

    /** A transformers CLIPVisionConfig ({@code CLIPVisionModelWithProjection}). */
    public static JsonObject clipVision(ClipConfig c) {
        JsonObject o = clipCommon(c);
        o.add("architectures", strings("CLIPVisionModelWithProjection"));
        o.addProperty("model_type", "clip_vision_model");
        o.addProperty("image_size", c.imageSize());
        o.addProperty("patch_size", c.patchSize());
        o.addProperty("num_channels", 3);
        return o;
    }

    /** A full transformers CLIPConfig ({@code CLIPModel}: both towers, both projections, logit_scale). */
    public static JsonObject clipModel(ClipConfig text, ClipConfig vision, double logitScaleInit) {
        JsonObject o = new JsonObject();
        o.add("architectures", strings("CLIPModel"));
        o.addProperty("model_type", "clip");
        o.addProperty("projection_dim", vision.projectionDim());
        o.addProperty("logit_scale_init_value", logitScaleInit);
        o.add("text_config", clipText(text));
        o.add("vision_config", clipVision(vision));
        return o;
    }

    private static JsonObject clipCommon(ClipConfig c) {
        JsonObject o = new JsonObject();
        o.addProperty("hidden_size", c.hiddenSize());
        o.addProperty("intermediate_size", c.intermediateSize());
        o.addProperty("num_attention_heads", c.heads());
        o.addProperty("num_hidden_layers", c.layers());
        o.addProperty("hidden_act", c.activation());
        o.addProperty("layer_norm_eps", c.layerNormEps());
        o.addProperty("projection_dim", c.projectionDim());
        o.addProperty("initializer_range", 0.02);
        o.addProperty("initializer_factor", 1.0);
        o.addProperty("attention_dropout", 0.0);
        o.addProperty("torch_dtype", "float32");
        return o;
    }

    /** CLIPImageProcessor config for square pictures of {@code size} pixels (no resize or crop at that size). */
    public static JsonObject featureExtractor(int size) {
        JsonObject o = new JsonObject();
        JsonObject crop = new JsonObject();
        crop.addProperty("height", size);
        crop.addProperty("width", size);
        o.add("crop_size", crop);
        o.addProperty("do_center_crop", true);
        o.addProperty("do_convert_rgb", true);
        o.addProperty("do_normalize", true);
        o.addProperty("do_rescale", true);
        o.addProperty("do_resize", true);
        o.add("image_mean", doubles(0.48145466, 0.4578275, 0.40821073));
        o.add("image_std", doubles(0.26862954, 0.26130258, 0.27577711));
        o.addProperty("image_processor_type", "CLIPImageProcessor");
        o.addProperty("resample", 3);
        o.addProperty("rescale_factor", 1 / 255.0);
        JsonObject s = new JsonObject();
        s.addProperty("shortest_edge", size);
        o.add("size", s);
        return o;
    }

    /** SD's DDIM scheduler config (scaled-linear betas 0.00085..0.012, 1000 steps, epsilon). */
    public static JsonObject ddimScheduler() {
        JsonObject o = new JsonObject();
        o.addProperty("_class_name", "DDIMScheduler");
        o.addProperty("_diffusers_version", "0.30.0");
        o.addProperty("beta_end", 0.012);
        o.addProperty("beta_schedule", "scaled_linear");
        o.addProperty("beta_start", 0.00085);
        o.addProperty("clip_sample", false);
        o.addProperty("num_train_timesteps", 1000);
        o.addProperty("prediction_type", "epsilon");
        o.addProperty("set_alpha_to_one", false);
        o.addProperty("steps_offset", 1);
        o.addProperty("timestep_spacing", "leading");
        return o;
    }

    public static void write(Path file, JsonObject o) throws IOException {
        AtomicFiles.writeString(file, new GsonBuilder().setPrettyPrinting().create().toJson(o) + "\n");
    }

    static JsonArray ints(int[] v) {
        JsonArray a = new JsonArray();
        for (int x : v) {
            a.add(x);
        }
        return a;
    }

    private static JsonArray doubles(double... v) {
        JsonArray a = new JsonArray();
        for (double x : v) {
            a.add(x);
        }
        return a;
    }

    private static JsonArray strings(String... v) {
        JsonArray a = new JsonArray();
        for (String x : v) {
            a.add(x);
        }
        return a;
    }

    private static JsonArray repeat(String s, int n) {
        JsonArray a = new JsonArray();
        for (int i = 0; i < n; i++) {
            a.add(s);
        }
        return a;
    }
}
