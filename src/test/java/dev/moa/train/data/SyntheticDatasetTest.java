package dev.moa.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.moa.cli.MakeSyntheticDataCommand;
import dev.moa.image.ClipImageProcessor;
import dev.moa.image.Images;
import dev.moa.image.RgbImage;
import dev.moa.text.ClipTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The synthetic data set: determinism, layout, and consistency of captions, masks and boxes. */
class SyntheticDatasetTest {
    @TempDir
    Path tmp;

    static Map<String, byte[]> tree(Path root) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s.filter(Files::isRegularFile)::iterator) {
                files.put(root.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return files;
    }

    static void assertSameTree(Map<String, byte[]> a, Map<String, byte[]> b) {
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k), b.get(k), k + " differs");
        }
    }

    @Test
    void sameSeedGivesByteIdenticalFiles() throws IOException {
        SyntheticDataset.Options o = SyntheticDataset.Options.defaults().withResolution(64);
        SyntheticDataset.generate(tmp.resolve("a"), 30, 5, o.withThreads(1));
        SyntheticDataset.generate(tmp.resolve("b"), 30, 5, o.withThreads(3));
        Map<String, byte[]> a = tree(tmp.resolve("a"));
        assertEquals(30 * 3 + 3 + 6 + 1 + 1, a.size(), "pictures, id lists, references, identities.json, README");
        assertSameTree(a, tree(tmp.resolve("b")));
        SyntheticDataset.generate(tmp.resolve("c"), 30, 6, o);
        Map<String, byte[]> c = tree(tmp.resolve("c"));
        int same = 0;
        for (String k : a.keySet()) {
            same += k.endsWith(".jpg") && java.util.Arrays.equals(a.get(k), c.get(k)) ? 1 : 0;
        }
        assertEquals(0, same, "another seed draws other pictures");
    }

    @Test
    void layoutReadsBackWithConsistentCaptionsMasksAndBoxes() throws IOException {
        Path root = tmp.resolve("set");
        SyntheticDataset.Options o = SyntheticDataset.Options.defaults().withResolution(64).withIdentities(12);
        SyntheticDataset.Summary sum = SyntheticDataset.generate(root, 50, 11, o);
        assertEquals(45, sum.train());
        assertEquals(5, sum.test());
        assertEquals(50, FfhqWildDataset.open(root, FfhqWildDataset.Split.ALL).size());
        FfhqWildDataset test = FfhqWildDataset.open(root, FfhqWildDataset.Split.TEST);
        assertEquals(List.of("0000009", "0000019", "0000029", "0000039", "0000049"), test.ids());
        FfhqWildDataset all = FfhqWildDataset.open(root, FfhqWildDataset.Split.ALL);
        Set<String> identities = new HashSet<>(), scenes = new HashSet<>(), sizes = new HashSet<>();
        int[] perImage = new int[5];
        for (int i = 0; i < all.size(); i++) {
            SourceExample e = all.load(i);
            JsonObject info = FfhqWildDataset.readJson(all.infoPath(e.id()));
            scenes.add(info.get("scene").getAsString());
            sizes.add(e.image().width() + "x" + e.image().height());
            assertEquals(64, Math.min(e.image().width(), e.image().height()));
            JsonArray segs = info.getAsJsonArray("segments");
            assertEquals(segs.size(), e.subjects().size());
            perImage[e.subjects().size()]++;
            int[] seg = Npy.read(all.segmapPath(e.id())).toIntArray();
            for (int k = 0; k < segs.size(); k++) {
                JsonObject s = segs.get(k).getAsJsonObject();
                SourceSubject sub = e.subjects().get(k);
                String word = s.get("word").getAsString();
                int end = s.get("end").getAsInt();
                assertEquals(word, e.caption().substring(end - word.length(), end), "end offset after the word");
                assertEquals(word, s.get("coco_label").getAsString());
                assertEquals(sub.mask().bounds(), sub.bbox(), "bbox is the tight box of the mask");
                assertEquals(s.get("area").getAsInt(), sub.mask().area());
                assertTrue(sub.mask().area() > 20, "visible subject");
                int id = s.get("id").getAsInt();
                int count = 0;
                for (int v : seg) {
                    count += v == id ? 1 : 0;
                }
                assertEquals(count, sub.mask().area());
                identities.add(s.get("identity").getAsString());
                // the masked pixels show that identity's colours (up to shading, noise and JPEG)
                SyntheticDataset.Identity ident = SyntheticDataset.identities(12).stream()
                        .filter(x -> x.name().equals(s.get("identity").getAsString())).findFirst().orElseThrow();
                int near = 0;
                for (int y = 0; y < e.image().height(); y++) {
                    for (int x = 0; x < e.image().width(); x++) {
                        if (sub.mask().get(x, y)) {
                            int c = e.image().rgb(x, y);
                            near += distance(c, ident.primary()) < 80 || distance(c, ident.secondary()) < 80 ? 1 : 0;
                        }
                    }
                }
                assertTrue(near > 0.85 * sub.mask().area(), e.id() + " " + ident.name() + ": " + near + " of "
                        + sub.mask().area() + " masked pixels have its colours");
                if (k > 0) {
                    assertTrue(end > e.subjects().get(k - 1).end(), "caption order");
                }
            }
            assertEquals(e.image(), Images.read(all.imagePath(e.id())), "plain JPEG, no EXIF rotation");
        }
        assertTrue(identities.size() >= 10, "identities used: " + identities);
        assertTrue(scenes.size() >= 6, "scenes used: " + scenes);
        assertEquals(3, sizes.size(), "square, 4:3 and 3:4: " + sizes);
        assertTrue(perImage[1] > 0 && perImage[2] > 0 && perImage[3] > 0, "1 to 3 subjects per picture");
        assertEquals(0, perImage[4]);
        assertEquals(12, Files.list(root.resolve("subjects")).filter(p -> p.toString().endsWith(".png")).count());
        String readme = Files.readString(root.resolve("README.txt"));
        assertTrue(readme.contains("red-striped-disc") && readme.contains("image_ids_train.txt"), readme);

        // through the preprocessor: subjects bind to their class words
        Preprocessor p = new Preprocessor(TestData.tokenizer(), PreprocessOptions.evaluation().withResolution(64)
                .withCrop(PreprocessOptions.CropMode.PAD).withReferenceProcessor(ClipImageProcessor.square(32)));
        for (int i = 0; i < 10; i++) {
            SourceExample e = all.load(i);
            TrainingExample t = p.prepare(e, 0, 0, i);
            assertEquals(e.subjects().size(), t.subjects().size(), e.id() + ": " + e.caption());
            for (SubjectSample s : t.subjects()) {
                assertEquals(e.subjects().get(s.sourceIndex()).label(), s.word());
            }
        }
    }

    static double distance(int a, int b) {
        double d = 0;
        for (int shift = 0; shift <= 16; shift += 8) {
            int x = ((a >> shift) & 0xFF) - ((b >> shift) & 0xFF);
            d += x * x;
        }
        return Math.sqrt(d);
    }

    @Test
    void classWordsAreSingleTokensAndIdentitiesDistinct() {
        ClipTokenizer tok = TestData.tokenizer();
        for (SyntheticDataset.Shape s : SyntheticDataset.Shape.values()) {
            assertEquals(3, tok.encode(s.word()).length, s.word() + " must be one token");
            assertEquals(4, tok.encode("a " + s.word()).length, s.word() + " after an article is one token");
        }
        List<SyntheticDataset.Identity> ids = SyntheticDataset.identities(SyntheticDataset.MAX_IDENTITIES);
        assertEquals(ids.size(), ids.stream().map(SyntheticDataset.Identity::name).distinct().count());
        Set<String> looks = new HashSet<>();
        for (SyntheticDataset.Identity id : ids) {
            looks.add(id.shape() + "/" + id.pattern() + "/" + id.primary() + "/" + id.secondary());
        }
        assertEquals(ids.size(), looks.size(), "every identity looks different");
        assertEquals("a blue dotted triangle", ids.get(1).description());
        RgbImage ref = SyntheticDataset.renderReference(ids.get(0), 64);
        assertEquals(0xEBEBEB, ref.rgb(0, 0), "light grey around the subject");
        assertNotEquals(0xEBEBEB, ref.rgb(32, 32));
        assertThrows(IllegalArgumentException.class, () -> SyntheticDataset.identities(0));
    }

    @Test
    void refusesANonEmptyFolderAndBadOptions() throws IOException {
        Files.writeString(tmp.resolve("keep.txt"), "x");
        IOException e = assertThrows(IOException.class,
                () -> SyntheticDataset.generate(tmp, 2, 0, SyntheticDataset.Options.defaults()));
        assertTrue(e.getMessage().contains("not empty"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SyntheticDataset.Options.defaults().withSubjectsPerImage(2, 5));
        assertThrows(IllegalArgumentException.class, () -> SyntheticDataset.Options.defaults().withIdentities(65));
    }

    @Test
    void commandLine() throws IOException {
        Path out = tmp.resolve("cli");
        int code = new CommandLine(new MakeSyntheticDataCommand()).execute("--output", out.toString(), "--count", "12",
                "--seed", "3", "--resolution", "48", "--subjects", "4", "--square");
        assertEquals(0, code);
        FfhqWildDataset ds = FfhqWildDataset.open(out, FfhqWildDataset.Split.TRAIN);
        assertEquals(11, ds.size());
        assertEquals(48, ds.load(0).image().width());
        assertEquals(48, ds.load(0).image().height());
        assertEquals(4, Files.list(out.resolve("subjects")).filter(p -> p.toString().endsWith(".png")).count());
        // the same command again into the now non-empty folder fails cleanly
        CommandLine again = new CommandLine(new MakeSyntheticDataCommand());
        again.setErr(new java.io.PrintWriter(new java.io.StringWriter()));
        assertNotEquals(0, again.execute("--output", out.toString(), "--count", "2"));
        assertFalse(Files.exists(out.resolve("00000/0000012.jpg")));
    }
}
