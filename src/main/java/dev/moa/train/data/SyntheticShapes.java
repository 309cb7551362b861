package dev.moa.train.data;

/**
 * The drawing primitives of {@link SyntheticDataset}: shapes and patterns in a subject's own frame
 * ({@code u} right, {@code v} down, the shape inside the unit disc), evaluated with exact or {@link
 * StrictMath} arithmetic only, so the same seed draws the same pixels on every JVM.
 */
final class SyntheticShapes {
    private SyntheticShapes() {}

    private static final double[][] STAR = starPolygon(5, 0.95, 0.42);

    private static double[][] starPolygon(int points, double outer, double inner) {
        double[][] p = new double[points * 2][];
        for (int i = 0; i < points * 2; i++) {
            double r = i % 2 == 0 ? outer : inner;
            double a = Math.PI * i / points; // from straight up, clockwise
            p[i] = new double[] {r * StrictMath.sin(a), -r * StrictMath.cos(a) + 0.08};
        }
        return p;
    }

    /** Whether ({@code u}, {@code v}) lies inside {@code shape}. */
    static boolean inside(SyntheticDataset.Shape shape, double u, double v) {
        switch (shape) {
            case DISC:
                return u * u + v * v <= 0.95 * 0.95;
            case SQUARE:
                return Math.abs(u) <= 0.72 && Math.abs(v) <= 0.72;
            case TRIANGLE: {
                // apex up at (0, -0.9), base at v = 0.62 from u = -0.88 to 0.88
                if (v > 0.62 || v < -0.9) {
                    return false;
                }
                return Math.abs(u) <= 0.88 * (v + 0.9) / 1.52;
            }
            case STAR:
                return inPolygon(STAR, u, v);
            case HEART: {
                double x = u * 1.25, y = -v * 1.25 + 0.2;
                double a = x * x + y * y - 1;
                return a * a * a - x * x * y * y * y <= 0;
            }
            case CROSS:
                return (Math.abs(u) <= 0.3 && Math.abs(v) <= 0.9) || (Math.abs(v) <= 0.3 && Math.abs(u) <= 0.9);
            case DIAMOND:
                return Math.abs(u) / 0.68 + Math.abs(v) / 0.95 <= 1;
            case MOON: {
                boolean in = u * u + v * v <= 0.9 * 0.9;
                double du = u - 0.42, dv = v + 0.18;
                return in && du * du + dv * dv > 0.72 * 0.72;
            }
            case RING: {
                double r2 = u * u + v * v;
                return r2 <= 0.93 * 0.93 && r2 >= 0.5 * 0.5;
            }
            case FLOWER: {
                double r = Math.sqrt(u * u + v * v);
                if (r > 0.95) {
                    return false;
                }
                if (r < 0.45) {
                    return true;
                }
                double c = StrictMath.cos(2.5 * StrictMath.atan2(v, u));
                return r <= 0.45 + 0.5 * c * c;
            }
            default:
                throw new IllegalStateException(shape.toString());
        }
    }

    private static boolean inPolygon(double[][] p, double x, double y) {
        boolean in = false;
        for (int i = 0, j = p.length - 1; i < p.length; j = i++) {
            double xi = p[i][0], yi = p[i][1], xj = p[j][0], yj = p[j][1];
            if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) {
                in = !in;
            }
        }
        return in;
    }

    /** Whether the pattern shows its second colour at ({@code u}, {@code v}). */
    static boolean secondColour(SyntheticDataset.Pattern pattern, double u, double v) {
        switch (pattern) {
            case PLAIN:
                return false;
            case STRIPED:
                return ((int) Math.floor((u + 4) / 0.26)) % 2 == 1;
            case DOTTED: {
                double gu = u + 4 - (Math.floor((u + 4) / 0.42) + 0.5) * 0.42;
                double gv = v + 4 - (Math.floor((v + 4) / 0.42) + 0.5) * 0.42;
                return gu * gu + gv * gv <= 0.12 * 0.12;
            }
            case CHECKERED:
                return (((int) Math.floor((u + 4) / 0.36)) + ((int) Math.floor((v + 4) / 0.36))) % 2 == 1;
            case RINGED:
                return ((int) Math.floor(Math.sqrt(u * u + v * v) / 0.17)) % 2 == 1;
            case ZIGZAG: {
                double t = (u + 4) / 0.3;
                double tri = Math.abs(t - Math.floor(t) - 0.5) * 0.3; // 0..0.15
                return ((int) Math.floor((v + 4 + tri) / 0.24)) % 2 == 1;
            }
            default:
                throw new IllegalStateException(pattern.toString());
        }
    }
}
