package dev.moa.train.data;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.moa.image.PngWriter;
import dev.moa.image.RgbImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * A deterministic synthetic training set in FastComposer's FFHQ-wild layout (read it back with {@link
 * FfhqWildDataset}), for trying the training pipeline end to end without downloading anything.
 *
 * <p>It has {@code K} <em>identities</em>, each a recognisable thing: a shape named by a one-token class
 * word, a colour pair and a pattern ("a red striped disc", "a blue dotted triangle", ...). Two identities
 * may share a class word (the 11th is a second star, the 12th a second disc), so the caption word alone
 * does not tell them apart; the reference picture does, as with people in FFHQ-wild. Each picture shows
 * one to three identities at varied size, position and rotation (a later one may hide a little of an
 * earlier one) on a scene (beach, snow, grass, night sky, striped wall, checkered floor, desert, wooden
 * table), with a caption naming them by class word from left to right, e.g. "a photo of a disc and a
 * triangle on a beach". Each segment's {@code end} is the offset just after its class word; its {@code
 * bbox} is the tight box of its pixels in the segmentation map; {@code coco_label} is the class word.
 *
 * <p>Layout: {@code <id[:5]>/<id>.jpg|.json|.npy} with 7-digit ids, {@code image_ids.txt} (all), {@code
 * image_ids_train.txt} and {@code image_ids_test.txt} (every {@code testEvery}-th image is a test
 * image), {@code subjects/<identity>.png} (a clean picture of each identity on light grey, for inference
 * demos), {@code subjects/identities.json}, and {@code README.txt}. Pictures are JPEG (quality 0.95, no chroma
 * subsampling).
 *
 * <p>Every file is a function of (seed, options) only: the same seed gives byte-identical files,
 * whatever the number of threads.
 */
public final class SyntheticDataset {
    private SyntheticDataset() {}

    /** The shapes, by their class word (each one CLIP token). */
    public enum Shape {
        DISC, SQUARE, TRIANGLE, STAR, HEART, CROSS, DIAMOND, MOON, RING, FLOWER;

        /** The caption word. */
        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The surface patterns, by the adjective used in identity names. */
    public enum Pattern {
        PLAIN, STRIPED, DOTTED, CHECKERED, RINGED, ZIGZAG;

        public String adjective() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The background scenes and the phrase captions use for them. */
    public enum Scene {
        BEACH("on a beach"), SNOW("in the snow"), GRASS("on grass"), NIGHT("at night"),
        WALL("in front of a striped wall"), FLOOR("on a checkered floor"), DESERT("in the desert"),
        TABLE("on a wooden table");

        public final String phrase;

        Scene(String phrase) {
            this.phrase = phrase;
        }
    }

    /**
     * One synthetic subject.
     *
     * @param name file-name form, e.g. {@code red-striped-disc}
     * @param colour the main colour's name
     * @param primary main colour {@code 0xRRGGBB}
     * @param secondary pattern colour {@code 0xRRGGBB}
     */
    public record Identity(String name, Shape shape, Pattern pattern, String colour, int primary, int secondary) {
        /** The caption word (the shape's class word). */
        public String classWord() {
            return shape.word();
        }

        /** E.g. "a red striped disc". */
        public String description() {
            return "a " + colour + " " + pattern.adjective() + " " + shape.word();
        }
    }

