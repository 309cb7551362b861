package dev.moa.models;

import dev.moa.io.WeightsFormatException;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

/**
 * Tells an original-layout SD 1.x/2.x checkpoint apart from the other safetensors files users are likely to
 * pass by mistake, and says what was found, so the error points at the right loader.
 */
final class CheckpointLayout {
    private CheckpointLayout() {}

    private static final int LISTED = 10;

    /** Throws unless the keys are those of a single-file SD 1.x/2.x checkpoint. */
    static void requireSingleFile(Path path, Set<String> keys) throws WeightsFormatException {
        String unet = LdmUNetKeys.PREFIX;
        if (has(keys, "conditioner.embedders.")) {
            throw fail(path, "an SDXL checkpoint (found conditioner.embedders.*, SDXL's two text encoders); only"
                    + " Stable Diffusion 1.x and 2.x single-file checkpoints are supported");
        }
        if (has(keys, unet)) {
            if (has(keys, unet + "label_emb.")) {
                throw fail(path, "the UNet has a class/size embedding (" + unet + "label_emb.*), as SDXL, SD 2.x"
                        + " unCLIP and upscaler models do; only SD 1.x/2.x text-to-image UNets are supported");
            }
            if (!keys.contains(unet + "input_blocks.0.0.weight")) {
                throw fail(path, "found " + unet + "* keys but no " + unet + "input_blocks.0.0.weight (conv_in);"
                        + " not an SD 1.x/2.x UNet");
            }
            return;
        }
        String found;
        if (keys.contains("conv_in.weight") && has(keys, "down_blocks.")) {
            found = "a diffusers UNet weights file (conv_in, down_blocks.*), not a single-file checkpoint: put it in a"
                    + " unet/ folder next to its config.json and load the diffusers model folder";
        } else if (has(keys, "encoder.down_blocks.") || has(keys, "decoder.up_blocks.")) {
            found = "a diffusers VAE weights file (encoder.down_blocks.*), not a single-file checkpoint: load it as a"
                    + " vae/ folder with its config.json";
        } else if (has(keys, "encoder.down.") && has(keys, "decoder.up.")) {
            found = "a standalone VAE in the original layout (encoder.down.*, decoder.up.*), not a full checkpoint";
        } else if (has(keys, "text_model.") || has(keys, "vision_model.") || has(keys, "encoder.layers.")) {
            found = "a CLIP model weights file (text_model / encoder.layers), not a single-file checkpoint";
        } else if (keys.stream().anyMatch(k -> k.contains("lora_") || k.contains(".lora."))) {
            found = "a LoRA file (lora_* keys): it modifies a base model and cannot be loaded as one";
        } else if (has(keys, "model_ema.") || has(keys, "cond_stage_model.") || has(keys, "first_stage_model.")) {
            found = "no " + unet + "* tensors (the UNet); top-level names found: " + topLevel(keys);
        } else {
            found = "not a Stable Diffusion checkpoint: no " + unet + "* tensors; " + keys.size()
                    + " tensors with top-level names " + topLevel(keys);
        }
        throw fail(path, found);
    }

    private static WeightsFormatException fail(Path path, String what) {
        return new WeightsFormatException(path + ": " + what);
    }

    private static boolean has(Set<String> keys, String prefix) {
        return SingleFileCheckpoint.hasPrefix(keys, prefix);
    }

    /** The distinct first dotted segments of the keys, a few of them. */
    private static String topLevel(Set<String> keys) {
        Set<String> out = new TreeSet<>();
        for (String k : keys) {
            int i = k.indexOf('.');
            out.add(i < 0 ? k : k.substring(0, i));
        }
        return out.size() <= LISTED ? out.toString()
                : out.stream().limit(LISTED).toList() + " and " + (out.size() - LISTED) + " more";
    }
}
