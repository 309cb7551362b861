package dev.moa.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moa.image.RgbImage;
import dev.moa.toy.ToyColour;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each evaluation figure on constructed images whose answers are known. */
class EvalMeasuresTest {
    static final int GREY = 0x808080;
    static final SceneModel GREY_SCENE = new SceneModel("grey", new double[][] {ToyColour.lab(GREY)});

    /** A grey picture with a filled square [x0, x1) x [y0, y1) whose left half is {@code a}, right half {@code b}. */
    static RgbImage square(int size, int x0, int y0, int x1, int y1, int a, int b) {
        byte[] d = new byte[size * size * 3];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int c = x >= x0 && x < x1 && y >= y0 && y < y1 ? (x < (x0 + x1) / 2 ? a : b) : GREY;
                d[(y * size + x) * 3] = (byte) (c >> 16);
                d[(y * size + x) * 3 + 1] = (byte) (c >> 8);
                d[(y * size + x) * 3 + 2] = (byte) c;
            }
        }
        return new RgbImage(size, size, d);
    }

    @Test
    void keyingFindsTheRegionAndItsTwoColours() {
        RgbImage img = square(64, 16, 16, 48, 40, 0xD02020, 0x2040D0);
        SubjectRegion r = SubjectRegion.find(img, GREY_SCENE);
        assertTrue(r.found());
        assertEquals(32 * 24, r.area(), "exactly the square");
        assertEquals(2, r.colours().length);
        assertEquals(0.5, r.fractions()[0], 1e-9);
        // the region's colours are the identity's: error 0, either way round
        assertEquals(0, r.colourError(0xD02020, 0x2040D0, true), 1e-9);
        assertEquals(0, r.colourError(0x2040D0, 0xD02020, true), 1e-9);
        // recoloured: one half changed by a known amount
        RgbImage recoloured = square(64, 16, 16, 48, 40, 0xD02020, 0x20A020);
        double expected = ToyColour.deltaE(0x2040D0, 0x20A020) / 2;
        assertEquals(expected, SubjectRegion.find(recoloured, GREY_SCENE).colourError(0xD02020, 0x2040D0, true), 1e-9);
        // one colour: the mean colour against the identity's primary
        RgbImage plain = square(64, 10, 10, 30, 30, 0xD02020, 0xD02020);
        SubjectRegion pr = SubjectRegion.find(plain, GREY_SCENE);
        assertEquals(1, pr.colours().length);
        assertEquals(ToyColour.deltaE(0xD02020, 0xC02020), pr.colourError(0xC02020, 0, false), 1e-9);
    }

    @Test
    void aBlankImageHasNoSubjectAndSmallSpecksAreIgnored() {
        RgbImage blank = RgbImage.filled(64, 64, GREY);
        SubjectRegion r = SubjectRegion.find(blank, GREY_SCENE);
        assertFalse(r.found());
        assertTrue(Double.isNaN(r.colourError(0xD02020, 0x2040D0, true)), "no region, no colour error");
        // two blobs: the larger is the subject; holes inside it are filled
        RgbImage two = square(64, 40, 40, 44, 44, 0xD02020, 0xD02020);
        byte[] d = two.data().clone();
        for (int y = 5; y < 25; y++) {
            for (int x = 5; x < 25; x++) {
                boolean hole = x >= 12 && x < 16 && y >= 12 && y < 16;
                int c = hole ? GREY : 0x2040D0;
                d[(y * 64 + x) * 3] = (byte) (c >> 16);
                d[(y * 64 + x) * 3 + 1] = (byte) (c >> 8);
                d[(y * 64 + x) * 3 + 2] = (byte) c;
            }
        }
        SubjectRegion big = SubjectRegion.find(new RgbImage(64, 64, d), GREY_SCENE);
        assertEquals(400, big.area(), "the 20x20 square with its hole filled, not the 4x4 speck");
        assertFalse(big.mask()[42 * 64 + 42]);
    }

    @Test
    void backgroundChangeCountsOnlyOutsideTheRegions() {
        RgbImage a = square(32, 8, 8, 16, 16, 0xD02020, 0xD02020);
        assertEquals(0, SubjectRegion.backgroundChange(a, a, null), "identical images");
        RgbImage b = square(32, 8, 8, 16, 16, 0x2040D0, 0x2040D0);
        boolean[] ra = SubjectRegion.find(a, GREY_SCENE).mask();
        boolean[] rb = SubjectRegion.find(b, GREY_SCENE).mask();
        assertEquals(0, SubjectRegion.backgroundChange(a, b, SubjectRegion.union(ra, rb)), "only the subject changed");
        assertTrue(SubjectRegion.backgroundChange(a, b, null) > 0);
        // a background brightened by 51 levels everywhere: 0.2
        RgbImage brighter = RgbImage.filled(32, 32, 0x999999);
        assertEquals(0.2, SubjectRegion.backgroundChange(RgbImage.filled(32, 32, 0x666666), brighter, null), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> SubjectRegion.backgroundChange(a, RgbImage.filled(8, 8, 0), null));
    }

    @Test
    void figuresAverageIdentitiesFirstAndGiveAnInterval() {
        Figure f = new Figure.Builder("x").add("a", 1).add("a", 3).add("b", 10).add("b", Double.NaN).build();
        assertEquals(6.0, f.mean(), 1e-12, "mean of the identity means (2 and 10)");
        assertEquals(3, f.images());
        assertEquals(2, f.identities());
        assertTrue(f.low() >= 2 && f.high() <= 10 && f.low() <= f.mean() && f.mean() <= f.high());
        Figure same = new Figure.Builder("y").add("a", 0.5).add("b", 0.5).add("c", 0.5).build();
        assertEquals(0.5, same.low(), 0);
        assertEquals(0.5, same.high(), 0);
        assertTrue(Double.isNaN(new Figure.Builder("z").build().mean()));
    }

    @Test
    void ridgeAndSoftmaxRecoverAKnownLinearWorld() {
        double[][] x = new double[60][];
        double[][] y = new double[60][];
        int[] cls = new int[60];
        for (int i = 0; i < 60; i++) {
            double u = Math.sin(i * 1.7), v = Math.cos(i * 0.9);
            x[i] = new double[] {u, v};
            y[i] = new double[] {2 * u - v + 0.5};
            cls[i] = u > 0 ? 1 : 0;
        }
        double[][] w = EmbeddingProbe.ridge(x, y, 1e-9);
        assertEquals(1.0, EmbeddingProbe.r2(x, y, w), 1e-6);
        Softmax s = Softmax.train(x, cls, 2, 500, 0.5, 0);
        int ok = 0;
        for (int i = 0; i < 60; i++) {
            ok += s.predict(x[i]) == cls[i] ? 1 : 0;
        }
        assertTrue(ok >= 58, ok + " of 60");
        assertArrayEquals(new double[] {1, 0}, new double[] {Evaluation.cosine(new float[] {1, 2}, new float[] {2, 4}),
            Evaluation.cosine(new float[] {1, 0}, new float[] {0, 3})}, 1e-9);
    }

    @Test
    void routerShareInsideAndOutsideTheSubjectOverAllStepsAndTheFirstThird() {
        // a 64 px picture, subject = the square [16, 48) x [16, 40): on the 16 x 16 latent grid cells x 4..11 and
        // y 4..9 are covered fully; cells beside it not at all
        SubjectRegion r = SubjectRegion.find(square(64, 16, 16, 48, 40, 0xD02020, 0x2040D0), GREY_SCENE);
        int h = 16, w = 16;
        double[] cover = Evaluation.RouterShare.coverage(r.mask(), 64, 64, h, w);
        assertEquals(1.0, cover[5 * w + 6], 1e-12);
        assertEquals(0.0, cover[12 * w + 2], 1e-12);
        // six calls: the router personalizes inside (0.9) and not outside (0.1) in the first two, 0.5 everywhere later
        float[][] calls = new float[6][h * w];
        for (int c = 0; c < 6; c++) {
            for (int i = 0; i < h * w; i++) {
                calls[c][i] = c < 2 ? (cover[i] >= 0.5 ? 0.9f : 0.1f) : 0.5f;
            }
        }
        float[] overall = new float[h * w];
        for (float[] call : calls) {
            for (int i = 0; i < overall.length; i++) {
                overall[i] += call[i] / 6;
            }
        }
        dev.moa.moa.RouterMaps maps = new dev.moa.moa.RouterMaps(h, w, overall, java.util.Map.of(), java.util.Map.of(), calls);
        Evaluation.RouterShare s = Evaluation.RouterShare.of(maps, r.mask(), r.mask(), 64, 64);
        assertEquals((2 * 0.9 + 4 * 0.5) / 6, s.inside(), 1e-6);
        assertEquals((2 * 0.1 + 4 * 0.5) / 6, s.outside(), 1e-6);
        assertEquals(0.9, s.insideEarly(), 1e-6, "first third = the first two of six calls");
        assertEquals(0.1, s.outsideEarly(), 1e-6);
        // no subject: no inside
        SubjectRegion none = SubjectRegion.find(square(64, 0, 0, 0, 0, GREY, GREY), GREY_SCENE);
        assertTrue(Double.isNaN(Evaluation.RouterShare.of(maps, none.mask(), none.mask(), 64, 64).inside()));
    }

    @Test
    void severalSubjectsAreFoundLeftToRightAndMissingOnesComeLastEmpty() {
        // a blue square on the right, a larger red one on the left, and a speck too small to count
        RgbImage img = square(64, 40, 10, 56, 26, 0x2040D0, 0x2040D0);
        byte[] d = img.data().clone();
        paint(d, 64, 4, 30, 28, 54, 0xD02020);
        paint(d, 64, 2, 2, 4, 4, 0x20D020);
        img = new RgbImage(64, 64, d);
        java.util.List<SubjectRegion> rs = SubjectRegion.findAll(img, GREY_SCENE, 2);
        assertEquals(24 * 24, rs.get(0).area(), "the left (red) one first");
        assertEquals(16 * 16, rs.get(1).area());
        assertEquals(0, rs.get(0).colourError(0xD02020, 0, false), 1e-9);
        java.util.List<SubjectRegion> three = SubjectRegion.findAll(img, GREY_SCENE, 3);
        assertTrue(three.get(0).found() && three.get(1).found() && !three.get(2).found(), "the speck is not a subject");
        boolean[] u = SubjectRegion.union(three, 64 * 64);
        int n = 0;
        for (boolean b : u) {
            n += b ? 1 : 0;
        }
        assertEquals(24 * 24 + 16 * 16, n);
        assertEquals(1, SubjectRegion.findAll(img, GREY_SCENE, 1).size());
        assertEquals(24 * 24, SubjectRegion.findAll(img, GREY_SCENE, 1).get(0).area(), "one subject: the largest");
    }

    private static void paint(byte[] d, int size, int x0, int y0, int x1, int y1, int c) {
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                d[(y * size + x) * 3] = (byte) (c >> 16);
                d[(y * size + x) * 3 + 1] = (byte) (c >> 8);
                d[(y * size + x) * 3 + 2] = (byte) c;
            }
        }
    }

    @Test
    void seedsRunInBatchesOfConsecutiveValues() {
        assertEquals(List.of(List.of(5L, 6L, 7L), List.of(9L), List.of(3L, 4L)),
                Evaluation.consecutiveRuns(List.of(5L, 6L, 7L, 9L, 3L, 4L)));
        List<Long> ten = new java.util.ArrayList<>();
        for (long i = 0; i < 10; i++) {
            ten.add(i);
        }
        assertEquals(List.of(ten.subList(0, 8), ten.subList(8, 10)), Evaluation.consecutiveRuns(ten), "at most 8 per batch");
    }

    @Test
    void spearmanOnRanksWithTies() {
        double[] t = {0, 1, 2, 3, 4};
        assertEquals(1, Ranks.spearman(t, new double[] {1, 5, 9, 30, 31}), 1e-12, "monotone, not linear: still 1");
        assertEquals(-1, Ranks.spearman(t, new double[] {9, 8, 7, 1, 0}), 1e-12);
        assertEquals(0.9, Ranks.spearman(t, new double[] {1, 3, 2, 4, 5}), 1e-12, "one adjacent swap of five: 1 - 6*2/120");
        assertArrayEquals(new double[] {1.5, 1.5, 3}, Ranks.ranks(new double[] {2, 2, 7}), 1e-12);
        assertTrue(Double.isNaN(Ranks.spearman(t, new double[] {1, 1, 1, 1, 1})), "constant: undefined");
        assertTrue(Double.isNaN(Ranks.spearman(t, new double[] {1, 2, Double.NaN, 4, 5})), "a frame without a subject");
    }

    @Test
    void comparisonGatesUseEachColumnsRole() {
        Evaluation.Report moa = report(java.util.Map.of("colour error, MoA", 20.0, "colour error, prior", 50.0,
                "background change", 0.02, "two subjects: binding, MoA", 0.95, Evaluation.MORPH_RHO_A, 0.95,
                Evaluation.MORPH_RHO_B, -0.92, "router inside / outside, MoA", 6.0));
        Evaluation.Report noRouter = report(java.util.Map.of("colour error, MoA", 19.0, "background change", 0.05));
        Evaluation.Report personal = report(java.util.Map.of("colour error, MoA", 18.0, "background change", 0.2));
        java.util.List<ComparisonTable.Column> cols = java.util.List.of(
                new ComparisonTable.Column("MoA", ComparisonTable.Role.MOA, moa),
                new ComparisonTable.Column("no-router-loss", ComparisonTable.Role.NO_ROUTER_LOSS, noRouter),
                new ComparisonTable.Column("personal", ComparisonTable.Role.PERSONAL_ONLY, personal));
        String g = ComparisonTable.gates(cols);
        assertTrue(g.contains("| MoA colour error / prior's | 0.400 | <= 0.5 | pass |"), g);
        assertTrue(g.contains("| MoA colour error / personalized-only's | 1.111 | <= 1.25 | pass |"), g);
        assertTrue(g.contains("| MoA background change / no-router-loss model's | 0.400 | <= 0.5 | pass |"), g);
        assertTrue(g.contains("| router inside / outside | 6.000 | >= 5 | pass |"), g);
        assertFalse(g.contains("FAIL"), g);
        String missing = ComparisonTable.gates(cols.subList(0, 1));
        assertTrue(missing.contains("| MoA background change / no-router-loss model's | not measured | <= 0.5 |  |"), missing);
        String table = ComparisonTable.render(cols);
        assertTrue(table.startsWith("| figure | MoA | no-router-loss | personal | prior | ceiling |"), table);
        assertTrue(table.contains("| colour error | 20.0 (20.0-20.0) | 19.0 (19.0-19.0) | 18.0 (18.0-18.0) | 50.0 (50.0-50.0) |"),
                table);
    }

    private static Evaluation.Report report(java.util.Map<String, Double> values) {
        java.util.Map<String, Figure> f = new java.util.LinkedHashMap<>();
        values.forEach((k, v) -> f.put(k, new Figure.Builder(k).add("a", v).build()));
        return new Evaluation.Report(f, new com.google.gson.JsonArray());
    }
}
