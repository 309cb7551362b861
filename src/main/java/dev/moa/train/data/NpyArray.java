package dev.moa.train.data;

import dev.moa.io.Half;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * An n-dimensional numpy array in memory: an element type, a shape, and the elements in C (row-major)
 * order. Whatever byte order and memory order the file had, {@link Npy#read} converts to this canonical
 * form, so flat index {@code i} is always the row-major position. Immutable.
 *
 * <p>Elements read as {@code long} or {@code double} keep their numpy values: unsigned types are
 * zero-extended ({@code uint64} values above {@link Long#MAX_VALUE} come back as negative longs from
 * {@link #getLong} but exactly from {@link #getDouble} up to double precision), bool is 0 or 1, and
 * floats convert to {@code long} as Java's cast does.
 */
public final class NpyArray {
    private final NpyType type;
    private final long[] shape;
    private final int size;
    private final ByteBuffer data; // little-endian, C order, exactly size * type.size bytes

    private NpyArray(NpyType type, long[] shape, ByteBuffer data) {
        this.type = type;
        this.shape = shape;
        this.size = checkedSize(shape, type);
        this.data = data.order(ByteOrder.LITTLE_ENDIAN);
        if (data.capacity() != (long) size * type.size) {
            throw new IllegalArgumentException("data has " + data.capacity() + " bytes, " + Arrays.toString(shape)
                    + " " + type + " needs " + (long) size * type.size);
        }
    }

    static int checkedSize(long[] shape, NpyType type) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
            if (n * type.size > Integer.MAX_VALUE - 64) {
                throw new IllegalArgumentException("array of shape " + Arrays.toString(shape) + " " + type
                        + " is too large (over 2 GiB)");
            }
        }
        return (int) n;
    }

    /**
     * Wraps little-endian, C-order element bytes (copied).
     *
     * @throws IllegalArgumentException if the length does not match the shape
     */
    public static NpyArray fromBytes(NpyType type, long[] shape, byte[] littleEndianData) {
        return new NpyArray(type, shape.clone(), ByteBuffer.wrap(littleEndianData.clone()));
    }

    /** Takes ownership of {@code data} (little-endian, C order). */
    static NpyArray wrap(NpyType type, long[] shape, byte[] data) {
        return new NpyArray(type, shape, ByteBuffer.wrap(data));
    }

    /** An array of {@code type} holding {@code values} (C order); each value must fit the type. */
    public static NpyArray ofLongs(NpyType type, long[] values, long... shape) {
        NpyArray a = allocate(type, shape, values.length);
        for (int i = 0; i < values.length; i++) {
            a.putLong(i, values[i]);
        }
        return a;
    }

    /** An array of {@code type} holding {@code values} (C order); each value must fit the type. */
    public static NpyArray ofInts(NpyType type, int[] values, long... shape) {
        NpyArray a = allocate(type, shape, values.length);
        for (int i = 0; i < values.length; i++) {
            a.putLong(i, values[i]);
        }
        return a;
    }

    /**
     * An array of {@code type} holding {@code values} (C order). For a float type the value is rounded
     * to it; for an integer type it must be an integer that fits.
     */
    public static NpyArray ofDoubles(NpyType type, double[] values, long... shape) {
        NpyArray a = allocate(type, shape, values.length);
        for (int i = 0; i < values.length; i++) {
            double v = values[i];
            if (type.isIntegral()) {
                if (v != Math.rint(v) || Double.isInfinite(v)) {
                    throw new IllegalArgumentException("value " + v + " at " + i + " is not an integer for " + type);
                }
                a.putLong(i, (long) v);
            } else {
                a.putDouble(i, v);
            }
        }
        return a;
    }

    private static NpyArray allocate(NpyType type, long[] shape, int n) {
        int size = checkedSize(shape, type);
        if (size != n) {
            throw new IllegalArgumentException(n + " values for shape " + Arrays.toString(shape) + " (" + size
                    + " elements)");
        }
        return new NpyArray(type, shape.clone(), ByteBuffer.allocate(n * type.size));
    }

    private void putLong(int i, long v) {
        boolean ok;
        switch (type) {
            case BOOL: ok = v == 0 || v == 1; break;
            case INT8: ok = v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE; break;
            case UINT8: ok = v >= 0 && v <= 0xFF; break;
            case INT16: ok = v >= Short.MIN_VALUE && v <= Short.MAX_VALUE; break;
            case UINT16: ok = v >= 0 && v <= 0xFFFF; break;
            case INT32: ok = v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE; break;
            case UINT32: ok = v >= 0 && v <= 0xFFFFFFFFL; break;
            case INT64: case UINT64: ok = true; break; // uint64: the long's bits
            default: putDouble(i, v); return;
        }
        if (!ok) {
            throw new IllegalArgumentException("value " + v + " at " + i + " does not fit " + type);
        }
        switch (type.size) {
            case 1: data.put(i, (byte) v); break;
            case 2: data.putShort(i * 2, (short) v); break;
            case 4: data.putInt(i * 4, (int) v); break;
            default: data.putLong(i * 8, v); break;
        }
    }

    private void putDouble(int i, double v) {
        switch (type) {
            case FLOAT16: data.putShort(i * 2, Half.fromFloat((float) v)); break;
            case FLOAT32: data.putFloat(i * 4, (float) v); break;
            case FLOAT64: data.putDouble(i * 8, v); break;
            default: throw new IllegalStateException(type.toString());
        }
    }

    public NpyType type() {
        return type;
    }

    /** A copy of the shape (empty for a 0-d array). */
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** Dimension {@code axis}. */
    public long dim(int axis) {
        return shape[axis];
    }

    /** Number of elements. */
    public int size() {
        return size;
    }

    /** Element {@code i} (flat, C order) as a long; see the class comment for the conversions. */
    public long getLong(int i) {
        checkIndex(i);
        switch (type) {
            case BOOL: return data.get(i) != 0 ? 1 : 0;
            case INT8: return data.get(i);
            case UINT8: return data.get(i) & 0xFF;
            case INT16: return data.getShort(i * 2);
            case UINT16: return data.getShort(i * 2) & 0xFFFF;
            case INT32: return data.getInt(i * 4);
            case UINT32: return data.getInt(i * 4) & 0xFFFFFFFFL;
            case INT64: case UINT64: return data.getLong(i * 8);
            default: return (long) getDouble(i);
        }
    }

    /** Element {@code i} (flat, C order) as a double. */
    public double getDouble(int i) {
        checkIndex(i);
        switch (type) {
            case FLOAT16: return Half.toFloat(data.getShort(i * 2));
            case FLOAT32: return data.getFloat(i * 4);
            case FLOAT64: return data.getDouble(i * 8);
            case UINT64: {
                long v = data.getLong(i * 8);
                return v >= 0 ? v : (double) (v >>> 1) * 2.0 + (v & 1);
            }
            default: return getLong(i);
        }
    }

    /** The element at a multi-dimensional index (one value per axis). */
    public double getDouble(long... index) {
        return getDouble(flatIndex(index));
    }

    /** The element at a multi-dimensional index (one value per axis). */
    public long getLong(long... index) {
        return getLong(flatIndex(index));
    }

    /** The C-order flat position of {@code index}. */
    public int flatIndex(long... index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException(index.length + " indices for a rank-" + shape.length + " array");
        }
        long flat = 0;
        for (int a = 0; a < shape.length; a++) {
            if (index[a] < 0 || index[a] >= shape[a]) {
                throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " outside shape "
                        + Arrays.toString(shape));
            }
            flat = flat * shape[a] + index[a];
        }
        return (int) flat;
    }

    private void checkIndex(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("element " + i + " of " + size);
        }
    }

    /**
     * All elements as ints (C order). Floating-point elements must hold integers; every value must fit
     * in an int.
     *
     * @throws ArithmeticException naming the first element that does not convert exactly
     */
    public int[] toIntArray() {
        int[] out = new int[size];
        switch (type) {
            case BOOL: case INT8: for (int i = 0; i < size; i++) out[i] = data.get(i); break;
            case UINT8: for (int i = 0; i < size; i++) out[i] = data.get(i) & 0xFF; break;
            case INT16: for (int i = 0; i < size; i++) out[i] = data.getShort(i * 2); break;
            case UINT16: for (int i = 0; i < size; i++) out[i] = data.getShort(i * 2) & 0xFFFF; break;
            case INT32: data.asIntBuffer().get(0, out); break;
            default:
                for (int i = 0; i < size; i++) {
                    double d = getDouble(i);
                    long v = getLong(i);
                    if ((type.isIntegral() ? (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE
                            || (type == NpyType.UINT64 && v < 0)) : d != (int) d)) {
                        throw new ArithmeticException("element " + i + " (" + (type.isIntegral() ? Long.toUnsignedString(v)
                                : Double.toString(d)) + ") of a " + type + " array is not an int");
                    }
                    out[i] = type.isIntegral() ? (int) v : (int) d;
                }
        }
        if (type == NpyType.BOOL) {
            for (int i = 0; i < size; i++) {
                out[i] = out[i] != 0 ? 1 : 0;
            }
        }
        return out;
    }

    /** All elements as longs (C order), converted as {@link #getLong(int)}. */
    public long[] toLongArray() {
        long[] out = new long[size];
        for (int i = 0; i < size; i++) {
            out[i] = getLong(i);
        }
        return out;
    }

    /** All elements as floats (C order). */
    public float[] toFloatArray() {
        float[] out = new float[size];
        if (type == NpyType.FLOAT32) {
            data.asFloatBuffer().get(0, out);
            return out;
        }
        for (int i = 0; i < size; i++) {
            out[i] = (float) getDouble(i);
        }
        return out;
    }

    /** All elements as doubles (C order). */
    public double[] toDoubleArray() {
        double[] out = new double[size];
        for (int i = 0; i < size; i++) {
            out[i] = getDouble(i);
        }
        return out;
    }

    /** A copy of the element bytes: little-endian, C order. */
    public byte[] toLittleEndianBytes() {
        byte[] out = new byte[data.capacity()];
        data.get(0, out);
        return out;
    }

    /** The element bytes themselves (little-endian, C order), for readers in this package. */
    byte[] raw() {
        return data.array();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NpyArray a && a.type == type && Arrays.equals(a.shape, shape) && a.data.equals(data);
    }

    @Override
    public int hashCode() {
        return (type.hashCode() * 31 + Arrays.hashCode(shape)) * 31 + data.hashCode();
    }

    @Override
    public String toString() {
        return "NpyArray[" + type + " " + Arrays.toString(shape) + "]";
    }
}
