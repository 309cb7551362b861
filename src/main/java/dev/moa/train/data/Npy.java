package dev.moa.train.data;

import dev.moa.io.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads and writes numpy's {@code .npy} files (format versions 1.0, 2.0 and 3.0).
 *
 * <p>Reading accepts every layout numpy writes for the plain numeric types of {@link NpyType}: little-
 * or big-endian ({@code <}, {@code >}, {@code |}, and {@code =} taken as little-endian), C or Fortran
 * order, any rank (including 0-d scalars and empty arrays). The result is always C order (see {@link
 * NpyArray}). Structured, object (pickled), string, complex and date types are refused, as are
 * truncated files and files with bytes after the data; every error is a {@link DataFormatException}
 * whose message names the file.
 *
 * <p>Writing produces what {@code numpy.save} produces: the header dict {@code {'descr': ...,
 * 'fortran_order': ..., 'shape': (...), }} padded with spaces and a newline so the data starts at a
 * multiple of 64 bytes; version 1.0 unless the header needs more than 65535 bytes.
 */
public final class Npy {
    private Npy() {}

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    /** How {@link #encode} lays a file out. */
    public record WriteOptions(int majorVersion, boolean bigEndian, boolean fortranOrder) {
        /** numpy's defaults: version chosen automatically (1.0 when it fits), little-endian, C order. */
        public static final WriteOptions DEFAULT = new WriteOptions(0, false, false);

        public WriteOptions {
            if (majorVersion < 0 || majorVersion > 3) {
                throw new IllegalArgumentException("npy format version " + majorVersion + " (0 = automatic, 1, 2 or 3)");
            }
        }
    }

    /** Reads an {@code .npy} file. */
    public static NpyArray read(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new DataFormatException("cannot read " + file + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new DataFormatException("cannot read " + file + ": permission denied", e);
        } catch (IOException e) {
            throw new DataFormatException("cannot read " + file + ": "
                    + (Files.isDirectory(file) ? "is a directory" : e.getMessage()), e);
        }
        return decode(bytes, file.toString());
    }

    /** Parses the bytes of an {@code .npy} file; {@code name} is used in error messages. */
    public static NpyArray decode(byte[] b, String name) throws DataFormatException {
        if (b.length < 10 || !Arrays.equals(Arrays.copyOf(b, 6), MAGIC)) {
            throw bad(name, b.length == 0 ? "empty file" : "not a numpy .npy file (no \\x93NUMPY magic)");
        }
        int major = b[6] & 0xFF, minor = b[7] & 0xFF;
        if (major < 1 || major > 3 || minor != 0) {
            throw bad(name, "unsupported .npy format version " + major + "." + minor + " (supported: 1.0, 2.0, 3.0)");
        }
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen;
        int headerStart;
        if (major == 1) {
            headerLen = bb.getShort(8) & 0xFFFF;
            headerStart = 10;
        } else {
            if (b.length < 12) {
                throw bad(name, "truncated header");
            }
            headerLen = bb.getInt(8) & 0xFFFFFFFFL;
            headerStart = 12;
        }
        if (headerStart + headerLen > b.length) {
            throw bad(name, "truncated header (" + headerLen + " header bytes announced, " + (b.length - headerStart)
                    + " present)");
        }
        String header = new String(b, headerStart, (int) headerLen,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Header h;
        try {
            h = Header.parse(header);
        } catch (IllegalArgumentException e) {
            throw bad(name, "bad header " + abbreviate(header.strip()) + ": " + e.getMessage());
        }
        int dataStart = (int) (headerStart + headerLen);
        int size;
        try {
            size = NpyArray.checkedSize(h.shape, h.type);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw bad(name, e.getMessage());
        }
        long need = (long) size * h.type.size;
        long have = b.length - dataStart;
        if (have < need) {
            throw bad(name, "truncated data: shape " + shapeText(h.shape) + " of " + h.descr + " needs " + need
                    + " bytes, the file has " + have);
        }
        if (have > need) {
            throw bad(name, (have - need) + " unexpected bytes after the data of shape " + shapeText(h.shape) + " "
                    + h.descr + " (wrong shape in the header?)");
        }
        byte[] data = Arrays.copyOfRange(b, dataStart, dataStart + (int) need);
        if (h.bigEndian && h.type.size > 1) {
            swapBytes(data, h.type.size);
        }
        if (h.fortran && h.shape.length > 1 && size > 1) {
            data = permute(data, h.shape, h.type.size, true);
        }
        return NpyArray.wrap(h.type, h.shape, data);
    }

    /** Writes {@code array} to {@code file} as {@code numpy.save} would (atomically). */
    public static void write(Path file, NpyArray array) throws IOException {
        write(file, array, WriteOptions.DEFAULT);
    }

    /** Writes {@code array} to {@code file} with the given layout (atomically). */
    public static void write(Path file, NpyArray array, WriteOptions options) throws IOException {
        AtomicFiles.writeBytes(file, encode(array, options));
    }

    /** The bytes of an {@code .npy} file holding {@code array}, byte for byte what {@code numpy.save} writes. */
    public static byte[] encode(NpyArray array, WriteOptions o) {
        long[] shape = array.shape();
        StringBuilder dict = new StringBuilder("{'descr': '").append(array.type().descr(o.bigEndian()))
                .append("', 'fortran_order': ").append(o.fortranOrder() ? "True" : "False")
                .append(", 'shape': ").append(shapeText(shape)).append(", }");
        if (shape.length > 0) {
            // numpy (>= 1.23) leaves room to grow the growth axis in place
            long growth = shape[o.fortranOrder() ? shape.length - 1 : 0];
            dict.append(" ".repeat(Math.max(0, 21 - Long.toString(growth).length())));
        }
        int major = o.majorVersion();
        if (major == 0) {
            major = paddedHeader(dict.length(), 10) - 10 <= 65535 ? 1 : 2;
        }
        byte[] dictBytes = dict.toString().getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        int prefix = major == 1 ? 10 : 12;
        int padded = paddedHeader(dictBytes.length, prefix);
        int headerLen = padded - prefix;
        if (major == 1 && headerLen > 65535) {
            throw new IllegalArgumentException("header of " + headerLen + " bytes does not fit format 1.0; use 2.0");
        }
        byte[] data = array.toLittleEndianBytes();
        if (o.fortranOrder() && shape.length > 1 && array.size() > 1) {
            data = permute(data, shape, array.type().size, false);
        }
        if (o.bigEndian() && array.type().size > 1) {
            swapBytes(data, array.type().size);
        }
        ByteBuffer out = ByteBuffer.allocate(padded + data.length).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).put((byte) major).put((byte) 0);
        if (major == 1) {
            out.putShort((short) headerLen);
        } else {
            out.putInt(headerLen);
        }
        out.put(dictBytes);
        for (int i = prefix + dictBytes.length; i < padded - 1; i++) {
            out.put((byte) ' ');
        }
        out.put((byte) '\n');
        out.put(data);
        return out.array();
    }

