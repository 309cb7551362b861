package dev.moa.io;

import ai.djl.ndarray.types.DataType;

/** Element types of the safetensors format, with their sizes and the DJL type each loads as. */
public enum DType {
    F64(8, DataType.FLOAT64),
    F32(4, DataType.FLOAT32),
    F16(2, DataType.FLOAT16),
    /** bfloat16 is widened to F32 in Java: DJL's own BF16 path aborts the JVM (java-stack.md section 9). */
    BF16(2, DataType.FLOAT32),
    I64(8, DataType.INT64),
    I32(4, DataType.INT32),
    I16(2, DataType.INT16),
    I8(1, DataType.INT8),
    U8(1, DataType.UINT8),
    BOOL(1, DataType.BOOLEAN);

    private final int size;
    private final DataType djl;

    DType(int size, DataType djl) {
        this.size = size;
        this.djl = djl;
    }

    /** Bytes per element. */
    public int size() {
        return size;
    }

    /** The DJL type a tensor of this type is loaded as (before any upcast). */
    public DataType djlType() {
        return djl;
    }

    public boolean isFloating() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }

    /** Parses a safetensors dtype string, or returns null when it is not one we know. */
    public static DType parse(String s) {
        for (DType d : values()) {
            if (d.name().equals(s)) {
                return d;
            }
        }
        return null;
    }

    /** The safetensors type for a DJL type. */
    public static DType of(DataType t) {
        switch (t) {
            case FLOAT64: return F64;
            case FLOAT32: return F32;
            case FLOAT16: return F16;
            case INT64: return I64;
            case INT32: return I32;
            case INT16: return I16;
            case INT8: return I8;
            case UINT8: return U8;
            case BOOLEAN: return BOOL;
            default: throw new IllegalArgumentException("no safetensors type for " + t);
        }
    }
}
