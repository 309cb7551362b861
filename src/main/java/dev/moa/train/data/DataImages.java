package dev.moa.train.data;

import dev.moa.image.ExifOrientation;
import dev.moa.image.Images;
import dev.moa.image.RgbImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/** Reading training pictures and masks. */
final class DataImages {
    private DataImages() {}

    /**
     * The picture's stored pixels, EXIF orientation <em>not</em> applied: what {@code
     * torchvision.io.read_image} (FastComposer) and {@code np.array(PIL.Image.open(f))} give, so
     * segmentation maps and masks computed from the file line up with it.
     */
    static RgbImage readStored(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new DataFormatException("cannot read image " + file + ": no such file", e);
        } catch (IOException e) {
            throw new DataFormatException("cannot read image " + file + ": " + e.getMessage(), e);
        }
        RgbImage upright;
        try {
            upright = Images.decode(bytes, file.toString());
        } catch (IOException e) {
            throw new DataFormatException(e.getMessage(), e);
        }
        int o = ExifOrientation.read(bytes);
        // Images.decode turned the picture upright; turn it back (6 and 8 undo each other, the rest themselves)
        return o < 2 || o > 8 ? upright : ExifOrientation.apply(upright, o == 6 ? 8 : o == 8 ? 6 : o);
    }

    /** A reference photo for inference-like use: upright (EXIF applied), as {@link Images#read} gives. */
    static RgbImage readUpright(Path file) throws IOException {
        try {
            return Images.read(file);
        } catch (IOException e) {
            throw new DataFormatException(e.getMessage(), e);
        }
    }

    /**
     * A mask file: an {@code .npy} array of shape (H, W) or (H, W, 1), or any picture {@link Images} reads
     * (stored pixels); nonzero is the subject.
     */
    static BinaryMask readMask(Path file) throws IOException {
        if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".npy")) {
            Npy.Array a = Npy.read(file);
            long[] s = a.shape();
            if (!(s.length == 2 || (s.length == 3 && s[2] == 1)) || s[0] == 0 || s[1] == 0) {
                throw new DataFormatException("mask " + file + " has shape " + Npy.shapeText(s) + "; expected (H, W)");
            }
            return BinaryMask.ofNonZero((int) s[1], (int) s[0], a.values());
        }
        return BinaryMask.ofNonZero(readStored(file));
    }
}
