package dev.moa.train.data;

/**
 * An axis-aligned pixel rectangle {@code [x0, x1) x [y0, y1)}: {@code x0, y0} inclusive, {@code x1, y1}
 * exclusive, as FastComposer slices {@code image[:, y0:y1, x0:x1]} with a segment's {@code bbox = [x0,
 * y0, x1, y1]}.
 */
public record Box(int x0, int y0, int x1, int y1) {
    public Box {
        if (x1 <= x0 || y1 <= y0) {
            throw new IllegalArgumentException("empty box [" + x0 + ", " + y0 + ", " + x1 + ", " + y1 + "]");
        }
    }

    public int width() {
        return x1 - x0;
    }

    public int height() {
        return y1 - y0;
    }

    /** This box cut to {@code [0, width) x [0, height)}, or null if nothing is left. */
    public Box clip(int width, int height) {
        int a = Math.max(0, x0), b = Math.max(0, y0), c = Math.min(width, x1), d = Math.min(height, y1);
        return c > a && d > b ? new Box(a, b, c, d) : null;
    }

    /** True if pixel ({@code x}, {@code y}) lies inside. */
    public boolean contains(int x, int y) {
        return x >= x0 && x < x1 && y >= y0 && y < y1;
    }

    /** {@code [x0, y0, x1, y1]}, the JSON form. */
    public int[] toArray() {
        return new int[] {x0, y0, x1, y1};
    }

    @Override
    public String toString() {
        return "[" + x0 + ", " + y0 + ", " + x1 + ", " + y1 + "]";
    }

    /**
     * Reads {@code [x0, y0, x1, y1]} (pixels, fractions allowed, x1 > x0 and y1 > y0) from a data file;
     * {@code where} names the file and entry in errors.
     */
    static double[] corners(com.google.gson.JsonElement e, String where) throws DataFormatException {
        if (!e.isJsonArray() || e.getAsJsonArray().size() != 4) {
            throw new DataFormatException(where + ": \"bbox\" is not [x0, y0, x1, y1]");
        }
        double[] v = new double[4];
        for (int i = 0; i < 4; i++) {
            com.google.gson.JsonElement x = e.getAsJsonArray().get(i);
            if (!x.isJsonPrimitive() || !x.getAsJsonPrimitive().isNumber()) {
                throw new DataFormatException(where + ": \"bbox\" is not [x0, y0, x1, y1]");
            }
            v[i] = x.getAsDouble();
        }
        if (!(v[2] > v[0] && v[3] > v[1])) {
            throw new DataFormatException(where + ": \"bbox\" " + e + " is empty (need x1 > x0 and y1 > y0)");
        }
        return v;
    }
}
