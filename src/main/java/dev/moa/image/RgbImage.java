package dev.moa.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.util.Arrays;

/**
 * An 8-bit RGB picture: {@code width x height} pixels stored row by row as packed {@code R, G, B} bytes
 * (HWC, the layout of a numpy {@code uint8} array from PIL). Immutable: operations return new images.
 */
public final class RgbImage {
    private final int width;
    private final int height;
    private final byte[] data;

    /** Wraps {@code data} (HWC RGB, {@code width * height * 3} bytes) without copying. */
    private RgbImage(byte[] data, int width, int height) {
        this.width = width;
        this.height = height;
        this.data = data;
    }

    /** Copies {@code data} (HWC RGB, {@code width * height * 3} bytes). */
    public RgbImage(int width, int height, byte[] data) {
        this(checkedCopy(width, height, data), width, height);
    }

    private static byte[] checkedCopy(int width, int height, byte[] data) {
        checkSize(width, height);
        if (data.length != (long) width * height * 3) {
            throw new IllegalArgumentException("RGB data has " + data.length + " bytes, expected " + width + "x"
                    + height + "x3 = " + (long) width * height * 3);
        }
        return data.clone();
    }

    private static void checkSize(int width, int height) {
        if (width <= 0 || height <= 0 || (long) width * height * 3 > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("bad image size " + width + "x" + height);
        }
    }

    /** Package-internal: takes ownership of {@code data}, which must have the right length. */
    static RgbImage wrap(int width, int height, byte[] data) {
        checkSize(width, height);
        if (data.length != width * height * 3) {
            throw new IllegalArgumentException("RGB data has " + data.length + " bytes for " + width + "x" + height);
        }
        return new RgbImage(data, width, height);
    }

    /** An image of one colour ({@code 0xRRGGBB}). */
    public static RgbImage filled(int width, int height, int rgb) {
        checkSize(width, height);
        byte[] d = new byte[width * height * 3];
        byte r = (byte) (rgb >> 16), g = (byte) (rgb >> 8), b = (byte) rgb;
        for (int i = 0; i < d.length; i += 3) {
            d[i] = r;
            d[i + 1] = g;
            d[i + 2] = b;
        }
        return new RgbImage(d, width, height);
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** Channel {@code c} (0 = R, 1 = G, 2 = B) of pixel ({@code x}, {@code y}), 0..255. */
    public int get(int x, int y, int c) {
        if (x < 0 || x >= width || y < 0 || y >= height || c < 0 || c > 2) {
            throw new IndexOutOfBoundsException("(" + x + ", " + y + ", " + c + ") outside " + width + "x" + height + "x3");
        }
        return data[(y * width + x) * 3 + c] & 0xFF;
    }

    /** Pixel ({@code x}, {@code y}) as {@code 0xRRGGBB}. */
    public int rgb(int x, int y) {
        int i = (y * width + x) * 3;
        if (x < 0 || x >= width || y < 0 || y >= height) {
            throw new IndexOutOfBoundsException("(" + x + ", " + y + ") outside " + width + "x" + height);
        }
        return (data[i] & 0xFF) << 16 | (data[i + 1] & 0xFF) << 8 | (data[i + 2] & 0xFF);
    }

    /** A copy of the packed HWC RGB bytes. */
    public byte[] data() {
        return data.clone();
    }

    /** The packed bytes themselves, for readers in this package that do not modify them. */
    byte[] raw() {
        return data;
    }

    /** The pixels as floats in [0, 1] ({@code v / 255}), HWC. */
    public float[] toFloatHwc() {
        float[] out = new float[data.length];
        for (int i = 0; i < data.length; i++) {
            out[i] = (data[i] & 0xFF) / 255f;
        }
        return out;
    }

    /** The pixels as floats in [0, 1] ({@code v / 255}), CHW. */
    public float[] toFloatChw() {
        int n = width * height;
        float[] out = new float[n * 3];
        for (int p = 0; p < n; p++) {
            for (int c = 0; c < 3; c++) {
                out[c * n + p] = (data[p * 3 + c] & 0xFF) / 255f;
            }
        }
        return out;
    }

    /** The rectangle at ({@code x}, {@code y}) of size {@code w x h}, which must lie inside the image. */
    public RgbImage crop(int x, int y, int w, int h) {
        if (x < 0 || y < 0 || w <= 0 || h <= 0 || x + w > width || y + h > height) {
            throw new IllegalArgumentException("crop " + w + "x" + h + " at (" + x + ", " + y + ") outside "
                    + width + "x" + height);
        }
        byte[] out = new byte[w * h * 3];
        for (int row = 0; row < h; row++) {
            System.arraycopy(data, ((y + row) * width + x) * 3, out, row * w * 3, w * 3);
        }
        return new RgbImage(out, w, h);
    }

    /**
     * From floats in [0, 1], HWC ({@code height x width x 3}). Values are clamped to [0, 1], then
     * {@code round(x * 255)} with ties to even, computed in float32: what diffusers' {@code numpy_to_pil}
     * does after the pipeline's {@code clamp(0, 1)}. NaN becomes 0.
     */
    public static RgbImage fromFloatHwc(float[] hwc, int height, int width) {
        checkSize(width, height);
        if (hwc.length != width * height * 3) {
            throw new IllegalArgumentException("HWC array has " + hwc.length + " values, expected " + height + "x"
                    + width + "x3");
        }
        byte[] d = new byte[hwc.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = toByte(hwc[i]);
        }
        return new RgbImage(d, width, height);
    }

    /** From floats in [0, 1], CHW ({@code 3 x height x width}); rounding as {@link #fromFloatHwc}. */
    public static RgbImage fromFloatChw(float[] chw, int height, int width) {
        checkSize(width, height);
        int n = width * height;
        if (chw.length != n * 3) {
            throw new IllegalArgumentException("CHW array has " + chw.length + " values, expected 3x" + height + "x"
                    + width);
        }
        byte[] d = new byte[n * 3];
        for (int p = 0; p < n; p++) {
            for (int c = 0; c < 3; c++) {
                d[p * 3 + c] = toByte(chw[c * n + p]);
            }
        }
        return new RgbImage(d, width, height);
    }

    private static byte toByte(float v) {
        if (!(v > 0f)) {
            return 0; // also NaN
        }
        if (v >= 1f) {
            return (byte) 255;
        }
        float s = v * 255f; // float32 multiply, as numpy does on a float32 array
        return (byte) (int) Math.rint(s); // np.round: half to even
    }

    /** A {@code TYPE_3BYTE_BGR} copy of this image. */
    public BufferedImage toBufferedImage() {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        byte[] dst = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < data.length; i += 3) {
            dst[i] = data[i + 2];
            dst[i + 1] = data[i + 1];
            dst[i + 2] = data[i];
        }
        return img;
    }

