package dev.moa.train.data;

import dev.moa.io.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * numpy {@code .npy} files as the training data uses them: segmentation maps and masks, integer or float arrays
 * in numpy's default layout (little-endian, C order, format 1.0, or 2.0/3.0 for long headers). Big-endian and
 * Fortran-order files are refused with a message saying how to re-save them; writing covers the integer maps
 * this project makes.
 */
public final class Npy {
    private Npy() {}

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    /**
     * An array as read: its shape, numpy's dtype code (e.g. {@code <i8}), whether the type is integral (bool and
     * integers) and the values in C order, widened to double (integers up to 2^53 exactly).
     */
    public record Array(long[] shape, String dtype, boolean integral, double[] values) {
        /** The values as ints; fails on fractions and on values outside the int range. */
        public int[] toIntArray() {
            int[] out = new int[values.length];
            for (int i = 0; i < out.length; i++) {
                double v = values[i];
                if (v != Math.rint(v) || v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                    throw new ArithmeticException("element " + i + " = " + v + " is not an int");
                }
                out[i] = (int) v;
            }
            return out;
        }
    }

    /** Reads an {@code .npy} file; every error names the file. */
    public static Array read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new DataFormatException(file + ": no such file");
        }
        long size = Files.size(file);
        if (size > MAX_ELEMENTS) {
            throw new DataFormatException(file + ": " + size + " bytes is too large for an .npy map (limit 2 GB)");
        }
        return decode(Files.readAllBytes(file), file.toString());
    }

    /** Parses the bytes of an {@code .npy} file; {@code name} is used in error messages. */
    public static Array decode(byte[] b, String name) throws DataFormatException {
        if (b.length < 10 || !Arrays.equals(Arrays.copyOf(b, 6), MAGIC)) {
            throw bad(name, b.length == 0 ? "empty file" : "not a numpy .npy file (no \\x93NUMPY magic)");
        }
        int major = b[6] & 0xFF;
        int minor = b[7] & 0xFF;
        if (major < 1 || major > 3 || minor != 0) {
            throw bad(name, "unsupported .npy format version " + major + "." + minor + " (supported: 1.0, 2.0, 3.0)");
        }
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int start = major == 1 ? 10 : 12;
        if (b.length < start) {
            throw bad(name, "truncated header");
        }
        long headerLen = major == 1 ? bb.getShort(8) & 0xFFFF : bb.getInt(8) & 0xFFFFFFFFL;
        if (start + headerLen > b.length) {
            throw bad(name, "truncated header (" + headerLen + " header bytes announced, " + (b.length - start) + " present)");
        }
        String header = new String(b, start, (int) headerLen, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(header);
        Matcher f = FORTRAN.matcher(header);
        Matcher s = SHAPE.matcher(header);
        if (!d.find() || !f.find() || !s.find()) {
            throw bad(name, "bad header " + abbreviate(header.strip()) + ": expected 'descr', 'fortran_order' and 'shape'");
        }
        String descr = d.group(1);
        if (f.group(1).equals("True")) {
            throw bad(name, "Fortran-order arrays are not supported; save numpy.ascontiguousarray(a) instead");
        }
        long[] shape = parseShape(s.group(1), name);
        char order = descr.isEmpty() ? '?' : descr.charAt(0);
        String code = "<|=".indexOf(order) >= 0 ? descr.substring(1) : descr;
        if (order == '>' && !code.endsWith("1")) {
            throw bad(name, "big-endian arrays ('" + descr + "') are not supported; save a.astype(a.dtype.newbyteorder('<'))");
        }
        int elem = elementSize(code);
        if (elem == 0) {
            throw bad(name, "unsupported dtype '" + descr + "' (supported: bool, int8/16/32/64, uint8/16/32/64,"
                    + " float16/32/64)");
        }
        long count = 1;
        for (long dim : shape) {
            count = Math.multiplyExact(count, Math.max(dim, 0));
            if (count > MAX_ELEMENTS) {
                throw bad(name, "shape " + shapeText(shape) + " is too large");
            }
        }
        long dataStart = start + headerLen;
        long have = b.length - dataStart;
        long need = count * elem;
        if (have != need) {
            throw bad(name, have < need ? "truncated data: shape " + shapeText(shape) + " of " + descr + " needs " + need
                    + " bytes, the file has " + have : (have - need) + " unexpected bytes after the data of shape "
                    + shapeText(shape) + " " + descr + " (wrong shape in the header?)");
        }
        double[] v = new double[(int) count];
        ByteBuffer data = ByteBuffer.wrap(b, (int) dataStart, (int) need).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < v.length; i++) {
            v[i] = element(data, code);
        }
        return new Array(shape, descr, code.charAt(0) != 'f', v);
    }

    private static long[] parseShape(String text, String name) throws DataFormatException {
        String[] parts = text.split(",");
        long[] out = new long[parts.length];
        int n = 0;
        for (String p : parts) {
            String t = p.strip();
            if (t.isEmpty()) {
                continue;
            }
            try {
                out[n] = Long.parseLong(t.endsWith("L") ? t.substring(0, t.length() - 1) : t);
            } catch (NumberFormatException e) {
                throw bad(name, "bad dimension '" + t + "' in 'shape'");
            }
            if (out[n++] < 0) {
                throw bad(name, "negative dimension in 'shape'");
            }
        }
        return Arrays.copyOf(out, n);
    }

    private static int elementSize(String code) {
        switch (code) {
            case "?": case "b1": case "i1": case "u1": return 1;
            case "i2": case "u2": case "f2": return 2;
            case "i4": case "u4": case "f4": return 4;
            case "i8": case "u8": case "f8": return 8;
            default: return 0;
        }
    }

    private static double element(ByteBuffer d, String code) {
        switch (code) {
            case "?": case "b1": return d.get() != 0 ? 1 : 0;
            case "i1": return d.get();
            case "u1": return d.get() & 0xFF;
            case "i2": return d.getShort();
            case "u2": return d.getShort() & 0xFFFF;
            case "i4": return d.getInt();
            case "u4": return d.getInt() & 0xFFFFFFFFL;
            case "i8": return d.getLong();
            case "u8": {
                long x = d.getLong();
                return x >= 0 ? x : 18446744073709551616.0 + x;
            }
            case "f2": return dev.moa.io.Half.toFloat(d.getShort());
            case "f4": return d.getFloat();
            default: return d.getDouble();
        }
    }

    /**
     * The bytes {@code numpy.save} writes for an integer array: {@code dtype} is {@code |u1}, {@code <i4} or
     * {@code <i8}; format 1.0, C order, header padded so the data starts 64-aligned.
     */
    public static byte[] encodeInts(int[] values, String dtype, long... shape) {
        int elem = elementSize(dtype.substring(1));
        if (!(dtype.equals("|u1") || dtype.equals("<i4") || dtype.equals("<i8"))) {
            throw new IllegalArgumentException("encodeInts writes |u1, <i4 or <i8, not " + dtype);
        }
        StringBuilder dict = new StringBuilder("{'descr': '").append(dtype).append("', 'fortran_order': False, 'shape': ")
                .append(shapeText(shape)).append(", }");
        if (shape.length > 0) {
            dict.append(" ".repeat(Math.max(0, 21 - Long.toString(shape[0]).length())));   // numpy >= 1.23's growth room
        }
        int total = 10 + dict.length() + 1;
        int padded = (total + 63) / 64 * 64;
        ByteBuffer out = ByteBuffer.allocate(padded + values.length * elem).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) (padded - 10));
        out.put(dict.toString().getBytes(StandardCharsets.ISO_8859_1));
        while (out.position() < padded - 1) {
            out.put((byte) ' ');
        }
        out.put((byte) '\n');
        for (int v : values) {
            if (elem == 1) {
                out.put((byte) v);
            } else if (elem == 4) {
                out.putInt(v);
            } else {
                out.putLong(v);
            }
        }
        return out.array();
    }

    /** Writes {@link #encodeInts} to {@code file}, atomically. */
    public static void writeInts(Path file, int[] values, String dtype, long... shape) throws IOException {
        AtomicFiles.writeBytes(file, encodeInts(values, dtype, shape));
    }

    /** numpy's way of printing a shape: {@code (2, 3)}, {@code (5,)}, {@code ()}. */
    static String shapeText(long[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i > 0 ? ", " : "").append(shape[i]);
        }
        return sb.append(shape.length == 1 ? ",)" : ")").toString();
    }

    private static DataFormatException bad(String name, String why) {
        return new DataFormatException(name + ": " + why);
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
