package dev.moa.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Finds the weights of one model component folder in the layouts diffusers and transformers write:
 * {@code diffusion_pytorch_model.safetensors} / {@code model.safetensors}, their sharded
 * {@code *.safetensors.index.json} form, and the {@code .fp16} variants. Pickle files are refused.
 */
public final class ComponentFiles {
    private ComponentFiles() {}

    private static final String[] BASES = {"diffusion_pytorch_model", "model"};

    /** Opens the component's weights as a tensor source. */
    public static TensorSource openWeights(Path dir) throws IOException {
        return open(findWeights(dir));
    }

    /** Opens a safetensors file or a sharded index. */
    public static TensorSource open(Path file) throws IOException {
        String name = file.getFileName().toString();
        if (name.endsWith(".index.json")) {
            return ShardedSafetensors.open(file);
        }
        refusePickle(file);
        return SafetensorsFile.open(file);
    }

    /** The weights file (or index) of a component folder. */
    public static Path findWeights(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "model component folder not found");
        }
        List<Path> candidates = new ArrayList<>();
        for (String variant : new String[] {"", ".fp16"}) {
            for (String base : BASES) {
                candidates.add(dir.resolve(base + variant + ".safetensors"));
                candidates.add(dir.resolve(base + ".safetensors.index" + variant + ".json"));
                candidates.add(dir.resolve(base + variant + ".safetensors.index.json"));
            }
        }
        for (Path p : candidates) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        List<Path> safetensors = new ArrayList<>();
        List<Path> pickles = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.forEach(p -> {
                String n = p.getFileName().toString();
                if (n.endsWith(".safetensors")) {
                    safetensors.add(p);
                } else if (n.endsWith(".bin") || n.endsWith(".ckpt") || n.endsWith(".pt") || n.endsWith(".pth")) {
                    pickles.add(p);
                }
            });
        }
        if (safetensors.size() == 1) {
            return safetensors.get(0);
        }
        if (safetensors.size() > 1) {
            throw new WeightsFormatException(dir + ": several .safetensors files and no index: " + safetensors);
        }
        if (!pickles.isEmpty()) {
            refusePickle(pickles.get(0));
        }
        throw new NoSuchFileException(dir.toString(), null, "no weights found (expected diffusion_pytorch_model.safetensors"
                + " or model.safetensors)");
    }

    /** Pickle-based checkpoints can run arbitrary code when loaded; they are never opened. */
    public static void refusePickle(Path file) throws WeightsFormatException {
        String n = file.getFileName().toString();
        if (n.endsWith(".bin") || n.endsWith(".ckpt") || n.endsWith(".pt") || n.endsWith(".pth")) {
            throw new WeightsFormatException(file + ": pickle checkpoints (.ckpt/.bin/.pt) are not loaded because "
                    + "unpickling can run arbitrary code. Convert it to safetensors first, e.g. in Python: "
                    + "`from safetensors.torch import save_file; import torch; "
                    + "sd = torch.load('" + n + "', map_location='cpu', weights_only=True); "
                    + "save_file(sd.get('state_dict', sd), 'model.safetensors')`, "
                    + "or download the .safetensors version of the model.");
        }
    }
}
