package dev.moa.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link Npy} against files numpy wrote (see {@code npy/make_npy_fixtures.py}) and against corrupt ones. */
class NpyTest {

    private static byte[] fixture(String name) throws IOException {
        try (InputStream in = NpyTest.class.getResourceAsStream("npy/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource npy/" + name);
            }
            return in.readAllBytes();
        }
    }

    private static String code(NpyType t) {
        return t.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The value the fixture script put at flat index i, as numpy would read it back (double). */
    private static double expected(NpyType t, int i) {
        long v = (long) i * i * 31 - 200;
        switch (t) {
            case BOOL: return i % 3 == 0 ? 1 : 0;
            case INT8: return (byte) v;
            case UINT8: return v & 0xFF;
            case INT16: return (short) v;
            case UINT16: return v & 0xFFFF;
            case INT32: return (int) v;
            case UINT32: return v & 0xFFFFFFFFL;
            case INT64: return v;
            case UINT64: return v >= 0 ? v : 18446744073709551616.0 + v;
            case FLOAT16: return (i - 12) * 0.25;
            default: return v / 8.0;
        }
    }

    @ParameterizedTest
    @EnumSource(NpyType.class)
    void readsEveryLayoutNumpyWrites(NpyType t) throws IOException {
        for (String variant : new String[] {"le_c", "le_f", "be_c", "be_f", "v2", "v3"}) {
            String name = code(t) + "_" + variant + ".npy";
            NpyArray a = Npy.decode(fixture(name), name);
            assertEquals(t, a.type(), name);
            assertArrayEquals(new long[] {2, 3, 4}, a.shape(), name);
            for (int i = 0; i < 24; i++) {
                assertEquals(expected(t, i), a.getDouble(i), 0.0, name + " element " + i);
            }
            // multi-index access agrees with C order: element (1, 2, 3) is flat index 23
            assertEquals(expected(t, 23), a.getDouble(1, 2, 3), 0.0, name);
            assertEquals(expected(t, 6), a.getDouble(0, 1, 2), 0.0, name);
        }
    }

    @ParameterizedTest
    @EnumSource(NpyType.class)
    void writesWhatNumpyWrites(NpyType t) throws IOException {
        for (String variant : new String[] {"le_c", "le_f", "be_c", "be_f", "v2", "v3"}) {
            String name = code(t) + "_" + variant + ".npy";
            byte[] file = fixture(name);
            NpyArray a = Npy.decode(file, name);
            Npy.WriteOptions o = new Npy.WriteOptions(variant.startsWith("v") ? variant.charAt(1) - '0' : 0,
                    variant.startsWith("be"), variant.endsWith("_f"));
            assertArrayEquals(file, Npy.encode(a, o), name + " re-encoded differs from numpy's bytes");
        }
    }

    @Test
    void conversions() throws IOException {
        NpyArray u8 = Npy.decode(fixture("uint8_le_c.npy"), "u8");
        int[] ints = u8.toIntArray();
        for (int i = 0; i < 24; i++) {
            assertEquals((int) expected(NpyType.UINT8, i), ints[i]);
        }
        NpyArray f32 = Npy.decode(fixture("float32_be_f.npy"), "f32");
        float[] floats = f32.toFloatArray();
        assertEquals(-25f, floats[0]);
        assertEquals((float) ((23 * 23 * 31 - 200) / 8.0), floats[23]);
        NpyArray f64 = Npy.decode(fixture("float64_le_c.npy"), "f64");
        assertThrows(ArithmeticException.class, f64::toIntArray, "fractions are not ints");
        NpyArray b = Npy.decode(fixture("bool_le_f.npy"), "b");
        assertArrayEquals(new long[] {1, 0, 0, 1, 0, 0}, Arrays.copyOf(b.toLongArray(), 6));
        NpyArray u32 = Npy.decode(fixture("uint32_le_c.npy"), "u32");
        assertThrows(ArithmeticException.class, u32::toIntArray, "uint32 values above 2^31 do not fit an int");
    }

    @Test
    void scalarVectorEmptyAndExtremes() throws IOException {
        NpyArray s = Npy.decode(fixture("scalar.npy"), "scalar");
        assertEquals(0, s.rank());
        assertEquals(1, s.size());
        assertEquals(7, s.getLong(0));
        NpyArray v = Npy.decode(fixture("vector.npy"), "vector");
        assertArrayEquals(new double[] {1.5, -2, 3}, v.toDoubleArray());
        NpyArray e = Npy.decode(fixture("empty.npy"), "empty");
        assertArrayEquals(new long[] {0, 3}, e.shape());
        assertEquals(0, e.size());
        NpyArray i64 = Npy.decode(fixture("extremes_int64.npy"), "i64");
        assertArrayEquals(new long[] {Long.MIN_VALUE, Long.MAX_VALUE, -1, 0}, i64.toLongArray());
        NpyArray u64 = Npy.decode(fixture("extremes_uint64.npy"), "u64");
        assertEquals(-1L, u64.getLong(1), "uint64 max keeps its bits");
        assertEquals(18446744073709551615.0, u64.getDouble(1));
        assertEquals(9223372036854775808.0, u64.getDouble(2));
        for (String name : new String[] {"scalar.npy", "vector.npy", "empty.npy", "extremes_int64.npy",
            "extremes_uint64.npy"}) {
            byte[] file = fixture(name);
            assertArrayEquals(file, Npy.encode(Npy.decode(file, name), Npy.WriteOptions.DEFAULT), name);
        }
    }

    @Test
    void roundTripsThroughFilesInEveryLayout(@TempDir Path dir) throws IOException {
        int[] values = new int[2 * 5 * 3 * 2];
        for (int i = 0; i < values.length; i++) {
            values[i] = i * 1000 - 7000;
        }
        NpyArray a = NpyArray.ofInts(NpyType.INT32, values, 2, 5, 3, 2);
        for (int version = 1; version <= 3; version++) {
            for (boolean big : new boolean[] {false, true}) {
                for (boolean fortran : new boolean[] {false, true}) {
                    Path f = dir.resolve("a" + version + big + fortran + ".npy");
                    Npy.write(f, a, new Npy.WriteOptions(version, big, fortran));
                    NpyArray b = Npy.read(f);
                    assertEquals(a, b, f.toString());
                    assertArrayEquals(values, b.toIntArray());
                }
            }
        }
        // Fortran order really stores columns first: element (1, 0, 0, 0) is the second one in the file
        byte[] bytes = Npy.encode(a, new Npy.WriteOptions(1, false, true));
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int dataStart = 10 + (bb.getShort(8) & 0xFFFF);
        assertEquals(values[30], bb.getInt(dataStart + 4));
        assertThrows(IllegalArgumentException.class, () -> NpyArray.ofInts(NpyType.UINT8, new int[] {256}, 1));
        assertThrows(IllegalArgumentException.class, () -> NpyArray.ofInts(NpyType.INT8, new int[] {1, 2}, 3));
    }

    private static byte[] header(String dict, int dataBytes) {
        byte[] h = dict.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(10 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) h.length).put(h);
        return b.array();
    }

    private static String failure(byte[] bytes) {
        DataFormatException e = assertThrows(DataFormatException.class, () -> Npy.decode(bytes, "/data/x.npy"));
        assertTrue(e.getMessage().contains("/data/x.npy"), "message names the file: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void corruptAndUnsupportedFilesFailNamingTheFile(@TempDir Path dir) throws IOException {
        byte[] good = fixture("int32_le_c.npy");
        assertTrue(failure(new byte[0]).contains("empty"));
        assertTrue(failure("PK\3\4 not numpy".getBytes(StandardCharsets.ISO_8859_1)).contains("magic"));
        assertTrue(failure(Arrays.copyOf(good, good.length - 5)).contains("truncated data"));
        assertTrue(failure(Arrays.copyOf(good, 40)).contains("truncated header"));
        assertTrue(failure(Arrays.copyOf(good, good.length + 4)).contains("unexpected bytes"));
        byte[] v9 = good.clone();
        v9[6] = 9;
        assertTrue(failure(v9).contains("version 9.0"));
        assertTrue(failure(header("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }\n", 16)).contains("object"));
        assertTrue(failure(header("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }\n", 16)).contains("complex"));
        assertTrue(failure(header("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (1,), }\n", 4))
                .contains("structured"));
        assertTrue(failure(header("{'descr': '<i4', 'shape': (1,), }\n", 4)).contains("fortran_order"));
        assertTrue(failure(header("{'descr': '<i4', 'fortran_order': False, 'shape': (1,\n", 4)).contains("bad header"));
        assertTrue(failure(header("{'descr': '<i4', 'fortran_order': False, 'shape': (-1,), }\n", 4)).contains("dimension"));
        // a Python 2 style header with long suffixes is still fine
        NpyArray py2 = Npy.decode(header("{'descr': '<i2', 'fortran_order': False, 'shape': (2L,), }\n", 4), "py2");
        assertArrayEquals(new long[] {2}, py2.shape());
        // reading from disk names the path
        Path missing = dir.resolve("nope.npy");
        DataFormatException e = assertThrows(DataFormatException.class, () -> Npy.read(missing));
        assertTrue(e.getMessage().contains(missing.toString()) && e.getMessage().contains("no such file"), e.getMessage());
    }
}
