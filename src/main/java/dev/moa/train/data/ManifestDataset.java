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
import java.util.List;

/**
 * A training set described by a JSON Lines manifest, one picture per line (blank lines are ignored):
 * <pre>
 * {"image": "img/0001.jpg", "caption": "a man and his dog in a park",
 *  "subjects": [{"word": "man", "mask": "masks/0001_man.png"},
 *               {"word": "dog", "mask": "masks/0001_dog.png", "bbox": [40, 60, 200, 230],
 *                "reference": "refs/rex.jpg"}]}
 * </pre>
 * Paths are relative to the manifest's folder (absolute paths work too). Fields:
 * <ul>
 *   <li>{@code image} (required): the picture, read as stored (EXIF orientation not applied, so that
 *       masks made from the file line up).
 *   <li>{@code caption} (required, may be empty).
 *   <li>{@code id} (optional): defaults to the {@code image} path as written.
 *   <li>{@code subjects} (optional): each with
 *     <ul>
 *       <li>{@code word}: the subject word (or phrase; its last word is bound). Each subject takes the
 *           first occurrence not already taken by an earlier subject of the line. Instead of {@code
 *           word}, {@code end} may give the character offset where the subject's phrase ends, as in
 *           FFHQ-wild
 *           (counted in code points, as Python counts).
 *       <li>{@code mask}: a picture of the same size as {@code image} (PNG: nonzero in any channel is the
 *           subject; use a lossless format) or an {@code .npy} array (H, W), nonzero is the subject.
 *           May be left out if {@code bbox} is given: the box is the mask then.
 *       <li>{@code bbox} (optional): {@code [x0, y0, x1, y1]} pixels ({@code x1, y1} exclusive) that the
 *           reference is cut from; default: the mask's bounds.
 *       <li>{@code reference} (optional): a separate photo of the subject, used whole (upright, EXIF
 *           applied, as at inference) instead of cutting the subject out of {@code image}.
 *       <li>{@code label} (optional): a class label, informational.
 *     </ul>
 * </ul>
 * The manifest's structure is checked when it is opened (errors name the line); files are read when an
 * entry is loaded (errors name the line and the file).
 */
public final class ManifestDataset implements SourceDataset {

    /** @param checkFiles check when opening that every file named exists */
    public record Options(boolean checkFiles) {
        public static Options defaults() {
            return new Options(true);
        }
    }

    private record SubjectSpec(String word, int end, Path mask, double[] bbox, Path reference, String label) {}

    private record Entry(int line, String id, Path image, String caption, List<SubjectSpec> subjects) {}

    private final Path manifest;
    private final List<Entry> entries;

    private ManifestDataset(Path manifest, List<Entry> entries) {
        this.manifest = manifest;
        this.entries = entries;
    }

    public static ManifestDataset open(Path manifest) throws IOException {
        return open(manifest, Options.defaults());
    }

