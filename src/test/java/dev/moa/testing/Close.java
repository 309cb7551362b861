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
}
