package dev.moa.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.moa.io.SafetensorsFile;
import dev.moa.testing.Close;
import dev.moa.testing.Fixtures;
import org.junit.jupiter.api.Test;

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

    @Test
    void shortestEdgeTruncates() {
        assertArrayEquals(new int[] {224, 302}, ClipImageProcessor.shortestEdgeSize(97, 131, 224));
        assertArrayEquals(new int[] {298, 224}, ClipImageProcessor.shortestEdgeSize(640, 480, 224));
        assertEquals(224, ClipImageProcessor.defaults().size());
    }
}
