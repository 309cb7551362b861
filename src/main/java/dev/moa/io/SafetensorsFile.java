package dev.moa.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A memory-mapped safetensors file.
 *
 * <p>The header is parsed and checked up front (dtypes, shapes, offsets against the file size), so a
 * corrupt or truncated file fails here with a message naming the file and tensor, never later inside
 * native code. Tensors are mapped one at a time (no 2 GB limit per file) copy-on-write, so the arrays
 * handed to libtorch use the page cache directly and in-place updates never reach the file.
 */
public final class SafetensorsFile implements TensorSource {

    /** Headers larger than this are rejected as corrupt (real ones are a few hundred KB). */
    private static final long MAX_HEADER = 100L << 20;

    private final Path path;
    private final FileChannel channel;
    private final boolean writable;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, FileChannel channel, boolean writable, long dataStart,
            Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.writable = writable;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Opens and validates a safetensors file. */
    public static SafetensorsFile open(Path path) throws IOException {
        return open(path, true);
    }

    /** @param mapPrivate false forces the copying path used for read-only files (tests run as root). */
    static SafetensorsFile open(Path path, boolean mapPrivate) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "safetensors file not found");
        }
        if (Files.isDirectory(path)) {
            throw new WeightsFormatException(path + ": is a folder, expected a .safetensors file");
        }
        // A private (copy-on-write) mapping needs a read+write channel; read-only files are copied instead.
        boolean writable = mapPrivate && Files.isWritable(path);
        FileChannel ch;
        try {
            ch = writable ? FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)
                    : FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            writable = false;
            ch = FileChannel.open(path, StandardOpenOption.READ);
        }
        try {
            return parse(path, ch, writable);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static SafetensorsFile parse(Path path, FileChannel ch, boolean writable) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw new WeightsFormatException(path + ": " + size + " bytes is too short for a safetensors file");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, 0);
        long headerLen = lenBuf.getLong(0);
        if (headerLen <= 0 || headerLen > MAX_HEADER || headerLen > size - 8) {
            throw new WeightsFormatException(path + ": header length " + headerLen
                    + " does not fit the file (" + size + " bytes); the file is truncated or not safetensors");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
        readFully(ch, hb, 8);
        hb.flip();
        String header;
        try {
            header = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(hb).toString();
        } catch (CharacterCodingException e) {
            throw new WeightsFormatException(path + ": header is not valid UTF-8; not a safetensors file", e);
        }
        JsonObject root;
        try {
            JsonElement el = JsonParser.parseString(header);
            if (!el.isJsonObject()) {
                throw new WeightsFormatException(path + ": header is not a JSON object");
            }
            root = el.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new WeightsFormatException(path + ": header is not valid JSON (" + Json.explain(e) + ")", e);
        }
        long dataStart = 8 + headerLen;
        long dataSize = size - dataStart;
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : root.entrySet()) {
            String name = e.getKey();
            if (name.equals("__metadata__")) {
                if (e.getValue().isJsonObject()) {
                    for (Map.Entry<String, JsonElement> m : e.getValue().getAsJsonObject().entrySet()) {
                        metadata.put(m.getKey(), m.getValue().isJsonPrimitive()
                                ? m.getValue().getAsString() : m.getValue().toString());
                    }
                }
                continue;
            }
            tensors.put(name, parseEntry(path, name, e.getValue(), dataSize));
        }
        return new SafetensorsFile(path, ch, writable, dataStart,
                Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
    }

    private static TensorInfo parseEntry(Path path, String name, JsonElement el, long dataSize)
            throws WeightsFormatException {
        String where = path + ": tensor '" + name + "'";
        try {
            if (!el.isJsonObject()) {
                throw new WeightsFormatException(where + ": header entry is not an object");
            }
            JsonObject t = el.getAsJsonObject();
            if (!t.has("dtype") || !t.has("shape") || !t.has("data_offsets")) {
                throw new WeightsFormatException(where + ": header entry needs dtype, shape and data_offsets");
            }
            String ds = t.get("dtype").getAsString();
            DType dtype = DType.parse(ds);
            if (dtype == null) {
                throw new WeightsFormatException(where + ": unsupported dtype '" + ds
                        + "' (supported: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)");
            }
            JsonArray sh = t.getAsJsonArray("shape");
            long[] shape = new long[sh.size()];
            long numel = 1;
            for (int i = 0; i < shape.length; i++) {
                shape[i] = sh.get(i).getAsLong();
                if (shape[i] < 0) {
                    throw new WeightsFormatException(where + ": negative dimension in shape " + sh);
                }
                numel = Math.multiplyExact(numel, shape[i]);
            }
            JsonArray off = t.getAsJsonArray("data_offsets");
            if (off.size() != 2) {
                throw new WeightsFormatException(where + ": data_offsets must have 2 entries");
            }
            long b = off.get(0).getAsLong();
            long e = off.get(1).getAsLong();
            if (b < 0 || e < b || e > dataSize) {
                throw new WeightsFormatException(where + ": data_offsets [" + b + ", " + e
                        + "] point outside the data section (" + dataSize + " bytes); the file is truncated or corrupt");
            }
            long expected = Math.multiplyExact(numel, dtype.size());
            if (e - b != expected) {
                throw new WeightsFormatException(where + ": " + (e - b) + " bytes stored but " + dtype + sh
                        + " needs " + expected);
            }
            return new TensorInfo(name, dtype, shape, b, e);
        } catch (ClassCastException | IllegalStateException | NumberFormatException | ArithmeticException
                | UnsupportedOperationException ex) {
            throw new WeightsFormatException(where + ": malformed header entry (" + ex.getMessage() + ")", ex);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new WeightsFormatException("unexpected end of file");
            }
            pos += n;
        }
    }

    public Path path() {
        return path;
    }

    @Override
    public Set<String> keys() {
        return tensors.keySet();
    }

    @Override
    public TensorInfo info(String key) {
        return tensors.get(key);
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** The free-form {@code __metadata__} strings of the header. */
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public Path pathOf(String key) {
        return path;
    }

    private TensorInfo require(String key) throws WeightsFormatException {
        TensorInfo t = tensors.get(key);
        if (t == null) {
            throw new WeightsFormatException(path + ": no tensor named '" + key + "'");
        }
        return t;
    }

    /** The raw little-endian bytes of a tensor (a private mapping when possible, else a copy). */
    public ByteBuffer bytes(String key) throws IOException {
        TensorInfo t = require(key);
        return bytes(t);
    }

    private ByteBuffer bytes(TensorInfo t) throws IOException {
        long len = t.byteSize();
        if (len == 0) {
            return ByteBuffer.allocateDirect(0).order(ByteOrder.LITTLE_ENDIAN);
        }
        if (len > Integer.MAX_VALUE) {
            throw new WeightsFormatException(path + ": tensor '" + t.name() + "' is larger than 2 GB");
        }
        if (writable) {
            MappedByteBuffer mb = channel.map(FileChannel.MapMode.PRIVATE, dataStart + t.begin(), len);
            return mb.order(ByteOrder.LITTLE_ENDIAN);
        }
        // Read-only file: a READ_ONLY mapping handed to libtorch would crash on any in-place write, so copy.
        ByteBuffer copy = ByteBuffer.allocateDirect((int) len).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, copy, dataStart + t.begin());
        copy.flip();
        return copy;
    }

    @Override
    public NDArray load(String key, NDManager manager, boolean upcast) throws IOException {
        TensorInfo t = require(key);
        Shape shape = new Shape(t.shape());
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new WeightsFormatException("big-endian machines are not supported");
        }
        if (t.dtype() == DType.BF16) {
            return manager.create(widenBf16(bytes(t)), shape, DataType.FLOAT32);
        }
        NDArray a = manager.create(bytes(t), shape, t.dtype().djlType());
        if (upcast && t.dtype() == DType.F16) {
            NDArray f = a.toType(DataType.FLOAT32, false);
            a.close();
            return f;
        }
        return a;
    }

    private static ByteBuffer widenBf16(ByteBuffer src) {
        int n = src.remaining() / 2;
        ByteBuffer out = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder());
        for (int i = 0; i < n; i++) {
            int bits = src.getShort(src.position() + 2 * i) & 0xffff;
            out.putInt(4 * i, bits << 16);
        }
        return out;
    }

    /** A tensor's values as floats, whatever its type (for tests, schedulers and small data). */
    public float[] floats(String key) throws IOException {
        TensorInfo t = require(key);
        ByteBuffer b = bytes(t);
        int n = Math.toIntExact(t.numel());
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) element(t.dtype(), b, i);
        }
        return out;
    }

    /** A tensor's values as doubles, whatever its type. */
    public double[] doubles(String key) throws IOException {
        TensorInfo t = require(key);
        ByteBuffer b = bytes(t);
        int n = Math.toIntExact(t.numel());
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = element(t.dtype(), b, i);
        }
        return out;
    }

    /** A tensor's values as longs (integer types only). */
    public long[] longs(String key) throws IOException {
        TensorInfo t = require(key);
        ByteBuffer b = bytes(t);
        int n = Math.toIntExact(t.numel());
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            switch (t.dtype()) {
                case I64: out[i] = b.getLong(b.position() + 8 * i); break;
                case I32: out[i] = b.getInt(b.position() + 4 * i); break;
                case I16: out[i] = b.getShort(b.position() + 2 * i); break;
                case I8: out[i] = b.get(b.position() + i); break;
                case U8:
                case BOOL: out[i] = b.get(b.position() + i) & 0xff; break;
                default: throw new WeightsFormatException(path + ": tensor '" + key + "' is " + t.dtype()
                        + ", not an integer type");
            }
        }
        return out;
    }

    private static double element(DType d, ByteBuffer b, int i) {
        int p = b.position();
        switch (d) {
            case F64: return b.getDouble(p + 8 * i);
            case F32: return b.getFloat(p + 4 * i);
            case F16: return Half.toFloat(b.getShort(p + 2 * i));
            case BF16: return Float.intBitsToFloat((b.getShort(p + 2 * i) & 0xffff) << 16);
            case I64: return b.getLong(p + 8 * i);
            case I32: return b.getInt(p + 4 * i);
            case I16: return b.getShort(p + 2 * i);
            case I8: return b.get(p + i);
            case U8:
            case BOOL: return b.get(p + i) & 0xff;
            default: throw new IllegalStateException(d.toString());
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public String toString() {
        return "SafetensorsFile(" + path + ", " + tensors.size() + " tensors)";
    }
}
