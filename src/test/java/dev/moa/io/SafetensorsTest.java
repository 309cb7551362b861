package dev.moa.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    static NDManager manager;

    @TempDir
    Path dir;

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    private static ByteBuffer le(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Writes a raw file: 8-byte header length, header JSON, data. */
    private Path raw(String name, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = le(8 + h.length + data.length);
        b.putLong(h.length).put(h).put(data);
        Path p = dir.resolve(name);
        Files.write(p, b.array());
        return p;
    }

    @Test
    void roundTripAllTypes() throws Exception {
        ByteBuffer bf16 = le(4);
        bf16.putShort((short) (Float.floatToIntBits(1.5f) >>> 16)).putShort((short) (Float.floatToIntBits(-2f) >>> 16));
        bf16.flip();
        ByteBuffer f16 = le(4);
        f16.putShort(Half.fromFloat(0.333f)).putShort(Half.fromFloat(-65504f));
        f16.flip();
        ByteBuffer i64 = le(16);
        i64.putLong(1L << 40).putLong(-3);
        i64.flip();
        ByteBuffer i32 = le(8);
        i32.putInt(7).putInt(-9);
        i32.flip();
        Path p = dir.resolve("all.safetensors");
        new SafetensorsWriter()
                .add("f32", new float[] {1, 2, 3, 4, 5, 6}, 2, 3)
                .add("bf16", DType.BF16, new long[] {2}, bf16)
                .add("f16", DType.F16, new long[] {2}, f16)
                .add("i64", DType.I64, new long[] {2}, i64)
                .add("i32", DType.I32, new long[] {1, 2}, i32)
                .metadata("format", "pt")
                .write(p);
        // header is padded to a multiple of 8
        ByteBuffer head = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0, head.getLong(0) % 8);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals("pt", f.metadata().get("format"));
            NDArray a = f.load("f32", manager);
            assertArrayEquals(new long[] {2, 3}, a.getShape().getShape());
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, a.toFloatArray());
            NDArray b = f.load("bf16", manager);
            assertEquals(DataType.FLOAT32, b.getDataType());
            assertArrayEquals(new float[] {1.5f, -2f}, b.toFloatArray());
            NDArray h = f.load("f16", manager);
            assertEquals(DataType.FLOAT32, h.getDataType());
            assertArrayEquals(new float[] {Half.toFloat(Half.fromFloat(0.333f)), -65504f}, h.toFloatArray());
            assertEquals(DataType.FLOAT16, f.load("f16", manager, false).getDataType());
            assertArrayEquals(new long[] {1L << 40, -3}, f.load("i64", manager).toLongArray());
            assertArrayEquals(new int[] {7, -9}, f.load("i32", manager).toIntArray());
            assertArrayEquals(new long[] {7, -9}, f.longs("i32"));
        }
    }

    @Test
    void inPlaceUpdateNeverReachesTheFile() throws Exception {
        Path p = dir.resolve("w.safetensors");
        new SafetensorsWriter().add("w", new float[] {1, 2, 3}, 3).write(p);
        byte[] before = Files.readAllBytes(p);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            NDArray a = f.load("w", manager);
            a.addi(10f);
            assertArrayEquals(new float[] {11, 12, 13}, a.toFloatArray());
        }
        assertArrayEquals(before, Files.readAllBytes(p));
    }

    @Test
    void readOnlyFilesAreCopiedNotMapped() throws Exception {
        Path p = dir.resolve("ro.safetensors");
        new SafetensorsWriter().add("w", new float[] {4, 5}, 2).write(p);
        try (SafetensorsFile f = SafetensorsFile.open(p, false)) {
            NDArray a = f.load("w", manager);
            a.muli(2f);  // must not crash (a READ_ONLY mapping would)
            assertArrayEquals(new float[] {8, 10}, a.toFloatArray());
        }
        assertArrayEquals(new float[] {4, 5}, SafetensorsFile.open(p).floats("w"));
    }

    @Test
    void writerIsAtomic() throws Exception {
        Path p = dir.resolve("keep.safetensors");
        new SafetensorsWriter().add("a", new float[] {1}, 1).write(p);
        byte[] before = Files.readAllBytes(p);
        SafetensorsWriter bad = new SafetensorsWriter();
        assertThrows(IllegalArgumentException.class, () -> bad.add("x", DType.F32, new long[] {3}, le(4)));
        assertArrayEquals(before, Files.readAllBytes(p));
        try (var s = Files.list(dir)) {
            assertEquals(1, s.count(), "no temporary files left behind");
        }
    }

    private String message(Path p) {
        return assertThrows(IOException.class, () -> SafetensorsFile.open(p).close()).getMessage();
    }

    @Test
    void corruptFilesGiveClearErrors() throws Exception {
        Path tooShort = dir.resolve("short.safetensors");
        Files.write(tooShort, new byte[] {1, 2, 3});
        assertTrue(message(tooShort).contains("too short"), message(tooShort));

        Path hugeHeader = dir.resolve("huge.safetensors");
        ByteBuffer b = le(16).putLong(1L << 40).putLong(0);
        Files.write(hugeHeader, b.array());
        assertTrue(message(hugeHeader).contains("header length"), message(hugeHeader));

        Path notJson = raw("notjson.safetensors", "{nope", new byte[0]);
        assertTrue(message(notJson).contains("not valid JSON"), message(notJson));
        // Gson's words for it, without its class names and troubleshooting URL
        Path garbage = raw("garbage.safetensors", "{\"a\": [1,2,}garbage", new byte[0]);
        String g = message(garbage);
        assertTrue(g.contains("not valid JSON (Expected value at line 1 column 12") && !g.contains("com.google")
                && !g.contains("http") && !g.contains("\n"), g);

        String past = "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}";
        Path truncated = raw("trunc.safetensors", past, new byte[8]);
        String m = message(truncated);
        assertTrue(m.contains("'w'") && m.contains("outside the data section") && m.contains("trunc.safetensors"), m);

        Path badType = raw("type.safetensors", "{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}",
                new byte[2]);
        m = message(badType);
        assertTrue(m.contains("'w'") && m.contains("F8_E4M3"), m);

        Path badSize = raw("size.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}",
                new byte[8]);
        m = message(badSize);
        assertTrue(m.contains("needs 12"), m);

        Path negative = raw("neg.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}",
                new byte[0]);
        assertTrue(message(negative).contains("negative"), message(negative));

        Path missing = dir.resolve("nope.safetensors");
        assertTrue(message(missing).contains("nope.safetensors"));
    }

    @Test
    void shardedIndex() throws Exception {
        new SafetensorsWriter().add("a", new float[] {1, 2}, 2).write(dir.resolve("m-1.safetensors"));
        new SafetensorsWriter().add("b", new float[] {3}, 1).write(dir.resolve("m-2.safetensors"));
        Path index = dir.resolve("model.safetensors.index.json");
        Files.writeString(index, "{\"metadata\":{},\"weight_map\":{\"a\":\"m-1.safetensors\",\"b\":\"m-2.safetensors\"}}");
        try (TensorSource s = ComponentFiles.open(index)) {
            assertEquals(Arrays.asList("a", "b"), Arrays.asList(s.keys().toArray()));
            assertArrayEquals(new float[] {3}, s.load("b", manager).toFloatArray());
            assertEquals(dir.resolve("m-2.safetensors").toAbsolutePath(), s.pathOf("b").toAbsolutePath());
        }
        Files.writeString(index, "{\"weight_map\":{\"a\":\"m-2.safetensors\"}}");
        String m = assertThrows(IOException.class, () -> ComponentFiles.open(index)).getMessage();
        assertTrue(m.contains("'a'") && m.contains("m-2.safetensors"), m);
    }

    @Test
    void pickleFilesAreRefusedWithAConversionHint() throws Exception {
        Path comp = Files.createDirectories(dir.resolve("unet"));
        Files.write(comp.resolve("diffusion_pytorch_model.bin"), new byte[] {1});
        String m = assertThrows(IOException.class, () -> ComponentFiles.findWeights(comp)).getMessage();
        assertTrue(m.contains("diffusion_pytorch_model.bin") && m.contains("safetensors"), m);
    }

    @Test
    void weightsReportEveryMismatchAtOnce() throws Exception {
        Path p = dir.resolve("w.safetensors");
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        arrays.put("layer.weight", manager.zeros(new ai.djl.ndarray.types.Shape(4, 3)));
        arrays.put("layer.bias", manager.zeros(new ai.djl.ndarray.types.Shape(5)));
        arrays.put("extra.weight", manager.zeros(new ai.djl.ndarray.types.Shape(1)));
        SafetensorsWriter.write(p, arrays);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            Weights w = Weights.of("test model", f, null, manager);
            new dev.moa.nn.Linear(w, "layer", 3, 4, true);   // bias shape 4 expected, 5 stored
            w.take("other.weight", 2, 2);                    // missing
            String m = assertThrows(WeightsFormatException.class, w::check).getMessage();
            assertTrue(m.contains("1 missing") && m.contains("other.weight"), m);
            assertTrue(m.contains("1 mis-shaped") && m.contains("layer.bias: expected [4], found [5]"), m);
            assertTrue(m.contains("1 unexpected") && m.contains("extra.weight"), m);
        }
    }
}