    /**
     * Generation settings.
     *
     * @param resolution shorter side of each picture
     * @param identities K, the number of distinct subjects (1..{@link #MAX_IDENTITIES})
     * @param minPerImage fewest subjects per picture (at least 1)
     * @param maxPerImage most subjects per picture (at most 4)
     * @param testEvery every this-many-th picture goes to the test split (0: no test split)
     * @param jpegQuality JPEG quality, 0..1
     * @param varyAspect also make 4:3 and 3:4 pictures (half of them), not only squares
     * @param threads worker threads (0: one per processor); the output does not depend on it
     * @param overwrite allow writing into a non-empty folder
     */
    public record Options(int resolution, int identities, int minPerImage, int maxPerImage, int testEvery,
            float jpegQuality, boolean varyAspect, int threads, boolean overwrite) {
        public Options {
            if (resolution < 16 || resolution > 4096) {
                throw new IllegalArgumentException("resolution must be in 16..4096, got " + resolution);
            }
            if (identities < 1 || identities > MAX_IDENTITIES) {
                throw new IllegalArgumentException("identities must be in 1.." + MAX_IDENTITIES + ", got " + identities);
            }
            if (minPerImage < 1 || maxPerImage > 4 || minPerImage > maxPerImage) {
                throw new IllegalArgumentException("subjects per image must satisfy 1 <= min <= max <= 4, got "
                        + minPerImage + ".." + maxPerImage);
            }
            if (testEvery < 0 || testEvery == 1) {
                throw new IllegalArgumentException("testEvery must be 0 or at least 2, got " + testEvery);
            }
            if (!(jpegQuality > 0 && jpegQuality <= 1)) {
                throw new IllegalArgumentException("jpegQuality must be in (0, 1], got " + jpegQuality);
            }
            if (threads < 0) {
                throw new IllegalArgumentException("threads " + threads);
            }
        }

        /** 128 px, 6 identities, 1-3 per picture, every 10th a test picture, JPEG quality 0.95, varied aspect. */
        public static Options defaults() {
            return new Options(128, 6, 1, 3, 10, 0.95f, true, 0, false);
        }

        public Options withResolution(int r) {
            return new Options(r, identities, minPerImage, maxPerImage, testEvery, jpegQuality, varyAspect, threads, overwrite);
        }

        public Options withIdentities(int k) {
            return new Options(resolution, k, minPerImage, maxPerImage, testEvery, jpegQuality, varyAspect, threads, overwrite);
        }

        public Options withSubjectsPerImage(int min, int max) {
            return new Options(resolution, identities, min, max, testEvery, jpegQuality, varyAspect, threads, overwrite);
        }

        public Options withTestEvery(int n) {
            return new Options(resolution, identities, minPerImage, maxPerImage, n, jpegQuality, varyAspect, threads, overwrite);
        }

        public Options withVaryAspect(boolean v) {
            return new Options(resolution, identities, minPerImage, maxPerImage, testEvery, jpegQuality, v, threads, overwrite);
        }

        public Options withThreads(int t) {
            return new Options(resolution, identities, minPerImage, maxPerImage, testEvery, jpegQuality, varyAspect, t, overwrite);
        }

        public Options withOverwrite(boolean o) {
            return new Options(resolution, identities, minPerImage, maxPerImage, testEvery, jpegQuality, varyAspect, threads, o);
        }
    }

    /** What {@link #generate} wrote. */
    public record Summary(Path root, int count, int train, int test, List<Identity> identities, double seconds) {
        public double imagesPerSecond() {
            return seconds > 0 ? count / seconds : Double.POSITIVE_INFINITY;
        }
    }

    /** The largest K. */
    public static final int MAX_IDENTITIES = 64;

    private static final List<Identity> CURATED = List.of(
            new Identity("red-striped-disc", Shape.DISC, Pattern.STRIPED, "red", 0xD72323, 0xF5F5F5),
            new Identity("blue-dotted-triangle", Shape.TRIANGLE, Pattern.DOTTED, "blue", 0x234BD7, 0xFAFAFA),
            new Identity("green-checkered-square", Shape.SQUARE, Pattern.CHECKERED, "green", 0x1EA03C, 0xD2F0C8),
            new Identity("yellow-ringed-star", Shape.STAR, Pattern.RINGED, "yellow", 0xF5C814, 0xE16E14),
            new Identity("purple-striped-heart", Shape.HEART, Pattern.STRIPED, "purple", 0x8232B4, 0xF0AADC),
            new Identity("orange-dotted-cross", Shape.CROSS, Pattern.DOTTED, "orange", 0xF08214, 0x5A280A),
            new Identity("cyan-zigzag-diamond", Shape.DIAMOND, Pattern.ZIGZAG, "cyan", 0x14BED2, 0x14286E),
            new Identity("pink-plain-moon", Shape.MOON, Pattern.PLAIN, "pink", 0xF078AA, 0xF078AA),
            new Identity("black-dotted-ring", Shape.RING, Pattern.DOTTED, "black", 0x1E1E1E, 0xFADC28),
            new Identity("magenta-checkered-flower", Shape.FLOWER, Pattern.CHECKERED, "magenta", 0xD21EA0, 0xFAFAFA),
            new Identity("white-striped-star", Shape.STAR, Pattern.STRIPED, "white", 0xF5F5F5, 0xC81E1E),
            new Identity("teal-ringed-disc", Shape.DISC, Pattern.RINGED, "teal", 0x008080, 0xAAE6E6));

