package dev.moa.train.data;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.moa.image.RgbImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FastComposer's FFHQ-wild layout (the {@code mit-han-lab/ffhq-fastcomposer} data set), read as it is:
 * <pre>
 * root/image_ids.txt, image_ids_train.txt, image_ids_test.txt   one id per line (all / train / test)
 * root/&lt;id[:5]&gt;/&lt;id&gt;.jpg    the picture
 * root/&lt;id[:5]&gt;/&lt;id&gt;.json   {"caption": "...", "segments": [{"id": 3, "bbox": [x0, y0, x1, y1],
 *                                  "end": 17, "coco_label": "person"}, ...]}
 * root/&lt;id[:5]&gt;/&lt;id&gt;.npy    integer segmentation map (H, W): pixel value = segment id
 * </pre>
 * Each segment becomes a {@link SourceSubject}: its mask is {@code segmap == id}, its box the {@code
 * bbox} (pixels, {@code x0, y0} inclusive, {@code x1, y1} exclusive: FastComposer slices {@code
 * image[:, y0:y1, x0:x1]}; its code comment calls the entries {@code h1, w1, h2, w2} but indexes them
 * that way), and its word the caption's word that ends at or contains character {@code end - 1}
 * (FastComposer inserts its image token at {@code end} and marks the token before it; offsets count
 * characters as Python does, i.e. code points). Segments are in
 * caption order (sorted by {@code end}).
 *
 * <p>Segment selection follows FastComposer's {@code data.py}: segments whose {@code coco_label} is not
 * in {@link Options#labels()} are ignored. The default keeps every label, as {@code data.py} does when
 * {@code object_types} is unset; FastComposer's published training run passes {@code --object_types
 * person}, which is {@code Options.defaults().withLabels(FASTCOMPOSER_LABELS)}. The random choice of at
 * most four subjects and the condition dropout happen later, in {@link Preprocessor}.
 *
 * <p>Pictures are read as stored (EXIF orientation not applied), as {@code torchvision.io.read_image}
 * does, so they line up with the segmentation maps. Errors name the entry and the file. With {@link
 * Options#skipMissing()}, ids whose files are missing are dropped when the set is opened (with one
 * warning listing how many); a corrupt file is only found when loaded, where {@link DataLoader} can
 * skip it.
 */
public final class FfhqWildDataset implements SourceDataset {
    private static final Logger LOG = LoggerFactory.getLogger(FfhqWildDataset.class);

    /** FastComposer's published training run uses only these labels ({@code --object_types person}). */
    public static final Set<String> FASTCOMPOSER_LABELS = Set.of("person");

    /** Which id list to read. */
    public enum Split {
        ALL("image_ids.txt"),
        TRAIN("image_ids_train.txt"),
        TEST("image_ids_test.txt");

        public final String fileName;

        Split(String fileName) {
            this.fileName = fileName;
        }
    }

    /**
     * @param labels the {@code coco_label}s to keep, or null for all
     * @param checkFiles check when opening that every id has its three files
     * @param skipMissing with {@code checkFiles}: drop ids with missing files (one warning) instead of failing
     */
    public record Options(Set<String> labels, boolean checkFiles, boolean skipMissing) {
        public Options {
            labels = labels == null ? null : Set.copyOf(labels);
        }

        /** All labels, files checked, missing files an error. */
        public static Options defaults() {
            return new Options(null, true, false);
        }

        public Options withLabels(Set<String> labels) {
            return new Options(labels, checkFiles, skipMissing);
        }

        public Options withCheckFiles(boolean check) {
            return new Options(labels, check, skipMissing);
        }

        public Options withSkipMissing(boolean skip) {
            return new Options(labels, checkFiles || skip, skip);
        }
    }

    private final Path root;
    private final Split split;
    private final Options options;
    private final List<String> ids;
    private final List<String> missing;

    private FfhqWildDataset(Path root, Split split, Options options, List<String> ids, List<String> missing) {
        this.root = root;
        this.split = split;
        this.options = options;
        this.ids = ids;
        this.missing = missing;
    }

    /** Opens {@code root} with default options. */
    public static FfhqWildDataset open(Path root, Split split) throws IOException {
        return open(root, split, Options.defaults());
    }

