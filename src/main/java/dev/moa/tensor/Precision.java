package dev.moa.tensor;

/** Floating-point precisions for weights and compute. The codes are PyTorch's ScalarType numbers. */
public enum Precision {
    FP32(6),
    FP16(5),
    BF16(15);

    private final int torchCode;

    Precision(int torchCode) {
        this.torchCode = torchCode;
    }

    public int torchCode() {
        return torchCode;
    }

    /** Parses "fp32", "float32", "fp16", "half", "bf16", "bfloat16" (any case). */
    public static Precision parse(String s) {
        switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "fp32": case "float32": case "float": case "f32": return FP32;
            case "fp16": case "float16": case "half": case "f16": return FP16;
            case "bf16": case "bfloat16": return BF16;
            default: throw new IllegalArgumentException("unknown precision '" + s + "' (use fp32, fp16 or bf16)");
        }
    }
}
