package dev.moa.image;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CLIP image preprocessing with the results of transformers' {@code CLIPImageProcessor}: optional pad
 * to square (for MoA subject images), resize so the shortest edge is {@code size} (the long edge
 * {@code int(size * long / short)}, truncated) or to a fixed {@code height x width}; centre crop
 * (offsets {@code floor((size - crop) / 2)}); then {@code (v * rescale_factor - mean) / std} per
 * channel, giving CHW float32.
 *
 * <p>transformers 5 has two backends that differ in the resize. {@link Backend#TORCHVISION} (what
 * {@code CLIPImageProcessor} is when torchvision is installed, and what the reference fixtures were made
 * with) resizes the uint8 image with PyTorch's antialiased kernel ({@link Resample#resizeTorch}) and
 * normalises with rescale and normalise fused ({@code (v - 255 mean) / (255 std)} in float32).
 * {@link Backend#PIL} ({@code CLIPImageProcessorPil}, and transformers 4's slow processor) resizes
 * with Pillow ({@link Resample#resize}) and normalises as numpy does (rescale in float64 stored as
 * float32, then {@code (x - mean) / std} in float32). The two differ by one grey level on about 0.5%
 * of pixels.
 */
public final class ClipImageProcessor {
    /** Which transformers implementation to reproduce. */
    public enum Backend {
        /** transformers 5's default {@code CLIPImageProcessor} (torchvision on CPU). */
        TORCHVISION,
        /** {@code CLIPImageProcessorPil} / transformers 4's {@code CLIPImageProcessor} (Pillow + numpy). */
        PIL
    }

    // CLIP's (OpenAI) normalisation constants
    private static final float[] CLIP_MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    private static final float[] CLIP_STD = {0.26862954f, 0.26130258f, 0.27577711f};

    /** A copy of this processor's per-channel mean (CLIP's by default). */
    public float[] mean() {
        return mean.clone();
    }

    /** A copy of this processor's per-channel standard deviation (CLIP's by default). */
    public float[] std() {
        return std.clone();
    }

    private final boolean doResize;
    private final int shortestEdge; // > 0: resize the shortest edge; else resizeHeight x resizeWidth
    private final int resizeHeight;
    private final int resizeWidth;
    private final Resample.Filter filter;
    private final boolean doCenterCrop;
    private final int cropHeight;
    private final int cropWidth;
    private final boolean doRescale;
    private final double rescaleFactor;
    private final boolean doNormalize;
    private final float[] mean;
    private final float[] std;
    private final boolean padToSquare;
    private final Backend backend;

    private ClipImageProcessor(boolean doResize, int shortestEdge, int resizeHeight, int resizeWidth,
            Resample.Filter filter, boolean doCenterCrop, int cropHeight, int cropWidth, boolean doRescale,
            double rescaleFactor, boolean doNormalize, float[] mean, float[] std, boolean padToSquare, Backend backend) {
        this.doResize = doResize;
        this.shortestEdge = shortestEdge;
        this.resizeHeight = resizeHeight;
        this.resizeWidth = resizeWidth;
        this.filter = filter;
        this.doCenterCrop = doCenterCrop;
        this.cropHeight = cropHeight;
        this.cropWidth = cropWidth;
        this.doRescale = doRescale;
        this.rescaleFactor = rescaleFactor;
        this.doNormalize = doNormalize;
        this.mean = mean.clone();
        this.std = std.clone();
        this.padToSquare = padToSquare;
        this.backend = backend;
        if (mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("image_mean and image_std need 3 values each");
        }
    }

    /** CLIP ViT-L/14's settings: shortest edge 224 bicubic, centre crop 224, CLIP mean/std. */
    public static ClipImageProcessor defaults() {
        return square(224);
    }

    /** CLIP settings at another resolution: shortest edge {@code size}, centre crop {@code size}. */
    public static ClipImageProcessor square(int size) {
        if (size <= 0) {
            throw new IllegalArgumentException("bad size " + size);
        }
        return new ClipImageProcessor(true, size, 0, 0, Resample.Filter.BICUBIC, true, size, size, true, 1 / 255.0,
                true, CLIP_MEAN, CLIP_STD, false, Backend.TORCHVISION);
    }

    /**
     * Reads a {@code preprocessor_config.json}. {@code size} may be an int or {@code {"shortest_edge"}}
     * (shortest-edge resize), or {@code {"height", "width"}} / a two-element list (fixed size);
     * {@code crop_size} an int or {@code {"height", "width"}}. Missing keys take CLIP's defaults.
     */
    public static ClipImageProcessor fromConfig(Path configJson) throws IOException {
        JsonObject o;
        try {
            JsonElement e = JsonParser.parseString(Files.readString(configJson, StandardCharsets.UTF_8));
            if (!e.isJsonObject()) {
                throw new IOException("bad preprocessor config " + configJson + ": not a JSON object");
            }
            o = e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new IOException("bad preprocessor config " + configJson + ": " + dev.moa.io.Json.explain(e), e);
        }
        try {
            return fromJson(o);
        } catch (RuntimeException e) {
            throw new IOException("bad preprocessor config " + configJson + ": " + e.getMessage(), e);
        }
    }

    /** As {@link #fromConfig}, from the parsed JSON object. */
    public static ClipImageProcessor fromJson(JsonObject o) {
        int shortest = 224, rh = 0, rw = 0;
        JsonElement size = o.get("size");
        if (size != null && !size.isJsonNull()) {
            if (size.isJsonPrimitive()) {
                shortest = size.getAsInt(); // get_size_dict(int, default_to_square=False)
            } else if (size.isJsonArray()) {
                JsonArray a = size.getAsJsonArray();
                if (a.size() != 2) {
                    throw new IllegalArgumentException("size list must be [height, width]");
                }
                shortest = 0;
                rh = a.get(0).getAsInt();
                rw = a.get(1).getAsInt();
            } else {
                JsonObject s = size.getAsJsonObject();
                if (s.has("shortest_edge")) {
                    if (s.has("longest_edge") && !s.get("longest_edge").isJsonNull()) {
                        throw new IllegalArgumentException("size with longest_edge is not supported");
                    }
                    shortest = s.get("shortest_edge").getAsInt();
                } else if (s.has("height") && s.has("width")) {
                    shortest = 0;
                    rh = s.get("height").getAsInt();
                    rw = s.get("width").getAsInt();
                } else {
                    throw new IllegalArgumentException("size must have shortest_edge or height and width: " + s);
                }
            }
        }
        int ch = 224, cw = 224;
        JsonElement crop = o.get("crop_size");
        if (crop != null && !crop.isJsonNull()) {
            if (crop.isJsonPrimitive()) {
                ch = cw = crop.getAsInt(); // default_to_square=True
            } else if (crop.isJsonArray()) {
                ch = crop.getAsJsonArray().get(0).getAsInt();
                cw = crop.getAsJsonArray().get(1).getAsInt();
            } else {
                JsonObject c = crop.getAsJsonObject();
                if (c.has("height") && c.has("width")) {
                    ch = c.get("height").getAsInt();
                    cw = c.get("width").getAsInt();
                } else if (c.has("shortest_edge")) {
                    ch = cw = c.get("shortest_edge").getAsInt();
                } else {
                    throw new IllegalArgumentException("crop_size must have height and width: " + c);
                }
            }
        }
        if ((shortest <= 0 && (rh <= 0 || rw <= 0)) || ch <= 0 || cw <= 0) {
            throw new IllegalArgumentException("sizes must be positive");
        }
        return new ClipImageProcessor(
                bool(o, "do_resize", true), shortest, rh, rw,
                Resample.Filter.fromPil(o.has("resample") ? o.get("resample").getAsInt() : 3),
                bool(o, "do_center_crop", true), ch, cw,
                bool(o, "do_rescale", true),
                o.has("rescale_factor") ? o.get("rescale_factor").getAsDouble() : 1 / 255.0,
                bool(o, "do_normalize", true),
                floats(o, "image_mean", CLIP_MEAN), floats(o, "image_std", CLIP_STD), false, Backend.TORCHVISION);
    }

    private static boolean bool(JsonObject o, String key, boolean dflt) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? dflt : e.getAsBoolean();
    }

    private static float[] floats(JsonObject o, String key, float[] dflt) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return dflt;
        }
        if (e.isJsonPrimitive()) {
            float v = e.getAsFloat();
            return new float[] {v, v, v};
        }
        JsonArray a = e.getAsJsonArray();
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsFloat(); // np.array(mean, dtype=float32)
        }
        return out;
    }

    /** The same settings, padding each image to a black square first (as MoA does for subject images). */
    public ClipImageProcessor withPadToSquare(boolean pad) {
        return new ClipImageProcessor(doResize, shortestEdge, resizeHeight, resizeWidth, filter, doCenterCrop,
                cropHeight, cropWidth, doRescale, rescaleFactor, doNormalize, mean, std, pad, backend);
    }

    /** The same settings computed as {@code backend} does (default {@link Backend#TORCHVISION}). */
    public ClipImageProcessor withBackend(Backend backend) {
        return new ClipImageProcessor(doResize, shortestEdge, resizeHeight, resizeWidth, filter, doCenterCrop,
                cropHeight, cropWidth, doRescale, rescaleFactor, doNormalize, mean, std, padToSquare, backend);
    }

    public Backend backend() {
        return backend;
    }

    public boolean padsToSquare() {
        return padToSquare;
    }

    /** The output side: the crop size (CLIP crops are square); fails for a non-square output. */
    public int size() {
        if (outHeight() != outWidth()) {
            throw new IllegalStateException("output is " + outHeight() + "x" + outWidth() + ", not square");
        }
        return outHeight();
    }

    /** Output height (the crop height, or the resize height without centre crop). */
    public int outHeight() {
        if (doCenterCrop) {
            return cropHeight;
        }
        if (doResize && shortestEdge <= 0) {
            return resizeHeight;
        }
        throw new IllegalStateException("output size depends on the input image (no crop, shortest-edge resize)");
    }

    /** Output width (the crop width, or the resize width without centre crop). */
    public int outWidth() {
        if (doCenterCrop) {
            return cropWidth;
        }
        if (doResize && shortestEdge <= 0) {
            return resizeWidth;
        }
        throw new IllegalStateException("output size depends on the input image (no crop, shortest-edge resize)");
    }

    public Resample.Filter filter() {
        return filter;
    }

    /**
     * transformers' {@code get_resize_output_image_size(default_to_square=False)}: the short side
     * becomes {@code size}, the long side {@code int(size * long / short)} (truncated, computed in double
     * as Python does). Returns {width, height}.
     */
    public static int[] shortestEdgeSize(int width, int height, int size) {
        boolean portrait = width <= height;
        int shortSide = portrait ? width : height;
        int longSide = portrait ? height : width;
        int newLong = (int) ((double) size * longSide / shortSide);
        return portrait ? new int[] {size, newLong} : new int[] {newLong, size};
    }

    /** Resize and crop only: the 8-bit image that is then normalised. */
    public RgbImage prepare(RgbImage image) {
        RgbImage img = padToSquare ? Resample.padToSquare(image, 0) : image;
        if (doResize) {
            int[] wh = shortestEdge > 0 ? shortestEdgeSize(img.width(), img.height(), shortestEdge)
                    : new int[] {resizeWidth, resizeHeight};
            img = backend == Backend.PIL ? Resample.resize(img, wh[0], wh[1], filter)
                    : Resample.resizeTorch(img, wh[0], wh[1], filter);
        }
        if (doCenterCrop) {
            img = Resample.centerCrop(img, cropWidth, cropHeight, backend == Backend.PIL);
        }
        return img;
    }

    /** One image to CHW float32 {@code pixel_values} ({@code 3 x outHeight x outWidth}). */
    public float[] preprocess(RgbImage image) {
        RgbImage img = prepare(image);
        float[] out = new float[3 * img.width() * img.height()];
        normalizeInto(img, out, 0);
        return out;
    }

    /** Several images stacked as {@code (N, 3, outHeight, outWidth)}, row-major. */
    public float[] preprocessBatch(List<RgbImage> images) {
        int per = 3 * outHeight() * outWidth();
        float[] out = new float[images.size() * per];
        for (int i = 0; i < images.size(); i++) {
            RgbImage img = prepare(images.get(i));
            normalizeInto(img, out, i * per);
        }
        return out;
    }

    /** The shape of {@link #preprocessBatch} for {@code n} images: {@code {n, 3, outHeight, outWidth}}. */
    public long[] batchShape(int n) {
        return new long[] {n, 3, outHeight(), outWidth()};
    }

    private void normalizeInto(RgbImage img, float[] out, int offset) {
        int n = img.width() * img.height();
        byte[] d = img.raw();
        for (int c = 0; c < 3; c++) {
            float[] lut = new float[256];
            for (int v = 0; v < 256; v++) {
                lut[v] = normalize(v, c);
            }
            int base = offset + c * n;
            for (int p = 0; p < n; p++) {
                out[base + p] = lut[d[p * 3 + c] & 0xFF];
            }
        }
    }

    /** One 8-bit value of channel {@code c} through rescale and normalise, rounded as the backend does. */
    private float normalize(int v, int c) {
        if (backend == Backend.TORCHVISION) {
            if (doRescale && doNormalize) {
                // fused: mean and std (float32 tensors) times 1 / rescale_factor, in float32
                float scale = (float) (1.0 / rescaleFactor);
                return ((float) v - mean[c] * scale) / (std[c] * scale);
            }
            if (doNormalize) {
                return ((float) v - mean[c]) / std[c];
            }
            return doRescale ? (float) v * (float) rescaleFactor : (float) v;
        }
        // numpy: rescale in float64 stored as float32, then (x - mean) / std in float32
        float x = doRescale ? (float) (v * rescaleFactor) : (float) v;
        return doNormalize ? (x - mean[c]) / std[c] : x;
    }

    @Override
    public String toString() {
        return "ClipImageProcessor[" + (doResize ? (shortestEdge > 0 ? "shortest_edge " + shortestEdge
                : resizeHeight + "x" + resizeWidth) + " " + filter : "no resize")
                + (doCenterCrop ? ", crop " + cropHeight + "x" + cropWidth : "")
                + (padToSquare ? ", pad to square" : "") + ", " + backend + "]";
    }
}