    /** Opens {@code root}, reading the id list of {@code split}. */
    public static FfhqWildDataset open(Path root, Split split, Options options) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new DataFormatException("FFHQ-wild data set folder not found: " + root);
        }
        Path list = root.resolve(split.fileName);
        List<String> lines;
        try {
            lines = Files.readAllLines(list, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new DataFormatException("not an FFHQ-wild data set: " + list + " not found", e);
        }
        List<String> ids = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (int n = 0; n < lines.size(); n++) {
            String id = lines.get(n).strip();
            if (id.isEmpty()) {
                continue;
            }
            if (id.contains("/") || id.contains("\\") || id.equals(".") || id.equals("..")) {
                throw new DataFormatException(list + " line " + (n + 1) + ": bad id '" + id + "'");
            }
            if (options.checkFiles()) {
                String absent = firstMissing(root, id);
                if (absent != null) {
                    if (!options.skipMissing()) {
                        throw new DataFormatException("FFHQ-wild entry " + id + " (" + list + " line " + (n + 1) + "): "
                                + absent + " not found");
                    }
                    missing.add(id);
                    continue;
                }
            }
            ids.add(id);
        }
        if (!missing.isEmpty()) {
            LOG.warn("{}: skipped {} of {} ids whose files are missing (first: {})", list, missing.size(),
                    missing.size() + ids.size(), missing.get(0));
        }
        return new FfhqWildDataset(root, split, options, List.copyOf(ids), List.copyOf(missing));
    }

    private static String firstMissing(Path root, String id) {
        for (String ext : new String[] {".jpg", ".json", ".npy"}) {
            Path p = file(root, id, ext);
            if (!Files.isRegularFile(p)) {
                return p.toString();
            }
        }
        return null;
    }

    private static Path file(Path root, String id, String ext) {
        return root.resolve(id.substring(0, Math.min(5, id.length()))).resolve(id + ext);
    }

    public Path root() {
        return root;
    }

    public Split split() {
        return split;
    }

    public Options options() {
        return options;
    }

    /** Ids dropped when opening because files were missing ({@link Options#skipMissing()}). */
    public List<String> missingIds() {
        return missing;
    }

    /** All ids, in list order. */
    public List<String> ids() {
        return ids;
    }

    /** The picture of {@code id}: {@code root/<id[:5]>/<id>.jpg}. */
    public Path imagePath(String id) {
        return file(root, id, ".jpg");
    }

    public Path infoPath(String id) {
        return file(root, id, ".json");
    }

    public Path segmapPath(String id) {
        return file(root, id, ".npy");
    }

    @Override
    public int size() {
        return ids.size();
    }

    @Override
    public String id(int index) {
        return ids.get(index);
    }

    @Override
    public SourceExample load(int index) throws IOException {
        String id = ids.get(index);
        try {
            return load(id);
        } catch (DataFormatException e) {
            throw new DataFormatException("FFHQ-wild entry " + id + ": " + e.getMessage(), e);
        }
    }

    private SourceExample load(String id) throws IOException {
        Path jpg = imagePath(id), json = infoPath(id), npy = segmapPath(id);
        RgbImage image = DataImages.readStored(jpg);
        JsonObject info = readJson(json);
        String caption = stringField(info, "caption", json);
        JsonElement segs = info.get("segments");
        if (segs == null || !segs.isJsonArray()) {
            throw new DataFormatException(json + ": no \"segments\" list");
        }
        Npy.Array seg = Npy.read(npy);
        long[] s = seg.shape();
        if (!(s.length == 2 || (s.length == 3 && s[2] == 1))) {
            throw new DataFormatException(npy + ": segmentation map has shape " + Npy.shapeText(s) + "; expected (H, W)");
        }
        if (s[0] != image.height() || s[1] != image.width()) {
            throw new DataFormatException(npy + ": segmentation map is " + s[1] + "x" + s[0] + " (WxH) but " + jpg
                    + " is " + image.width() + "x" + image.height());
        }
        if (!seg.integral()) {
            throw new DataFormatException(npy + ": segmentation map has float type " + seg.dtype()
                    + "; expected integer segment ids");
        }
        int[] labels;
        try {
            labels = seg.toIntArray();
        } catch (ArithmeticException e) {
            throw new DataFormatException(npy + ": " + e.getMessage(), e);
        }
        record Seg(int end, SourceSubject subject) {}
        List<Seg> out = new ArrayList<>();
        JsonArray arr = segs.getAsJsonArray();
        for (int k = 0; k < arr.size(); k++) {
            String where = json + ": segment " + k;
            if (!arr.get(k).isJsonObject()) {
                throw new DataFormatException(where + " is not an object");
            }
            JsonObject o = arr.get(k).getAsJsonObject();
            String label = o.has("coco_label") && !o.get("coco_label").isJsonNull() ? o.get("coco_label").getAsString() : null;
            if (options.labels() != null && (label == null || !options.labels().contains(label))) {
                continue;
            }
            int segId = intField(o, "id", where);
            int end = utf16Offset(caption, intField(o, "end", where), where);
            BinaryMask mask = BinaryMask.ofLabel(image.width(), image.height(), labels, segId);
            Box box = o.has("bbox") && !o.get("bbox").isJsonNull() ? box(o.get("bbox"), where, image) : null;
            if (box == null) {
                box = mask.bounds();
            }
            if (box == null) {
                box = new Box(0, 0, image.width(), image.height()); // empty mask: Preprocessor drops it
            }
            out.add(new Seg(end, new SourceSubject(null, end, mask, box, null, label)));
        }
        out.sort(Comparator.comparingInt(Seg::end)); // stable: equal ends keep file order
        List<SourceSubject> subjects = new ArrayList<>();
        for (Seg x : out) {
            subjects.add(x.subject());
        }
        return new SourceExample(id, image, caption, Collections.unmodifiableList(subjects));
    }

    /**
     * A caption offset as Python counts it (code points) as a Java string index (UTF-16 units); they
     * differ only after characters outside the Basic Multilingual Plane (emoji).
     */
    static int utf16Offset(String caption, int codePoints, String where) throws DataFormatException {
        int n = caption.codePointCount(0, caption.length());
        if (codePoints <= 0 || codePoints > n) {
            throw new DataFormatException(where + ": \"end\" " + codePoints + " is outside the caption (length " + n + ")");
        }
        return caption.offsetByCodePoints(0, codePoints);
    }

    static JsonObject readJson(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new DataFormatException("cannot read " + file + ": no such file", e);
        } catch (IOException e) {
            throw new DataFormatException("cannot read " + file + ": " + e.getMessage(), e);
        }
        try {
            JsonElement e = JsonParser.parseString(text);
            if (!e.isJsonObject()) {
                throw new DataFormatException(file + ": expected a JSON object");
            }
            return e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new DataFormatException(file + ": invalid JSON (" + dev.moa.io.Json.explain(e) + ")", e);
        }
    }

    private static String stringField(JsonObject o, String key, Object where) throws DataFormatException {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new DataFormatException(where + ": no \"" + key + "\" string");
        }
        return e.getAsString();
    }

    static int intField(JsonObject o, String key, String where) throws DataFormatException {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new DataFormatException(where + ": no \"" + key + "\" number");
        }
        double d = e.getAsDouble();
        if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
            throw new DataFormatException(where + ": \"" + key + "\" is not an integer (" + e + ")");
        }
        return (int) d;
    }

    /**
     * A {@code [x0, y0, x1, y1]} box in pixels (fractions widened to whole pixels), clipped to the image;
     * null if nothing of it lies inside.
     */
    static Box box(JsonElement e, String where, RgbImage image) throws DataFormatException {
        double[] v = Box.corners(e, where);
        int x0 = (int) Math.max(0, Math.floor(v[0])), y0 = (int) Math.max(0, Math.floor(v[1]));
        int x1 = (int) Math.min(image.width(), Math.ceil(v[2])), y1 = (int) Math.min(image.height(), Math.ceil(v[3]));
        return x1 > x0 && y1 > y0 ? new Box(x0, y0, x1, y1) : null;
    }

    @Override
    public String toString() {
        return "FFHQ-wild " + root + " (" + split.fileName + ", " + ids.size() + " entries)";
    }
}
