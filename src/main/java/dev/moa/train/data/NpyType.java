package dev.moa.train.data;

/**
 * The numpy element types {@link Npy} reads and writes, with their array-protocol codes ({@code
 * dtype.str} without the byte-order character).
 */
public enum NpyType {
    BOOL('b', 1),
    INT8('i', 1),
    UINT8('u', 1),
    INT16('i', 2),
    UINT16('u', 2),
    INT32('i', 4),
    UINT32('u', 4),
    INT64('i', 8),
    UINT64('u', 8),
    FLOAT16('f', 2),
    FLOAT32('f', 4),
    FLOAT64('f', 8);

    /** numpy's kind character: b (bool), i (signed), u (unsigned), f (floating point). */
    public final char kind;
    /** Bytes per element. */
    public final int size;

    NpyType(char kind, int size) {
        this.kind = kind;
        this.size = size;
    }

    /** True for the integer types and bool. */
    public boolean isIntegral() {
        return kind != 'f';
    }

    /** The code numpy writes for this type in a header's {@code descr}, e.g. {@code <i4} or {@code |u1}. */
    public String descr(boolean bigEndian) {
        char order = size == 1 ? '|' : bigEndian ? '>' : '<';
        return "" + order + kind + size;
    }

    /** The type for {@code kind} and {@code size}, or null if there is none. */
    static NpyType of(char kind, int size) {
        for (NpyType t : values()) {
            if (t.kind == kind && t.size == size) {
                return t;
            }
        }
        return null;
    }
}
