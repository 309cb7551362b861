package dev.moa.toy;

import dev.moa.image.RgbImage;
import dev.moa.train.data.SyntheticDataset.Scene;
import java.util.List;

/**
 * One rendered picture of the toy world with its ground truth.
 *
 * @param image the picture (64x64 RGB)
 * @param background the same picture without the subject (the scene, or the reference's plain/noise background)
 * @param mask 1 where a pixel is mostly subject, 0 where it is scene (row-major, 64x64)
 * @param identity the subject
 * @param scene the scene, or null for a reference picture
 * @param caption the diffusion model's caption ("a photo of a disc on a beach")
 * @param description CLIP's full description ("a red and blue striped disc on a beach")
 * @param palette the background's dominant colours ({@code 0xRRGGBB}, most frequent first)
 * @param cx subject centre x in pixels
 * @param cy subject centre y in pixels
 * @param radius subject radius in pixels
 * @param angle subject rotation in radians
 * @param parts every subject with its own mask, in the caption's order (one for a single-subject picture, whose
 *     fields above then describe it; for several, the fields above describe the first and {@code mask} is the union)
 */
public record ToyPicture(RgbImage image, RgbImage background, byte[] mask, ToyIdentity identity, Scene scene,
        String caption, String description, int[] palette, double cx, double cy, double radius, double angle,
        List<Part> parts) {

    /** One subject of the picture: who it is, where it is drawn, and the pixels it covers (visible ones only). */
    public record Part(ToyIdentity identity, byte[] mask, double cx, double cy, double radius, double angle) {}

    public ToyPicture {
        parts = List.copyOf(parts);
    }

    /** Whether this is a reference-style picture (subject alone on a plain or noise background). */
    public boolean isReference() {
        return scene == null;
    }

    /** Pixels covered by the subject. */
    public int subjectArea() {
        int n = 0;
        for (byte b : mask) {
            n += b;
        }
        return n;
    }

    /** CHW float pixels in [-1, 1] (the VAE's and the UNet's input range). */
    public float[] chwSigned() {
        int w = image.width(), h = image.height();
        float[] out = new float[3 * w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    out[c * w * h + y * w + x] = image.get(x, y, c) / 127.5f - 1f;
                }
            }
        }
        return out;
    }
}
