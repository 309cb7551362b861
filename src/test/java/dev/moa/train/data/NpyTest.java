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
import org.junit.jupiter.params.provider.ValueSource;

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

    /** The value the fixture script put at flat index i, as numpy would read it back. */
    private static double expected(String type, int i) {
        long v = (long) i * i * 31 - 200;
        switch (type) {
            case "bool": return i % 3 == 0 ? 1 : 0;
            case "int8": return (byte) v;
            case "uint8": return v & 0xFF;
            case "int16": return (short) v;
            case "uint16": return v & 0xFFFF;
            case "int32": return (int) v;
            case "uint32": return v & 0xFFFFFFFFL;
            case "int64": return v;
            case "uint64": return v >= 0 ? v : 18446744073709551616.0 + v;
            case "float16": return (i - 12) * 0.25;
            default: return v / 8.0;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "float16",
        "float32", "float64"})
    void readsNumpysDefaultLayoutInEveryFormatVersion(String type) throws IOException {
        for (String variant : new String[] {"le_c", "v2", "v3"}) {
            String name = type + "_" + variant + ".npy";
            Npy.Array a = Npy.decode(fixture(name), name);
            assertArrayEquals(new long[] {2, 3, 4}, a.shape(), name);
            assertEquals(!type.startsWith("float"), a.integral(), name);
            for (int i = 0; i < 24; i++) {
                assertEquals(expected(type, i), a.values()[i], 0.0, name + " element " + i);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"int16_be_c.npy", "float32_be_f.npy", "int32_le_f.npy", "uint8_le_f.npy"})
    void bigEndianAndFortranOrderAreRefusedWithHowToResave(String name) throws IOException {
        String m = failure(fixture(name));
        assertTrue(m.contains("big-endian") || m.contains("Fortran"), m);
        assertTrue(m.contains("save"), "says how to re-save: " + m);
    }

    @Test
    void writesWhatNumpyWritesForIntegerMaps() throws IOException {
        Npy.Array u8 = Npy.decode(fixture("uint8_le_c.npy"), "u8");
        assertArrayEquals(fixture("uint8_le_c.npy"), Npy.encodeInts(u8.toIntArray(), "|u1", 2, 3, 4));
        Npy.Array i32 = Npy.decode(fixture("int32_le_c.npy"), "i32");
        assertArrayEquals(fixture("int32_le_c.npy"), Npy.encodeInts(i32.toIntArray(), "<i4", 2, 3, 4));
        Npy.Array back = Npy.decode(Npy.encodeInts(new int[] {-5, 7, 1 << 30}, "<i8", 3), "i8");
        assertArrayEquals(new int[] {-5, 7, 1 << 30}, back.toIntArray());
        assertThrows(IllegalArgumentException.class, () -> Npy.encodeInts(new int[] {1}, ">i4", 1));
    }

    @Test
    void conversionsScalarsVectorsEmptyAndExtremes() throws IOException {
        assertThrows(ArithmeticException.class, () -> Npy.decode(fixture("float64_le_c.npy"), "f64").toIntArray(),
                "fractions are not ints");
        assertThrows(ArithmeticException.class, () -> Npy.decode(fixture("uint32_le_c.npy"), "u32").toIntArray(),
                "uint32 values above 2^31 do not fit an int");
        Npy.Array s = Npy.decode(fixture("scalar.npy"), "scalar");
        assertEquals(0, s.shape().length);
        assertArrayEquals(new double[] {7}, s.values());
        assertArrayEquals(new double[] {1.5, -2, 3}, Npy.decode(fixture("vector.npy"), "vector").values());
        Npy.Array e = Npy.decode(fixture("empty.npy"), "empty");
        assertArrayEquals(new long[] {0, 3}, e.shape());
        assertEquals(0, e.values().length);
        Npy.Array u64 = Npy.decode(fixture("extremes_uint64.npy"), "u64");
        assertEquals(18446744073709551615.0, u64.values()[1]);
        assertEquals(9223372036854775808.0, u64.values()[2]);
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
        assertTrue(failure(header("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }\n", 16)).contains("unsupported dtype"));
        assertTrue(failure(header("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }\n", 16)).contains("unsupported dtype"));
        assertTrue(failure(header("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (1,), }\n", 4))
                .contains("bad header"));
        assertTrue(failure(header("{'descr': '<i4', 'shape': (1,), }\n", 4)).contains("fortran_order"));
        assertTrue(failure(header("{'descr': '<i4', 'fortran_order': False, 'shape': (-1,), }\n", 4)).contains("dimension"));
        assertTrue(failure(header("{'descr': '<i4', 'fortran_order': False, 'shape': (99999, 99999, 99999), }\n", 4))
                .contains("too large"));
        // a Python 2 style header with long suffixes is still fine
        Npy.Array py2 = Npy.decode(header("{'descr': '<i2', 'fortran_order': False, 'shape': (2L,), }\n", 4), "py2");
        assertArrayEquals(new long[] {2}, py2.shape());
        // reading from disk names the path
        Path missing = dir.resolve("nope.npy");
        DataFormatException e = assertThrows(DataFormatException.class, () -> Npy.read(missing));
        assertTrue(e.getMessage().contains(missing.toString()) && e.getMessage().contains("no such file"), e.getMessage());
    }
}
