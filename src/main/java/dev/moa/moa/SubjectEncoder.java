package dev.moa.moa;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.moa.image.ClipImageProcessor;
import dev.moa.image.Images;
import dev.moa.image.RgbImage;
import dev.moa.models.ClipVisionModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reference photos to CLIP image embeddings: pad to square with black (centred), the image encoder's CLIP
 * preprocessing, the frozen vision model's projected {@code image_embeds} (spec section 3).
 */
public final class SubjectEncoder {
    private final ClipVisionModel encoder;
    private final ClipImageProcessor processor;

    public SubjectEncoder(ClipVisionModel encoder, ClipImageProcessor processor) {
        this.encoder = encoder;
        this.processor = processor.withPadToSquare(true);
    }

    /**
     * Loads an image encoder folder with its preprocessing: the folder's {@code preprocessor_config.json},
     * else a sibling {@code feature_extractor/} (diffusers pipeline layout), else CLIP's defaults at the
     * encoder's resolution.
     */
    public static SubjectEncoder load(Path imageEncoderDir, NDManager manager) throws IOException {
        ClipVisionModel enc = ClipVisionModel.load(imageEncoderDir, manager);
        return new SubjectEncoder(enc, processorFor(imageEncoderDir, enc.imageSize()));
    }

    static ClipImageProcessor processorFor(Path dir, int imageSize) throws IOException {
        Path own = dir.resolve("preprocessor_config.json");
        Path sibling = dir.toAbsolutePath().getParent() == null ? null
                : dir.toAbsolutePath().getParent().resolve("feature_extractor/preprocessor_config.json");
        ClipImageProcessor p;
        if (Files.isRegularFile(own)) {
            p = ClipImageProcessor.fromConfig(own);
        } else if (sibling != null && Files.isRegularFile(sibling)) {
            p = ClipImageProcessor.fromConfig(sibling);
        } else {
            p = ClipImageProcessor.square(imageSize);
        }
        if (p.outHeight() != imageSize || p.outWidth() != imageSize) {
            throw new IOException(dir + ": preprocessing gives " + p.outWidth() + "x" + p.outHeight()
                    + " images but the image encoder expects " + imageSize + "x" + imageSize);
        }
        return p;
    }

    public ClipVisionModel encoder() {
        return encoder;
    }

    public ClipImageProcessor processor() {
        return processor;
    }

    /** Embedding dimension (the encoder's projection size). */
    public int embedDim() {
        return encoder.config().projectionDim();
    }

    /**
     * Embeddings (N, Di) of images already in memory. Each photo is encoded on its own (batch of one), so a
     * photo's embedding is the same computation, bit for bit, whichever other photos it is passed with: a
     * matrix multiply's blocking, and so its last bits, depend on the batch size and the CPU's kernels, and a
     * subject must not look different in a morph, a subject set or a single run.
     */
    public NDArray embed(List<RgbImage> images, NDManager manager) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("no images to embed");
        }
        ai.djl.ndarray.NDList rows = new ai.djl.ndarray.NDList(images.size());
        for (RgbImage image : images) {
            float[] px = processor.preprocessBatch(List.of(image));
            rows.add(encoder.imageEmbeds(manager.create(px, new Shape(processor.batchShape(1)))));
        }
        return rows.size() == 1 ? rows.get(0) : ai.djl.ndarray.NDArrays.concat(rows, 0);
    }

    /** Reads image files (any size, PNG/JPEG/BMP/GIF) and embeds them; errors name the file. */
    public NDArray embedFiles(List<Path> files, NDManager manager) throws IOException {
        List<RgbImage> images = new ArrayList<>();
        for (Path f : files) {
            images.add(Images.read(f));
        }
        return embed(images, manager);
    }
}
