package dev.moa.train.data;

import dev.moa.image.PngWriter;
import dev.moa.image.RgbImage;
import dev.moa.text.ClipTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Shared helpers for the data tests. */
final class TestData {
    private TestData() {}

    private static ClipTokenizer tokenizer;

    /** The SD 1.x tokenizer (loaded once). */
    static synchronized ClipTokenizer tokenizer() {
        if (tokenizer == null) {
            try {
                tokenizer = ClipTokenizer.bundled();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return tokenizer;
    }

    /** A picture filled with {@code background} with {@code rgb} rectangles [x0, y0, x1, y1). */
    static RgbImage picture(int w, int h, int background, int[][] boxes, int[] colours) {
        byte[] d = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int c = background;
                for (int k = 0; k < boxes.length; k++) {
                    int[] b = boxes[k];
                    if (x >= b[0] && x < b[2] && y >= b[1] && y < b[3]) {
                        c = colours[k];
                    }
                }
                int o = (y * w + x) * 3;
                d[o] = (byte) (c >> 16);
                d[o + 1] = (byte) (c >> 8);
                d[o + 2] = (byte) c;
            }
        }
        return new RgbImage(w, h, d);
    }

    /** The label map of {@code boxes}: pixel = {@code ids[k]} of the last box containing it, else 0. */
    static int[] labels(int w, int h, int[][] boxes, int[] ids) {
        int[] l = new int[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int k = 0; k < boxes.length; k++) {
                    int[] b = boxes[k];
                    if (x >= b[0] && x < b[2] && y >= b[1] && y < b[3]) {
                        l[y * w + x] = ids[k];
                    }
                }
            }
        }
        return l;
    }

    /** Writes one FFHQ-wild entry: {@code root/<id[:5]>/<id>.jpg|.json|.npy}. The picture is stored as PNG bytes. */
    static void ffhqEntry(Path root, String id, RgbImage image, String json, byte[] segmap) throws IOException {
        Path dir = root.resolve(id.substring(0, Math.min(5, id.length())));
        Files.createDirectories(dir);
        PngWriter.write(dir.resolve(id + ".jpg"), image); // readers sniff the format, not the name
        Files.writeString(dir.resolve(id + ".json"), json);
        Files.write(dir.resolve(id + ".npy"), segmap);
    }

    static void idList(Path root, String file, List<String> ids) throws IOException {
        Files.writeString(root.resolve(file), String.join("\n", ids) + "\n");
    }

    /** Sum of the values. */
    static float sum(float[] a) {
        float s = 0;
        for (float v : a) {
            s += v;
        }
        return s;
    }
}
