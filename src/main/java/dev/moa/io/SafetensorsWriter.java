package dev.moa.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes safetensors files: header padded with spaces to a multiple of 8 bytes (as the reference
 * implementation does, so that tensor data stays aligned), tensors in insertion order, written
 * atomically (temporary file, then rename).
 */
public final class SafetensorsWriter {

    private record Entry(String name, DType dtype, long[] shape, ByteBuffer data) {}

    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    /** Adds raw little-endian data. */
    public SafetensorsWriter add(String name, DType dtype, long[] shape, ByteBuffer data) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (data.remaining() != n * dtype.size()) {
            throw new IllegalArgumentException("tensor '" + name + "': " + data.remaining() + " bytes for "
                    + dtype + java.util.Arrays.toString(shape));
        }
        for (Entry e : entries) {
            if (e.name.equals(name)) {
                throw new IllegalArgumentException("duplicate tensor name '" + name + "'");
            }
        }
        entries.add(new Entry(name, dtype, shape.clone(), data.slice().order(ByteOrder.LITTLE_ENDIAN)));
        return this;
    }

    /** Adds an NDArray (copied to host memory now, so the array may be closed afterwards). */
    public SafetensorsWriter add(String name, NDArray a) {
        DataType t = a.getDataType();
        ByteBuffer src = a.toByteBuffer();
        ByteBuffer copy = ByteBuffer.allocate(src.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        copy.put(src.duplicate().order(ByteOrder.LITTLE_ENDIAN));
        copy.flip();
        return add(name, DType.of(t), a.getShape().getShape(), copy);
    }

    public SafetensorsWriter add(String name, float[] data, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(data);
        return add(name, DType.F32, shape, b);
    }

    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** The header bytes, space-padded to a multiple of 8. */
    byte[] header() {
        JsonObject h = new JsonObject();
        if (!metadata.isEmpty()) {
            JsonObject m = new JsonObject();
            metadata.forEach(m::addProperty);
            h.add("__metadata__", m);
        }
        long off = 0;
        for (Entry e : entries) {
            JsonObject t = new JsonObject();
            t.addProperty("dtype", e.dtype.name());
            JsonArray s = new JsonArray();
            for (long d : e.shape) {
                s.add(d);
            }
            t.add("shape", s);
            JsonArray o = new JsonArray();
            o.add(off);
            off += e.data.remaining();
            o.add(off);
            t.add("data_offsets", o);
            h.add(e.name, t);
        }
        byte[] json = h.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = new byte[padded];
        System.arraycopy(json, 0, out, 0, json.length);
        for (int i = json.length; i < padded; i++) {
            out[i] = ' ';
        }
        return out;
    }

    /** Writes the file atomically. */
    public void write(Path path) throws IOException {
        byte[] header = header();
        AtomicFiles.writeVia(path, tmp -> {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
                writeAll(ch, len);
                writeAll(ch, ByteBuffer.wrap(header));
                for (Entry e : entries) {
                    writeAll(ch, e.data.duplicate());
                }
                ch.force(true);
            }
        });
    }

    private static void writeAll(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** Convenience: writes named arrays in map order. */
    public static void write(Path path, Map<String, NDArray> arrays) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        arrays.forEach(w::add);
        w.write(path);
    }
}
