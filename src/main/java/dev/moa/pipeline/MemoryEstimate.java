package dev.moa.pipeline;

import com.google.gson.JsonObject;
import dev.moa.io.Json;
import dev.moa.tensor.Precision;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * A rough estimate, made before any model is loaded, of the memory a generation needs, so that a size that
 * cannot fit is refused in a second with a message instead of running for minutes into the out-of-memory killer.
 *
 * <p>Scaled from what was measured (docs/performance.md, SD 1.5 at 512 x 512, batch 1 with guidance, fp32): peak
 * RSS 7.8 GiB in the UNet phase and 8.4 GiB in the VAE phase, of which 4.3 GB are the weights. So the UNet's
 * activations are ~1.75 GiB per image row (guidance doubles the rows) at 512^2 and 320 base channels, and the
 * VAE's ~4.1 GiB at 512^2 and 128 base channels; both grow with the pixel count and the base width, and bf16 /
 * fp16 halve them. The VAE decodes in 512 px tiles when the image is larger (--vae-tiling auto), which caps its
 * share. The estimate is deliberately simple: it decides only sizes that are far out of reach.
 */
public final class MemoryEstimate {
    private MemoryEstimate() {}

    static final double GIB = 1024.0 * 1024 * 1024;
    static final double UNET_ROW_512 = 1.75 * GIB;
    static final double VAE_512 = 4.1 * GIB;
    static final double OVERHEAD = 0.6 * GIB;

    /** What was estimated, in bytes. */
    public record Estimate(double weights, double unet, double vae) {
        public double total() {
            return weights + Math.max(unet, vae) + OVERHEAD;
        }
    }

    /**
     * @param model a diffusers folder (configs read for the widths) or a single file (SD 1.5's widths assumed)
     * @param width pixels (0: the model's default)
     * @param tiledVae whether the VAE decodes larger images in 512 px tiles
     */
    public static Estimate of(Path model, Precision precision, int width, int height, int batch, boolean guidance,
            boolean tiledVae) throws IOException {
        int unetCh = 320;
        int vaeCh = 128;
        int defaultSide = 512;
        if (Files.isDirectory(model)) {
            Path u = model.resolve("unet/config.json");
            Path v = model.resolve("vae/config.json");
            int factor = 8;
            if (Files.isRegularFile(v)) {
                JsonObject vc = Json.read(v);
                int[] ch = Json.getIntArray(vc, "block_out_channels");
                vaeCh = ch.length > 0 ? ch[0] : vaeCh;
                factor = 1 << Math.max(0, ch.length - 1);
            }
            if (Files.isRegularFile(u)) {
                JsonObject uc = Json.read(u);
                int[] ch = Json.getIntArray(uc, "block_out_channels");
                unetCh = ch.length > 0 ? ch[0] : unetCh;
                defaultSide = Json.getInt(uc, "sample_size", 64) * factor;
            }
        }
        double w = width > 0 ? width : defaultSide;
        double h = height > 0 ? height : defaultSide;
        double px = w * h / (512.0 * 512.0);
        double half = precision == Precision.FP32 ? 1.0 : 0.5;
        double weights = weightBytes(model) * (precision == Precision.FP32 ? stretch(model) : 1.0);
        double unet = UNET_ROW_512 * px * batch * (guidance ? 2 : 1) * (unetCh / 320.0) * half;
        double vaePx = tiledVae ? Math.min(px, 1.0) : px;
        double vae = VAE_512 * vaePx * batch * (vaeCh / 128.0) * (precision == Precision.BF16 ? 0.5 : 1.0);
        return new Estimate(weights, unet, vae);
    }

    private static double weightBytes(Path model) throws IOException {
        if (Files.isRegularFile(model)) {
            return Files.size(model);
        }
        try (Stream<Path> s = Files.walk(model, 3)) {
            return s.filter(p -> p.toString().endsWith(".safetensors")).mapToDouble(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        }
    }

    /** fp16 files loaded for fp32 compute take twice their size. */
    private static double stretch(Path model) {
        String n = model.getFileName() == null ? "" : model.getFileName().toString();
        return n.contains("fp16") ? 2.0 : 1.0;
    }

    /** Memory the operating system can give (MemAvailable), in bytes; {@code moa.memory.available} overrides. */
    public static double available() {
        String o = System.getProperty("moa.memory.available");
        if (o != null) {
            return Double.parseDouble(o);
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Double.parseDouble(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: no check
        }
        return Double.POSITIVE_INFINITY;
    }

    /**
     * Refuses a generation whose estimate is over the available memory, naming both and what to change.
     *
     * @throws IllegalArgumentException when it cannot fit
     */
    public static void check(Estimate e, int width, int height, int batch) {
        double avail = available();
        if (e.total() > avail) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s x %s, batch %d needs about %.1f GiB"
                    + " (weights %.1f, activations %.1f) but %.1f GiB are available; use a smaller --width/--height or"
                    + " --batch, or --precision bf16 (set MOA_SKIP_MEMORY_CHECK=1 to try anyway)",
                    width > 0 ? Integer.toString(width) : "default", height > 0 ? Integer.toString(height) : "default",
                    batch, e.total() / GIB, e.weights() / GIB, Math.max(e.unet(), e.vae()) / GIB, avail / GIB));
        }
    }
}