    /** numpy's {@code _wrap_header}: 1 to 64 bytes of spaces and newline so the data starts 64-aligned. */
    private static int paddedHeader(int dictLen, int prefix) {
        int hlen = dictLen + 1;
        int padlen = 64 - ((prefix + hlen) % 64);
        return prefix + hlen + padlen;
    }

    static String shapeText(long[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i > 0 ? ", " : "").append(shape[i]);
        }
        return sb.append(shape.length == 1 ? ",)" : ")").toString();
    }

    private static DataFormatException bad(String name, String why) {
        return new DataFormatException("cannot read " + name + ": " + why);
    }

    private static String abbreviate(String s) {
        return s.length() > 120 ? s.substring(0, 117) + "..." : s;
    }

    private static void swapBytes(byte[] d, int size) {
        for (int i = 0; i < d.length; i += size) {
            for (int a = i, z = i + size - 1; a < z; a++, z--) {
                byte t = d[a];
                d[a] = d[z];
                d[z] = t;
            }
        }
    }

    /**
     * Converts between Fortran and C order. {@code fromFortran}: the input is column-major and the output
     * row-major; otherwise the reverse.
     */
    private static byte[] permute(byte[] in, long[] shape, int elem, boolean fromFortran) {
        int rank = shape.length;
        int n = in.length / elem;
        long[] cStride = new long[rank];
        long[] fStride = new long[rank];
        long s = 1;
        for (int a = rank - 1; a >= 0; a--) {
            cStride[a] = s;
            s *= shape[a];
        }
        s = 1;
        for (int a = 0; a < rank; a++) {
            fStride[a] = s;
            s *= shape[a];
        }
        byte[] out = new byte[in.length];
        long[] idx = new long[rank];
        // walk in C order, tracking the Fortran offset of the same index
        long f = 0;
        for (int c = 0; c < n; c++) {
            int src = fromFortran ? (int) f : c;
            int dst = fromFortran ? c : (int) f;
            System.arraycopy(in, src * elem, out, dst * elem, elem);
            for (int a = rank - 1; a >= 0; a--) {
                idx[a]++;
                f += fStride[a];
                if (idx[a] < shape[a]) {
                    break;
                }
                f -= fStride[a] * shape[a];
                idx[a] = 0;
            }
        }
        return out;
    }

    /** The parsed header dict. */
    private record Header(String descr, NpyType type, boolean bigEndian, boolean fortran, long[] shape) {
        static Header parse(String text) {
            Parser p = new Parser(text);
            Object v = p.value();
            p.skipSpace();
            if (!p.atEnd()) {
                throw new IllegalArgumentException("text after the header dict");
            }
            if (!(v instanceof java.util.Map<?, ?> m)) {
                throw new IllegalArgumentException("not a dict");
            }
            for (String k : new String[] {"descr", "fortran_order", "shape"}) {
                if (!m.containsKey(k)) {
                    throw new IllegalArgumentException("no '" + k + "' key");
                }
            }
            Object d = m.get("descr");
            if (d instanceof List<?>) {
                throw new IllegalArgumentException("structured dtypes (record arrays) are not supported");
            }
            if (!(d instanceof String descr)) {
                throw new IllegalArgumentException("'descr' is not a string");
            }
            if (!(m.get("fortran_order") instanceof Boolean fortran)) {
                throw new IllegalArgumentException("'fortran_order' is not True or False");
            }
            if (!(m.get("shape") instanceof List<?> dims)) {
                throw new IllegalArgumentException("'shape' is not a tuple");
            }
            long[] shape = new long[dims.size()];
            for (int i = 0; i < shape.length; i++) {
                if (!(dims.get(i) instanceof Long dim) || dim < 0) {
                    throw new IllegalArgumentException("bad dimension " + dims.get(i) + " in 'shape'");
                }
                shape[i] = dim;
            }
            String code = descr;
            boolean big = false;
            if (!code.isEmpty() && "<>|=".indexOf(code.charAt(0)) >= 0) {
                big = code.charAt(0) == '>';
                code = code.substring(1);
            }
            NpyType type = null;
            if (code.equals("?")) {
                type = NpyType.BOOL;
            } else if (code.length() >= 2 && Character.isDigit(code.charAt(1))) {
                try {
                    type = NpyType.of(code.charAt(0), Integer.parseInt(code.substring(1)));
                } catch (NumberFormatException e) {
                    type = null;
                }
            }
            if (type == null) {
                throw new IllegalArgumentException("unsupported dtype '" + descr + "'" + kindHint(code)
                        + " (supported: bool, int8/16/32/64, uint8/16/32/64, float16/32/64)");
            }
            return new Header(descr, type, big, fortran, shape);
        }

        private static String kindHint(String code) {
            if (code.isEmpty()) {
                return "";
            }
            switch (code.charAt(0)) {
                case 'O': return " (object arrays are pickled Python objects)";
                case 'c': return " (complex)";
                case 'U': case 'S': case 'a': return " (strings)";
                case 'V': return " (raw void records)";
                case 'M': case 'm': return " (dates/times)";
                default: return "";
            }
        }
    }

    /** A parser for the Python literals numpy headers use: dicts, tuples/lists, strings, ints, True/False/None. */
    private static final class Parser {
        private final String s;
        private int i;

        Parser(String s) {
            this.s = s;
        }

        boolean atEnd() {
            return i >= s.length();
        }

        void skipSpace() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        Object value() {
            skipSpace();
            if (atEnd()) {
                throw new IllegalArgumentException("unexpected end");
            }
            char c = s.charAt(i);
            if (c == '{') {
                i++;
                java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
                while (true) {
                    skipSpace();
                    if (peek('}')) {
                        i++;
                        return m;
                    }
                    Object k = value();
                    if (!(k instanceof String key)) {
                        throw new IllegalArgumentException("dict key is not a string");
                    }
                    skipSpace();
                    expect(':');
                    m.put(key, value());
                    skipSpace();
                    if (peek(',')) {
                        i++;
                    } else if (!peek('}')) {
                        throw new IllegalArgumentException("expected ',' or '}' at " + i);
                    }
                }
            }
            if (c == '(' || c == '[') {
                char close = c == '(' ? ')' : ']';
                i++;
                List<Object> items = new ArrayList<>();
                while (true) {
                    skipSpace();
                    if (peek(close)) {
                        i++;
                        return items;
                    }
                    items.add(value());
                    skipSpace();
                    if (peek(',')) {
                        i++;
                    } else if (!peek(close)) {
                        throw new IllegalArgumentException("expected ',' or '" + close + "' at " + i);
                    }
                }
            }
            if (c == '\'' || c == '"') {
                int end = s.indexOf(c, i + 1);
                if (end < 0) {
                    throw new IllegalArgumentException("unterminated string");
                }
                String v = s.substring(i + 1, end);
                i = end + 1;
                return v;
            }
            if (Character.isDigit(c) || c == '-') {
                int start = i++;
                while (i < s.length() && Character.isDigit(s.charAt(i))) {
                    i++;
                }
                String digits = s.substring(start, i);
                if (i < s.length() && (s.charAt(i) == 'L' || s.charAt(i) == 'l')) {
                    i++; // Python 2 long
                }
                try {
                    return Long.parseLong(digits);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("bad integer " + digits);
                }
            }
            for (String word : new String[] {"True", "False", "None"}) {
                if (s.startsWith(word, i)) {
                    i += word.length();
                    return word.equals("None") ? null : Boolean.valueOf(word.equals("True"));
                }
            }
            throw new IllegalArgumentException("unexpected '" + c + "' at " + i);
        }

        private boolean peek(char c) {
            return i < s.length() && s.charAt(i) == c;
        }

        private void expect(char c) {
            if (!peek(c)) {
                throw new IllegalArgumentException("expected '" + c + "' at " + i);
            }
            i++;
        }
    }
}
