package dev.moa.eval;

import dev.moa.image.RgbImage;
import dev.moa.toy.ToyColour;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The subject of a toy-world picture found by colour keying: pixels far from every scene colour, the largest
 * 4-connected blob of them with its holes filled. Then its two dominant colours (2-means in CIELAB) and which
 * pixel belongs to which.
 *
 * @param mask row-major, true inside the subject
 * @param area pixels in the mask (0: nothing found)
 * @param colours Lab centres of the two clusters, larger first (one entry when the region has one colour)
 * @param fractions share of the region of each colour
 * @param minority row-major, true where a region pixel belongs to the smaller cluster
 */
public record SubjectRegion(int width, int height, boolean[] mask, int area, double[][] colours, double[] fractions,
        boolean[] minority) {

    /** Distance (CIE76) above which a pixel is not scene. */
    public static final double KEY_THRESHOLD = 18;
    /** Smallest region that counts as a subject: 1 % of the picture. */
    public static final double MIN_AREA_FRACTION = 0.01;

    public boolean found() {
        return area >= MIN_AREA_FRACTION * width * height;
    }

    /** Keys {@code img} against {@code scene}. */
    public static SubjectRegion find(RgbImage img, SceneModel scene) {
        int w = img.width(), h = img.height();
        boolean[] far = new boolean[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                far[y * w + x] = scene.distance(img.rgb(x, y)) > KEY_THRESHOLD;
            }
        }
        boolean[] mask = fillHoles(largestComponent(far, w, h), w, h);
        return describe(img, mask);
    }

    /**
     * The {@code count} subjects of a picture with several: the {@code count} largest keyed blobs of at least
     * {@link #MIN_AREA_FRACTION} of the picture, holes filled, ordered left to right by centroid (the order the
     * toy world's captions name them in). Missing subjects (blobs merged or not drawn) come last as empty regions.
     */
    public static List<SubjectRegion> findAll(RgbImage img, SceneModel scene, int count) {
        if (count == 1) {
            return List.of(find(img, scene));
        }
        int w = img.width(), h = img.height();
        boolean[] far = new boolean[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                far[y * w + x] = scene.distance(img.rgb(x, y)) > KEY_THRESHOLD;
            }
        }
        List<List<Integer>> blobs = new ArrayList<>(components(far, w, h));
        blobs.removeIf(b -> b.size() < MIN_AREA_FRACTION * w * h);
        blobs.sort((a, b) -> Integer.compare(b.size(), a.size()));
        blobs = new ArrayList<>(blobs.subList(0, Math.min(count, blobs.size())));
        blobs.sort(java.util.Comparator.comparingDouble(b -> b.stream().mapToInt(p -> p % w).average().orElse(0)));
        List<SubjectRegion> out = new ArrayList<>();
        for (List<Integer> b : blobs) {
            boolean[] mask = new boolean[w * h];
            b.forEach(p -> mask[p] = true);
            out.add(describe(img, fillHoles(mask, w, h)));
        }
        while (out.size() < count) {
            out.add(describe(img, new boolean[w * h]));
        }
        return out;
    }

    /** Union of several regions' masks. */
    public static boolean[] union(List<SubjectRegion> regions, int pixels) {
        boolean[] u = new boolean[pixels];
        for (SubjectRegion r : regions) {
            for (int i = 0; i < pixels; i++) {
                u[i] |= r.mask()[i];
            }
        }
        return u;
    }

    /** The region given by {@code mask} with its colours (for ground-truth masks and tests). */
    public static SubjectRegion describe(RgbImage img, boolean[] mask) {
        int w = img.width(), h = img.height();
        List<double[]> px = new ArrayList<>();
        List<Integer> where = new ArrayList<>();
        for (int i = 0; i < mask.length; i++) {
            if (mask[i]) {
                px.add(ToyColour.lab(img.rgb(i % w, i / w)));
                where.add(i);
            }
        }
        boolean[] minority = new boolean[w * h];
        if (px.isEmpty()) {
            return new SubjectRegion(w, h, mask, 0, new double[0][], new double[0], minority);
        }
        double[][] c = Colours.kMeans(px, 2, 15);
        int[] count = new int[c.length];
        int[] label = new int[px.size()];
        for (int i = 0; i < px.size(); i++) {
            label[i] = c.length > 1 && Colours.dist(px.get(i), c[1]) < Colours.dist(px.get(i), c[0]) ? 1 : 0;
            count[label[i]]++;
        }
        int big = c.length > 1 && count[1] > count[0] ? 1 : 0;
        double[][] colours;
        double[] fractions;
        if (c.length == 1 || count[1 - big] == 0) {
            colours = new double[][] {c[big]};
            fractions = new double[] {1};
        } else {
            colours = new double[][] {c[big], c[1 - big]};
            fractions = new double[] {count[big] / (double) px.size(), count[1 - big] / (double) px.size()};
            for (int i = 0; i < px.size(); i++) {
                minority[where.get(i)] = label[i] != big;
            }
        }
        return new SubjectRegion(w, h, mask, px.size(), colours, fractions, minority);
    }

    /** Mean Lab colour of the whole region. */
    public double[] meanColour() {
        double[] m = new double[3];
        for (int k = 0; k < colours.length; k++) {
            for (int d = 0; d < 3; d++) {
                m[d] += colours[k][d] * fractions[k];
            }
        }
        return m;
    }

    /**
     * CIE76 colour error against an identity's colours: for a one-colour identity the region's mean colour against
     * it; for two colours the better of the two pairings, averaged over both colours. NaN when nothing was found.
     */
    public double colourError(int primaryRgb, int secondaryRgb, boolean twoColours) {
        if (!found()) {
            return Double.NaN;
        }
        double[] p = ToyColour.lab(primaryRgb);
        if (!twoColours) {
            return Colours.dist(meanColour(), p);
        }
        double[] s = ToyColour.lab(secondaryRgb);
        double[] a = colours[0];
        double[] b = colours.length > 1 ? colours[1] : colours[0];
        double straight = (Colours.dist(a, p) + Colours.dist(b, s)) / 2;
        double crossed = (Colours.dist(a, s) + Colours.dist(b, p)) / 2;
        return Math.min(straight, crossed);
    }

    /** Union of two masks. */
    public static boolean[] union(boolean[] a, boolean[] b) {
        boolean[] u = new boolean[a.length];
        for (int i = 0; i < u.length; i++) {
            u[i] = a[i] || b[i];
        }
        return u;
    }

    /** Mean absolute pixel difference (values in [0, 1], over R, G and B) outside {@code exclude}; NaN if none is. */
    public static double backgroundChange(RgbImage a, RgbImage b, boolean[] exclude) {
        if (a.width() != b.width() || a.height() != b.height()) {
            throw new IllegalArgumentException("images of different sizes: " + a.width() + "x" + a.height() + " and "
                    + b.width() + "x" + b.height());
        }
        double sum = 0;
        long n = 0;
        byte[] da = a.data(), db = b.data();
        for (int i = 0; i < a.width() * a.height(); i++) {
            if (exclude != null && exclude[i]) {
                continue;
            }
            for (int c = 0; c < 3; c++) {
                sum += Math.abs((da[i * 3 + c] & 0xFF) - (db[i * 3 + c] & 0xFF));
            }
            n += 3;
        }
        return n == 0 ? Double.NaN : sum / n / 255.0;
    }

    /** The 4-connected components of the true pixels, each as its pixel indices (row-major, w wide). */
    static List<List<Integer>> components(boolean[] on, int w, int h) {
        boolean[] seen = new boolean[on.length];
        List<List<Integer>> out = new ArrayList<>();
        ArrayDeque<Integer> q = new ArrayDeque<>();
        for (int s = 0; s < on.length; s++) {
            if (!on[s] || seen[s]) {
                continue;
            }
            List<Integer> px = new ArrayList<>();
            seen[s] = true;
            q.add(s);
            while (!q.isEmpty()) {
                int p = q.poll();
                px.add(p);
                int x = p % w, y = p / w;
                int[] nb = {x > 0 ? p - 1 : -1, x < w - 1 ? p + 1 : -1, y > 0 ? p - w : -1, y < h - 1 ? p + w : -1};
                for (int n : nb) {
                    if (n >= 0 && on[n] && !seen[n]) {
                        seen[n] = true;
                        q.add(n);
                    }
                }
            }
            out.add(px);
        }
        return out;
    }

    static boolean[] largestComponent(boolean[] on, int w, int h) {
        List<Integer> best = List.of();
        for (List<Integer> c : components(on, w, h)) {
            if (c.size() > best.size()) {
                best = c;
            }
        }
        boolean[] out = new boolean[on.length];
        best.forEach(p -> out[p] = true);
        return out;
    }

    /** Background components that do not touch the border (holes) become mask. */
    static boolean[] fillHoles(boolean[] mask, int w, int h) {
        boolean[] out = mask.clone();
        boolean[] off = new boolean[mask.length];
        for (int i = 0; i < mask.length; i++) {
            off[i] = !mask[i];
        }
        for (List<Integer> c : components(off, w, h)) {
            boolean border = false;
            for (int p : c) {
                int x = p % w, y = p / w;
                border |= x == 0 || y == 0 || x == w - 1 || y == h - 1;
            }
            if (!border) {
                c.forEach(p -> out[p] = true);
            }
        }
        return out;
    }
}