    private static final String[] HUE_NAMES = {"red", "orange", "yellow", "lime", "green", "spring", "cyan", "azure",
        "blue", "violet", "purple", "rose"};

    /** The first {@code k} identities: twelve hand-picked ones, then generated ones (distinct names). */
    public static List<Identity> identities(int k) {
        if (k < 1 || k > MAX_IDENTITIES) {
            throw new IllegalArgumentException("identities must be in 1.." + MAX_IDENTITIES + ", got " + k);
        }
        List<Identity> out = new ArrayList<>(CURATED.subList(0, Math.min(k, CURATED.size())));
        for (int i = CURATED.size(); i < k; i++) {
            double hue = (i * 0.6180339887498949) % 1.0;
            Shape shape = Shape.values()[i % Shape.values().length];
            Pattern pattern = Pattern.values()[1 + (i * 7 / 3) % (Pattern.values().length - 1)];
            int primary = hsv(hue, 0.75, 0.85);
            int secondary = (i % 2 == 0) ? hsv((hue + 0.5) % 1.0, 0.35, 1.0) : hsv(hue, 0.9, 0.35);
            String colour = HUE_NAMES[(int) Math.floor(hue * HUE_NAMES.length + 0.5) % HUE_NAMES.length];
            out.add(new Identity(colour + "-" + pattern.adjective() + "-" + shape.word() + "-" + (i + 1), shape, pattern,
                    colour, primary, secondary));
        }
        return out;
    }

    /** 0xRRGGBB of an HSV colour (all three in [0, 1]), rounded to the nearest 8-bit value. */
    public static int hsv(double h, double s, double v) {
        double c = v * s, hp = h * 6, x = c * (1 - Math.abs(hp % 2 - 1)), m = v - c;
        double r, g, b;
        switch ((int) Math.floor(hp) % 6) {
            case 0: r = c; g = x; b = 0; break;
            case 1: r = x; g = c; b = 0; break;
            case 2: r = 0; g = c; b = x; break;
            case 3: r = 0; g = x; b = c; break;
            case 4: r = x; g = 0; b = c; break;
            default: r = c; g = 0; b = x; break;
        }
        return rgb((r + m) * 255, (g + m) * 255, (b + m) * 255);
    }

    private static int rgb(double r, double g, double b) {
        return (clamp8(r) << 16) | (clamp8(g) << 8) | clamp8(b);
    }

    private static int clamp8(double v) {
        return (int) Math.max(0, Math.min(255, Math.rint(v)));
    }

    // ------------------------------------------------------------------------------------------ generate