    /**
     * From any {@link BufferedImage}, converting as PIL's {@code convert("RGB")} does: grey is copied to
     * all three channels, palette indices are looked up, and alpha is dropped (not composited over a
     * background). Samples are taken from the raster as stored, without colour-space conversion (PIL
     * ignores embedded ICC profiles too); samples wider than 8 bits keep their most significant byte.
     * Layouts this does not know (e.g. CMYK) go through {@link BufferedImage#getRGB}.
     */
    public static RgbImage fromBufferedImage(BufferedImage img) {
        int w = img.getWidth(), h = img.getHeight();
        checkSize(w, h);
        byte[] d = new byte[w * h * 3];
        ColorModel cm = img.getColorModel();
        Raster r = img.getRaster();
        int type = cm.getColorSpace().getType();
        int nc = cm.getNumColorComponents();
        if (cm instanceof IndexColorModel icm) {
            int[] idx = new int[w];
            int size = icm.getMapSize();
            for (int y = 0; y < h; y++) {
                r.getSamples(0, y, w, 1, 0, idx);
                for (int x = 0; x < w; x++) {
                    int k = Math.min(idx[x], size - 1);
                    int o = (y * w + x) * 3;
                    d[o] = (byte) icm.getRed(k);
                    d[o + 1] = (byte) icm.getGreen(k);
                    d[o + 2] = (byte) icm.getBlue(k);
                }
            }
        } else if (!cm.isAlphaPremultiplied() && ((type == ColorSpace.TYPE_GRAY && nc == 1)
                || (type == ColorSpace.TYPE_RGB && nc == 3)) && r.getNumBands() >= nc
                && r.getTransferType() != DataBuffer.TYPE_FLOAT && r.getTransferType() != DataBuffer.TYPE_DOUBLE) {
            int[] row = new int[w];
            for (int c = 0; c < 3; c++) {
                int band = nc == 1 ? 0 : c;
                int bits = cm.getComponentSize(band);
                for (int y = 0; y < h; y++) {
                    r.getSamples(0, y, w, 1, band, row);
                    for (int x = 0; x < w; x++) {
                        d[(y * w + x) * 3 + c] = (byte) to8(row[x], bits);
                    }
                }
            }
        } else {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int argb = img.getRGB(x, y);
                    int o = (y * w + x) * 3;
                    d[o] = (byte) (argb >> 16);
                    d[o + 1] = (byte) (argb >> 8);
                    d[o + 2] = (byte) argb;
                }
            }
        }
        return new RgbImage(d, w, h);
    }

    /** Scales a {@code bits}-wide sample to 0..255 (low depths stretched as PNG/PIL do, high ones truncated). */
    private static int to8(int v, int bits) {
        if (bits == 8) {
            return v & 0xFF;
        }
        if (bits > 8) {
            return (v >>> (bits - 8)) & 0xFF;
        }
        int max = (1 << bits) - 1;
        return v * 255 / max;
    }

    /** Writes this image into {@code raster} (bands R, G, B) at ({@code x}, {@code y}). */
    void copyTo(WritableRaster raster, int x, int y) {
        int[] px = new int[width * 3];
        for (int row = 0; row < height; row++) {
            for (int i = 0; i < width * 3; i++) {
                px[i] = data[row * width * 3 + i] & 0xFF;
            }
            raster.setPixels(x, y + row, width, 1, px);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RgbImage other && other.width == width && other.height == height
                && Arrays.equals(other.data, data);
    }

    @Override
    public int hashCode() {
        return (width * 31 + height) * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "RgbImage[" + width + "x" + height + "]";
    }
}
