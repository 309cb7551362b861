package dev.moa.testing;

import ai.djl.ndarray.NDArray;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Numeric comparisons for parity tests; they report the max abs error they saw. */
public final class Close {
    private Close() {}

    public static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length, "length");
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs((double) a[i] - b[i]);
            if (Double.isNaN(d)) {
                return Double.NaN;
            }
            m = Math.max(m, d);
        }
        return m;
    }

    public static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    /** Asserts max |actual - expected| <= tol and returns the error. */
    public static double assertClose(float[] expected, float[] actual, double tol, String what) {
        double d = maxAbsDiff(expected, actual);
        if (!(d <= tol)) {
            fail(what + ": max abs error " + d + " > " + tol + " (expected scale " + maxAbs(expected) + ")");
        }
        System.out.printf("parity %-60s max abs err %.3e (scale %.3e)%n", what, d, maxAbs(expected));
        return d;
    }

    /** Asserts shapes and values match. */
    public static double assertClose(float[] expected, long[] expectedShape, NDArray actual, double tol, String what) {
        assertArrayEquals(expectedShape, actual.getShape().getShape(), what + ": shape");
        return assertClose(expected, actual.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray(), tol, what);
    }

    /**
     * Asserts two 8-bit images have the same size and every channel value within {@code levels} of the other
     * (levels / 255 in [0, 1] pixel values). For images made by two different computations (another batch size,
     * another code path, noise drawn another way): their floats differ in the last bits from CPU to CPU, which
     * can flip a value that sits on a rounding boundary by one level.
     */
    public static int assertPixelsClose(dev.moa.image.RgbImage expected, dev.moa.image.RgbImage actual, int levels,
            String what) {
        assertEquals(expected.width() + "x" + expected.height(), actual.width() + "x" + actual.height(), what + ": size");
        byte[] e = expected.data();
        byte[] a = actual.data();
        int worst = 0;
        for (int i = 0; i < e.length; i++) {
            worst = Math.max(worst, Math.abs((e[i] & 0xff) - (a[i] & 0xff)));
        }
        if (worst > levels) {
            fail(what + ": pixel values differ by up to " + worst + " levels > " + levels);
        }
        return worst;
    }
}