    /**
     * Writes {@code count} pictures into {@code out} (created if needed; it must be empty unless {@link
     * Options#overwrite()}).
     */
    public static Summary generate(Path out, int count, long seed, Options options) throws IOException {
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1, got " + count);
        }
        long t0 = System.nanoTime();
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new IOException(out + " exists and is not a folder");
        }
        if (Files.isDirectory(out) && !options.overwrite()) {
            try (Stream<Path> s = Files.list(out)) {
                if (s.findAny().isPresent()) {
                    throw new IOException("output folder " + out + " is not empty (use --overwrite to write into it anyway)");
                }
            }
        }
        Files.createDirectories(out);
        List<Identity> ids = identities(options.identities());
        int digits = Math.max(7, Integer.toString(count - 1).length());
        List<String> all = new ArrayList<>(), train = new ArrayList<>(), test = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String id = String.format(Locale.ROOT, "%0" + digits + "d", i);
            all.add(id);
            (options.testEvery() > 0 && i % options.testEvery() == options.testEvery() - 1 ? test : train).add(id);
        }
        int threads = options.threads() > 0 ? options.threads() : Runtime.getRuntime().availableProcessors();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "moa-synthetic");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> jobs = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                final int index = i;
                jobs.add(pool.submit(() -> {
                    writeEntry(out, all.get(index), SyntheticRenderer.render(seed, index, options, ids), options);
                    return null;
                }));
            }
            Iterator<Future<?>> it = jobs.iterator();
            while (it.hasNext()) {
                try {
                    it.next().get();
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    if (c instanceof IOException io) {
                        throw io;
                    }
                    if (c instanceof RuntimeException r) {
                        throw r;
                    }
                    throw new IOException(c);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        writeLines(out.resolve(FfhqWildDataset.Split.ALL.fileName), all);
        writeLines(out.resolve(FfhqWildDataset.Split.TRAIN.fileName), train);
        writeLines(out.resolve(FfhqWildDataset.Split.TEST.fileName), test);
        Path subjects = out.resolve("subjects");
        Files.createDirectories(subjects);
        JsonArray list = new JsonArray();
        for (Identity id : ids) {
            PngWriter.write(subjects.resolve(id.name() + ".png"), renderReference(id, 256));
            JsonObject o = new JsonObject();
            o.addProperty("name", id.name());
            o.addProperty("class_word", id.classWord());
            o.addProperty("description", id.description());
            o.addProperty("colour", id.colour());
            o.addProperty("pattern", id.pattern().adjective());
            o.addProperty("primary", String.format(Locale.ROOT, "#%06X", id.primary()));
            o.addProperty("secondary", String.format(Locale.ROOT, "#%06X", id.secondary()));
            o.addProperty("reference", "subjects/" + id.name() + ".png");
            list.add(o);
        }
        Files.writeString(subjects.resolve("identities.json"), list.toString() + "\n", StandardCharsets.UTF_8);
        Files.writeString(out.resolve("README.txt"), readme(count, seed, options, ids, train.size(), test.size()),
                StandardCharsets.UTF_8);
        return new Summary(out, count, train.size(), test.size(), ids, (System.nanoTime() - t0) / 1e9);
    }

    private static void writeLines(Path file, List<String> lines) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String s : lines) {
            sb.append(s).append('\n');
        }
        Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
    }

    private static void writeEntry(Path out, String id, SyntheticRenderer.Picture p, Options o) throws IOException {
        Path dir = out.resolve(id.substring(0, 5));
        Files.createDirectories(dir);
        Files.write(dir.resolve(id + ".jpg"), jpeg(p.image(), o.jpegQuality()));
        JsonObject info = new JsonObject();
        info.addProperty("caption", p.caption());
        JsonArray segs = new JsonArray();
        for (SyntheticRenderer.Placed s : p.subjects()) {
            JsonObject seg = new JsonObject();
            seg.addProperty("id", s.segmentId());
            JsonArray bbox = new JsonArray();
            for (int v : s.bbox().toArray()) {
                bbox.add(v);
            }
            seg.add("bbox", bbox);
            seg.addProperty("end", s.end());
            seg.addProperty("coco_label", s.identity().classWord());
            seg.addProperty("word", s.identity().classWord());
            seg.addProperty("identity", s.identity().name());
            seg.addProperty("area", s.area());
            segs.add(seg);
        }
        info.add("segments", segs);
        info.addProperty("scene", p.scene().name().toLowerCase(Locale.ROOT));
        Files.writeString(dir.resolve(id + ".json"), info.toString() + "\n", StandardCharsets.UTF_8);
        Files.write(dir.resolve(id + ".npy"), Npy.encodeInts(p.segmap(), "|u1", p.image().height(), p.image().width()));
    }

    /**
     * Baseline JPEG at {@code quality} without chroma subsampling (4:4:4, so thin coloured patterns keep
     * their colours), with ImageIO's encoder, which is deterministic.
     */
    static byte[] jpeg(RgbImage image, float quality) throws IOException {
        Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName("jpeg");
        if (!it.hasNext()) {
            throw new IOException("no JPEG encoder available in this JVM");
        }
        ImageWriter w = it.next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(bytes)) {
            ImageWriteParam p = w.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(quality);
            java.awt.image.BufferedImage bi = image.toBufferedImage();
            IIOMetadata meta = w.getDefaultImageMetadata(new ImageTypeSpecifier(bi), p);
            String format = "javax_imageio_jpeg_image_1.0";
            Node tree = meta.getAsTree(format);
            NodeList specs = ((Element) tree).getElementsByTagName("componentSpec");
            for (int i = 0; i < specs.getLength(); i++) {
                Element c = (Element) specs.item(i);
                c.setAttribute("HsamplingFactor", "1");
                c.setAttribute("VsamplingFactor", "1");
            }
            meta.setFromTree(format, tree);
            w.setOutput(ios);
            w.write(null, new IIOImage(bi, null, meta), p);
        } finally {
            w.dispose();
        }
        return bytes.toByteArray();
    }

    /** A clean picture of {@code id}: upright, centred, on light grey, {@code size x size}. */
    public static RgbImage renderReference(Identity id, int size) {
        return SyntheticRenderer.reference(id, size);
    }

    private static String readme(int count, long seed, Options o, List<Identity> ids, int train, int test) {
        StringBuilder sb = new StringBuilder();
        sb.append("Synthetic MoA training set (dev.moa.train.data.SyntheticDataset)\n");
        sb.append("=================================================================\n\n");
        sb.append(String.format(Locale.ROOT, "%d pictures (%d train, %d test), seed %d, shorter side %d px%s,%n", count,
                train, test, seed, o.resolution(), o.varyAspect() ? " (square, 4:3 and 3:4)" : " (square)"));
        sb.append(String.format(Locale.ROOT, "%d to %d subjects per picture, %d identities, JPEG quality %.2f.%n%n",
                o.minPerImage(), o.maxPerImage(), ids.size(), o.jpegQuality()));
        sb.append("Layout (FastComposer's FFHQ-wild layout; read it with FfhqWildDataset):\n");
        sb.append("  image_ids.txt, image_ids_train.txt, image_ids_test.txt   ids, one per line\n");
        sb.append("  <id[:5]>/<id>.jpg    the picture\n");
        sb.append("  <id[:5]>/<id>.json   {\"caption\", \"segments\": [{\"id\", \"bbox\": [x0, y0, x1, y1] (x1, y1 exclusive),\n");
        sb.append("                        \"end\" (offset just after the subject's word in the caption), \"coco_label\"\n");
        sb.append("                        (= the class word), \"word\", \"identity\", \"area\"}], \"scene\"}\n");
        sb.append("  <id[:5]>/<id>.npy    uint8 segmentation map (H, W): 0 background, else the segment id\n");
        sb.append("  subjects/<identity>.png   a clean reference picture of each identity (for inference demos)\n");
        sb.append("  subjects/identities.json  the identities\n\n");
        if (test > 0) {
            sb.append("Split: every ").append(o.testEvery()).append("th picture (index % ").append(o.testEvery())
                    .append(" == ").append(o.testEvery() - 1).append(") is in the test split.\n\n");
        }
        sb.append("Identities (captions name them by class word only; the reference tells same-word ones apart):\n");
        for (Identity id : ids) {
            sb.append(String.format(Locale.ROOT, "  %-28s %-10s %s%n", id.name(), id.classWord(), id.description()));
        }
        sb.append("\nScenes (caption endings): ");
        for (Scene s : Scene.values()) {
            sb.append(s.ordinal() > 0 ? ", " : "").append('"').append(s.phrase).append('"');
        }
        sb.append(".\nCaptions: [\"a photo of \" | \"a picture of \" | \"\"] + \"a <word>[, a <word>] and a <word>\" (left to right)\n");
        sb.append("          + \" <scene phrase>\" (most pictures).\n\n");
        sb.append("Inference demo, e.g.:\n  moa generate --model <SD 1.5 folder> --moa <checkpoint> --prompt \"a ")
                .append(ids.get(0).classWord())
                .append(" on a beach\" --subject ").append(ids.get(0).classWord()).append("=subjects/")
                .append(ids.get(0).name()).append(".png\n\n");
        sb.append("The same seed and options give byte-identical files.\n");
        return sb.toString();
    }
}