    public static ManifestDataset open(Path manifest, Options options) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(manifest, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new DataFormatException("manifest not found: " + manifest, e);
        }
        Path base = manifest.toAbsolutePath().getParent();
        List<Entry> entries = new ArrayList<>();
        for (int n = 0; n < lines.size(); n++) {
            String text = lines.get(n).strip();
            if (text.isEmpty()) {
                continue;
            }
            String where = manifest + " line " + (n + 1);
            JsonObject o;
            try {
                JsonElement e = JsonParser.parseString(text);
                if (!e.isJsonObject()) {
                    throw new DataFormatException(where + ": expected a JSON object");
                }
                o = e.getAsJsonObject();
            } catch (JsonParseException e) {
                throw new DataFormatException(where + ": invalid JSON (" + dev.moa.io.Json.explain(e) + ")", e);
            }
            Path image = path(o, "image", base, where, true);
            String caption = string(o, "caption", where, true);
            String id = o.has("id") ? string(o, "id", where, true) : string(o, "image", where, true);
            List<SubjectSpec> subjects = new ArrayList<>();
            JsonElement subs = o.get("subjects");
            if (subs != null && !subs.isJsonNull()) {
                if (!subs.isJsonArray()) {
                    throw new DataFormatException(where + ": \"subjects\" is not a list");
                }
                JsonArray arr = subs.getAsJsonArray();
                for (int k = 0; k < arr.size(); k++) {
                    String sw = where + ", subject " + (k + 1);
                    if (!arr.get(k).isJsonObject()) {
                        throw new DataFormatException(sw + ": not an object");
                    }
                    JsonObject s = arr.get(k).getAsJsonObject();
                    String word = string(s, "word", sw, false);
                    int end = s.has("end") && !s.get("end").isJsonNull()
                            ? FfhqWildDataset.utf16Offset(caption, FfhqWildDataset.intField(s, "end", sw), sw) : -1;
                    if (word == null && end < 0) {
                        throw new DataFormatException(sw + ": needs \"word\" (or \"end\")");
                    }
                    if (word != null && word.isBlank()) {
                        throw new DataFormatException(sw + ": empty \"word\"");
                    }
                    Path mask = path(s, "mask", base, sw, false);
                    double[] bbox = null;
                    if (s.has("bbox") && !s.get("bbox").isJsonNull()) {
                        bbox = Box.corners(s.get("bbox"), sw);
                    }
                    if (mask == null && bbox == null) {
                        throw new DataFormatException(sw + ": needs \"mask\" (or at least \"bbox\")");
                    }
                    Path ref = path(s, "reference", base, sw, false);
                    subjects.add(new SubjectSpec(word, end, mask, bbox, ref, string(s, "label", sw, false)));
                }
            }
            Entry entry = new Entry(n + 1, id, image, caption, List.copyOf(subjects));
            if (options.checkFiles()) {
                checkFiles(entry, where);
            }
            entries.add(entry);
        }
        return new ManifestDataset(manifest, List.copyOf(entries));
    }

    private static void checkFiles(Entry e, String where) throws DataFormatException {
        List<Path> files = new ArrayList<>();
        files.add(e.image());
        for (SubjectSpec s : e.subjects()) {
            if (s.mask() != null) {
                files.add(s.mask());
            }
            if (s.reference() != null) {
                files.add(s.reference());
            }
        }
        for (Path p : files) {
            if (!Files.isRegularFile(p)) {
                throw new DataFormatException(where + ": " + p + " not found");
            }
        }
    }

    private static String string(JsonObject o, String key, String where, boolean required) throws DataFormatException {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            if (required) {
                throw new DataFormatException(where + ": no \"" + key + "\"");
            }
            return null;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new DataFormatException(where + ": \"" + key + "\" is not a string");
        }
        return e.getAsString();
    }

    private static Path path(JsonObject o, String key, Path base, String where, boolean required)
            throws DataFormatException {
        String s = string(o, key, where, required);
        if (s == null) {
            return null;
        }
        if (s.isBlank()) {
            throw new DataFormatException(where + ": empty \"" + key + "\" path");
        }
        return base.resolve(s);
    }

    /** The manifest file. */
    public Path manifest() {
        return manifest;
    }

    @Override
    public int size() {
        return entries.size();
    }

    @Override
    public String id(int index) {
        return entries.get(index).id();
    }

    @Override
    public SourceExample load(int index) throws IOException {
        Entry e = entries.get(index);
        String where = manifest + " line " + e.line();
        try {
            RgbImage image = DataImages.readStored(e.image());
            List<SourceSubject> subjects = new ArrayList<>();
            for (int k = 0; k < e.subjects().size(); k++) {
                SubjectSpec s = e.subjects().get(k);
                String sw = "subject " + (k + 1);
                BinaryMask mask = null;
                Box box = null;
                if (s.bbox() != null) {
                    JsonArray a = new JsonArray();
                    for (double v : s.bbox()) {
                        a.add(v);
                    }
                    box = FfhqWildDataset.box(a, sw, image);
                    if (box == null) {
                        throw new DataFormatException(sw + ": \"bbox\" lies outside the " + image.width() + "x"
                                + image.height() + " image");
                    }
                }
                if (s.mask() != null) {
                    mask = DataImages.readMask(s.mask());
                    if (mask.width() != image.width() || mask.height() != image.height()) {
                        throw new DataFormatException(sw + ": mask " + s.mask() + " is " + mask.width() + "x"
                                + mask.height() + " but " + e.image() + " is " + image.width() + "x" + image.height());
                    }
                } else {
                    mask = BinaryMask.ofBox(image.width(), image.height(), box);
                }
                if (box == null) {
                    box = mask.bounds();
                }
                if (box == null) {
                    box = new Box(0, 0, image.width(), image.height()); // empty mask: Preprocessor drops it
                }
                RgbImage ref = s.reference() != null ? DataImages.readUpright(s.reference()) : null;
                subjects.add(new SourceSubject(s.word() == null ? null : s.word().strip(), s.end(), mask, box, ref,
                        s.label()));
            }
            return new SourceExample(e.id(), image, e.caption(), subjects);
        } catch (DataFormatException ex) {
            throw new DataFormatException(where + " (" + e.id() + "): " + ex.getMessage(), ex);
        }
    }

    @Override
    public String toString() {
        return "manifest " + manifest + " (" + entries.size() + " entries)";
    }
}
