package dev.moa.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import dev.moa.io.SafetensorsFile;
import dev.moa.testing.Close;
import dev.moa.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClipImageProcessorTest {

    private static RgbImage fixtureImage(SafetensorsFile f) throws Exception {
        long[] shape = f.info("image_uint8_hwc").shape();
        long[] v = f.longs("image_uint8_hwc");
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return new RgbImage((int) shape[1], (int) shape[0], b);
    }

    private static void parity(String file) throws Exception {
        try (SafetensorsFile f = Fixtures.ref(file)) {
            RgbImage img = fixtureImage(f);
            float[] expected = f.floats("pixel_values");
            assertArrayEquals(new long[] {1, 3, 224, 224}, f.info("pixel_values").shape());
            float[] actual = ClipImageProcessor.defaults().preprocess(img);
            Close.assertClose(expected, actual, 1e-4, file + " pixel_values");
        }
    }

    @Test
    void upscalingMatchesTransformers() throws Exception {
        parity("ref/clip_image_processor.safetensors");
    }

    @Test
    void downscalingMatchesTransformers() throws Exception {
        parity("ref/clip_image_processor_down.safetensors");
    }

    @TempDir
    Path dir;

    @Test
    void pilBackendIsWithinOneGreyLevel() throws Exception {
        try (SafetensorsFile f = Fixtures.ref("ref/clip_image_processor_down.safetensors")) {
            float[] expected = f.floats("pixel_values");
            ClipImageProcessor pil = ClipImageProcessor.defaults().withBackend(ClipImageProcessor.Backend.PIL);
            float[] actual = pil.preprocess(fixtureImage(f));
            double err = Close.maxAbsDiff(expected, actual);
            // one 8-bit level is 1 / 255 / std ~ 0.0151; Pillow and torch round a few pixels differently
            assertTrue(err > 0 && err < 0.0152, "PIL backend error " + err);
        }
    }

    @Test
    void tinySdConfigAndSubjectImages() throws Exception {
        ClipImageProcessor p = ClipImageProcessor.fromConfig(
                Fixtures.path("models/tiny-sd/feature_extractor/preprocessor_config.json")).withPadToSquare(true);
        assertEquals(32, p.size());
        assertEquals(Resample.Filter.BICUBIC, p.filter());
        assertTrue(p.padsToSquare());
        RgbImage man = Images.read(Fixtures.path("ref/moa_files/pub_man.png")); // 48x64: black bars left and right
        RgbImage woman = Images.read(Fixtures.path("ref/moa_files/pub_woman.png")); // 80x60: bars top and bottom
        float[] batch = p.preprocessBatch(List.of(man, woman));
        int per = 3 * 32 * 32;
        assertEquals(2 * per, batch.length);
        assertArrayEquals(new long[] {2, 3, 32, 32}, p.batchShape(2));
        float[] m = p.preprocess(man), w = p.preprocess(woman);
        assertArrayEquals(m, Arrays.copyOfRange(batch, 0, per));
        assertArrayEquals(w, Arrays.copyOfRange(batch, per, 2 * per));
        float[] mean = p.mean(), std = p.std();
        assertEquals(0.48145466f, mean[0]);
        assertEquals(0.27577711f, std[2]);
        for (int c = 0; c < 3; c++) {
            float lo = (0 - 255 * mean[c]) / (255 * std[c]);
            float hi = (255 - 255 * mean[c]) / (255 * std[c]);
            for (int i = c * 1024; i < (c + 1) * 1024; i++) {
                assertTrue(batch[i] >= lo && batch[i] <= hi && batch[per + i] >= lo && batch[per + i] <= hi);
            }
            // the padding is black: first column of the man, first row of the woman
            assertEquals(lo, m[c * 1024 + 16 * 32], "man, left bar, channel " + c);
            assertEquals(lo, m[c * 1024 + 16 * 32 + 31], "man, right bar, channel " + c);
            assertEquals(lo, w[c * 1024 + 5], "woman, top bar, channel " + c);
            assertTrue(m[c * 1024 + 16 * 32 + 16] != lo || m[1024 + 16 * 32 + 16] != lo, "picture is not black");
        }
        // padding changes the result (without it the picture is cropped instead)
        float[] unpadded = p.withPadToSquare(false).preprocess(man);
        assertTrue(Close.maxAbsDiff(m, unpadded) > 0.5);
        assertEquals(p.prepare(man), p.withPadToSquare(false).prepare(Resample.padToSquare(man, 0)));
    }

    private static ClipImageProcessor config(String json) throws IOException {
        return ClipImageProcessor.fromJson(JsonParser.parseString(json).getAsJsonObject());
    }

    @Test
    void configVariants() throws Exception {
        RgbImage img = ResampleTest.pattern(50, 40);
        // size as {height, width}: fixed resize, crop as int
        ClipImageProcessor fixed = config("{\"size\": {\"height\": 20, \"width\": 30}, \"crop_size\": 16}");
        assertEquals(16, fixed.size());
        assertEquals(Resample.resizeTorch(img, 30, 20, Resample.Filter.BICUBIC).crop(7, 2, 16, 16),
                fixed.prepare(img));
        // size as int means shortest edge
        ClipImageProcessor shortest = config("{\"size\": 20, \"crop_size\": {\"height\": 20, \"width\": 10}}");
        assertEquals(20, shortest.outHeight());
        assertEquals(10, shortest.outWidth());
        assertEquals(Resample.resizeTorch(img, 25, 20, Resample.Filter.BICUBIC).crop(7, 0, 10, 20),
                shortest.prepare(img));
        assertThrows(IllegalStateException.class, shortest::size);
        // defaults: CLIP ViT-L/14
        ClipImageProcessor d = config("{}");
        assertEquals(224, d.size());
        assertEquals(ClipImageProcessor.defaults().preprocess(img)[1000], d.preprocess(img)[1000]);
        // resample 2 = bilinear, no normalisation
        ClipImageProcessor raw = config("{\"size\": 8, \"crop_size\": 8, \"resample\": 2, \"do_normalize\": false,"
                + " \"do_rescale\": false}");
        assertEquals(Resample.Filter.BILINEAR, raw.filter());
        RgbImage small = Resample.resizeTorch(img, 10, 8, Resample.Filter.BILINEAR).crop(1, 0, 8, 8);
        assertEquals(small.get(3, 2, 1), raw.preprocess(img)[64 + 2 * 8 + 3]);
        Path bad = dir.resolve("preprocessor_config.json");
        Files.writeString(bad, "{\"size\": {\"longest\": 3}}");
        IOException e = assertThrows(IOException.class, () -> ClipImageProcessor.fromConfig(bad));
        assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
    }

    @Test
    void shortestEdgeTruncates() {
        assertArrayEquals(new int[] {224, 302}, ClipImageProcessor.shortestEdgeSize(97, 131, 224));
        assertArrayEquals(new int[] {298, 224}, ClipImageProcessor.shortestEdgeSize(640, 480, 224));
        assertEquals(224, ClipImageProcessor.defaults().size());
    }
}
