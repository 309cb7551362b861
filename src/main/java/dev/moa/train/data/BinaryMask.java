package dev.moa.train.data;

import dev.moa.image.RgbImage;
import java.util.Arrays;

/** A {@code width x height} 0/1 mask, row by row. Immutable. */
public final class BinaryMask {
    private final int width;
    private final int height;
    private final byte[] bits; // 0 or 1 per pixel
    private final int area;

    private BinaryMask(int width, int height, byte[] bits) {
        if (width <= 0 || height <= 0 || (long) width * height != bits.length) {
            throw new IllegalArgumentException("bad mask size " + width + "x" + height + " for " + bits.length + " pixels");
        }
        this.width = width;
        this.height = height;
        this.bits = bits;
        int n = 0;
        for (byte b : bits) {
            n += b;
        }
        this.area = n;
    }

    /** Pixels whose value is not 0 (copied). */
    public static BinaryMask of(int width, int height, boolean[] pixels) {
        byte[] b = new byte[pixels.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (pixels[i] ? 1 : 0);
        }
        return new BinaryMask(width, height, b);
    }

    /** Pixels of a label map equal to {@code label}: a segment of a segmentation map. */
    public static BinaryMask ofLabel(int width, int height, int[] labels, int label) {
        if (labels.length != width * height) {
            throw new IllegalArgumentException(labels.length + " labels for " + width + "x" + height);
        }
        byte[] b = new byte[labels.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (labels[i] == label ? 1 : 0);
        }
        return new BinaryMask(width, height, b);
    }

    /** Pixels where any channel is not 0 (a mask picture). */
    public static BinaryMask ofNonZero(RgbImage image) {
        byte[] d = image.data();
        byte[] b = new byte[image.width() * image.height()];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) ((d[i * 3] | d[i * 3 + 1] | d[i * 3 + 2]) != 0 ? 1 : 0);
        }
        return new BinaryMask(image.width(), image.height(), b);
    }

    /** Pixels where {@code values} (one per pixel, row by row) is not 0. */
    public static BinaryMask ofNonZero(int width, int height, double[] values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (values[i] != 0 ? 1 : 0);
        }
        return new BinaryMask(width, height, b);
    }

    /** The pixels inside {@code box} (clipped to the mask). */
    public static BinaryMask ofBox(int width, int height, Box box) {
        byte[] b = new byte[width * height];
        Box c = box.clip(width, height);
        if (c != null) {
            for (int y = c.y0(); y < c.y1(); y++) {
                Arrays.fill(b, y * width + c.x0(), y * width + c.x1(), (byte) 1);
            }
        }
        return new BinaryMask(width, height, b);
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** Whether pixel ({@code x}, {@code y}) is set. */
    public boolean get(int x, int y) {
        if (x < 0 || x >= width || y < 0 || y >= height) {
            throw new IndexOutOfBoundsException("(" + x + ", " + y + ") outside " + width + "x" + height);
        }
        return bits[y * width + x] != 0;
    }

    /** Package-internal, unchecked: pixel {@code i} (row-major) as 0 or 1. */
    byte at(int i) {
        return bits[i];
    }

    /** Number of set pixels. */
    public int area() {
        return area;
    }

    public boolean isEmpty() {
        return area == 0;
    }

    /** The tight bounding box of the set pixels, or null for an empty mask. */
    public Box bounds() {
        int x0 = width, y0 = height, x1 = -1, y1 = -1;
        for (int y = 0; y < height; y++) {
            int row = y * width;
            for (int x = 0; x < width; x++) {
                if (bits[row + x] != 0) {
                    x0 = Math.min(x0, x);
                    x1 = Math.max(x1, x);
                    y0 = Math.min(y0, y);
                    y1 = y;
                }
            }
        }
        return x1 < 0 ? null : new Box(x0, y0, x1 + 1, y1 + 1);
    }

    /** The mask as floats 0/1, row by row. */
    public float[] toFloats() {
        float[] f = new float[bits.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = bits[i];
        }
        return f;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BinaryMask m && m.width == width && m.height == height && Arrays.equals(m.bits, bits);
    }

    @Override
    public int hashCode() {
        return (width * 31 + height) * 31 + Arrays.hashCode(bits);
    }

    @Override
    public String toString() {
        return "BinaryMask[" + width + "x" + height + ", area " + area + "]";
    }
}
