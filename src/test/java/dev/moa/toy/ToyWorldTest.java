package dev.moa.toy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moa.train.data.SyntheticDataset.Shape;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The toy world: pure function of (seed, index), the held-out split, references, captions and ground truth. */
class ToyWorldTest {
    final ToyWorld world = new ToyWorld(7);

    @Test
    void picturesArePureFunctionsOfSeedAndIndex() {
        ToyPicture a = new ToyWorld(7).scene(12), b = new ToyWorld(7).scene(12), c = new ToyWorld(8).scene(12);
        assertTrue(a.image().equals(b.image()) || java.util.Arrays.equals(bytes(a), bytes(b)));
        assertArrayEquals(a.mask(), b.mask());
        assertEquals(a.description(), b.description());
        assertFalse(java.util.Arrays.equals(bytes(a), bytes(c)));
        assertEquals(64, a.image().width());
    }

    private static byte[] bytes(ToyPicture p) {
        byte[] out = new byte[64 * 64 * 3];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) p.image().get((i / 3) % 64, i / 192, i % 3);
        }
        return out;
    }

    @Test
    void heldOutSplitIsOnCombinationsAndEveryValueIsTrained() {
        int n = 4000, held = 0;
        Set<String> trainedValues = new HashSet<>();
        Set<String> combos = new HashSet<>(), heldCombos = new HashSet<>();
        for (int i = 0; i < n; i++) {
            ToyIdentity id = ToyWorld.randomIdentity(dev.moa.train.data.Rng.of(99, i));
            String combo = java.util.Arrays.toString(id.combination());
            combos.add(combo);
            if (ToyWorld.isHeldOut(id)) {
                held++;
                heldCombos.add(combo);
            }
        }
        double share = (double) heldCombos.size() / combos.size();
        assertTrue(share > 0.10 && share < 0.20, "held-out share of combinations " + share);
        assertTrue(held > 0.08 * n && held < 0.22 * n, "held-out share of identities " + held / (double) n);
        for (int i = 0; i < 3000; i++) {
            ToyIdentity id = world.trainingIdentity(i);
            assertFalse(ToyWorld.isHeldOut(id));
            trainedValues.add("shape " + id.shape());
            trainedValues.add("pattern " + id.pattern());
            trainedValues.add("hue1 " + id.primary().hueBin());
            trainedValues.add("hue2 " + id.secondary().hueBin());
            trainedValues.add("name " + id.primary().name());
        }
        for (Shape s : ToyWorld.SHAPES) {
            assertTrue(trainedValues.contains("shape " + s), s.toString());
        }
        for (ToyPattern p : ToyPattern.values()) {
            assertTrue(trainedValues.contains("pattern " + p), p.toString());
        }
        for (int b = 0; b < ToyColour.HUE_BINS; b++) {
            assertTrue(trainedValues.contains("hue1 " + b) && trainedValues.contains("hue2 " + b), "hue bin " + b);
        }
        for (ToyIdentity id : world.heldOutIdentities(50)) {
            assertTrue(ToyWorld.isHeldOut(id));
        }
    }

    @Test
    void subjectsAreLargeAndReferencesAreSeparateRenderings() {
        for (int i = 0; i < 40; i++) {
            ToyPicture p = world.scene(i);
            assertTrue(p.radius() >= 0.3 * ToyWorld.SIZE, "radius " + p.radius());
            assertTrue(p.subjectArea() > 400, "area " + p.subjectArea());
            assertTrue(p.palette().length >= 1);
            assertTrue(ToyWorld.SCENES.contains(p.scene()));
            ToyPicture r = world.reference(p.identity(), i);
            assertTrue(r.isReference());
            assertNull(r.scene());
            assertEquals(p.identity(), r.identity());
            assertTrue(r.cx() != p.cx() && r.angle() != p.angle(), "another view");
        }
    }

    @Test
    void theSecondColourIsAVisibleMinorityInEveryPattern() {
        // the first-named colour must be tellable from the picture: it covers most of the subject in every pattern
        for (ToyPattern p : ToyPattern.values()) {
            int second = 0, all = 0;
            for (double u = -1; u <= 1; u += 0.01) {
                for (double v = -1; v <= 1; v += 0.01) {
                    if (u * u + v * v <= 1) {
                        all++;
                        second += p.secondColour(u, v) ? 1 : 0;
                    }
                }
            }
            double share = second / (double) all;
            if (p == ToyPattern.PLAIN) {
                assertEquals(0, share);
            } else {
                assertTrue(share > 0.1 && share < 0.45, p + ": second colour covers " + share + " of a disc");
            }
        }
    }

    @Test
    void captionsAndDescriptions() {
        ToyIdentity id = new ToyIdentity(Shape.DISC, ToyPattern.STRIPED, new ToyColour(0.0, 0.9, 0.9),
                new ToyColour(0.66, 0.8, 0.9));
        assertEquals("a bright vivid red and bright blue striped disc", id.description());
        ToyPicture p = world.scene(id, dev.moa.train.data.SyntheticDataset.Scene.BEACH, 3);
        assertEquals("a photo of a disc on a beach", p.caption());
        assertEquals("a bright vivid red and bright blue striped disc on a beach", p.description());
        assertEquals("a plain bright vivid red disc", id.withPattern(ToyPattern.PLAIN).description());
        assertEquals("a bright vivid red and bright blue two-tone disc", id.withPattern(ToyPattern.HALVES).description());
        // hue sectors of 30 degrees centred on the hue words; value and saturation in thirds of their ranges
        assertEquals("yellow", new ToyColour(1 / 6.0, 0.75, 0.8).name());
        assertEquals("red", new ToyColour(0.98, 0.75, 0.8).name());
        assertEquals("dark pale azure", new ToyColour(7 / 12.0, 0.55, 0.6).name());
        assertEquals("dark pale green", new ToyColour(7 / 12.0, 0.55, 0.6).nameWithHue("green"));
    }

    @Test
    void contactSheetCommand(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        dev.moa.cli.CliAccess.Result r = dev.moa.cli.CliAccess.run("toy-world", "--out", dir.toString(), "--count", "4",
                "--per-row", "4");
        assertEquals(0, r.code(), r.toString());
        dev.moa.image.RgbImage sheet = dev.moa.image.Images.read(dir.resolve("toy-world.png"));
        assertTrue(sheet.width() > 4 * 128 && sheet.height() > 5 * 128, sheet.width() + "x" + sheet.height());
        r = dev.moa.cli.CliAccess.run("toy-world", "--out", dir.toString(), "--count", "0");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--count must be in 1..1000"), r.err());
    }

    @Test
    void maskAndBackgroundAreTheGroundTruth() {
        ToyPicture p = world.scene(5);
        int outside = 0, differ = 0;
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                if (p.mask()[y * 64 + x] == 0) {
                    outside++;
                    int d = 0;
                    for (int c = 0; c < 3; c++) {
                        d = Math.max(d, Math.abs(p.image().get(x, y, c) - p.background().get(x, y, c)));
                    }
                    if (d > 40) {
                        differ++;
                    }
                }
            }
        }
        // outside the mask the picture is the background (up to sensor noise and anti-aliased edges)
        assertTrue(differ < 0.05 * outside, differ + " of " + outside);
    }

    @Test
    void theFullWorldHoldsOneToThreeSubjectsOfDifferentShapesNamedLeftToRight() {
        ToyWorld full = new ToyWorld(7, 3);
        int[] counts = new int[4];
        for (int i = 0; i < 300; i++) {
            ToyPicture p = full.scene(i);
            int k = p.parts().size();
            counts[k]++;
            java.util.Set<Shape> shapes = new HashSet<>();
            double lastX = -1;
            int union = 0;
            for (ToyPicture.Part part : p.parts()) {
                assertTrue(shapes.add(part.identity().shape()), "shapes differ: " + p.caption());
                assertTrue(part.cx() >= lastX, "parts are in left-to-right order");
                lastX = part.cx();
                assertFalse(ToyWorld.isHeldOut(part.identity()), "training pictures hold training identities only");
                int area = 0;
                for (byte b : part.mask()) {
                    area += b;
                }
                assertTrue(area > 60, "every subject stays visible: " + area + " px in " + p.caption());
                union += area;
            }
            assertEquals(p.subjectArea(), union, "own masks are disjoint and make up the union");
            // the caption names the parts in order: "a photo of a disc, a star and a heart on a beach"
            int at = -1;
            for (ToyPicture.Part part : p.parts()) {
                int next = p.caption().indexOf("a " + part.identity().classWord(), at + 1);
                assertTrue(next > at, p.caption());
                at = next;
            }
            if (k > 1) {
                assertTrue(p.caption().contains(" and "), p.caption());
            }
        }
        for (int k = 1; k <= 3; k++) {
            assertTrue(counts[k] > 60, "about a third each: " + java.util.Arrays.toString(counts));
        }
        // part 1's world is unchanged by the full world's existence: one subject, the same pictures
        assertEquals(1, world.scene(3).parts().size());
        assertEquals(world.scene(3).caption(), new ToyWorld(7, 1).scene(3).caption());
    }

    @Test
    void groupsRefuseRepeatedShapesAndTooManySubjects() {
        ToyWorld full = new ToyWorld(1, 3);
        ToyIdentity a = full.heldOutIdentity(0);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> full.group(java.util.List.of(a, a), dev.moa.train.data.SyntheticDataset.Scene.BEACH, 0));
        assertTrue(e.getMessage().contains("different shapes"), e.getMessage());
        assertThrows(() -> full.group(java.util.List.of(a), dev.moa.train.data.SyntheticDataset.Scene.BEACH, 0));
        assertThrows(() -> new ToyWorld(1, 4));
        assertEquals("a photo of a disc, a star and a heart in the snow", ToyWorld.captionFor(java.util.List.of(Shape.DISC,
                Shape.STAR, Shape.HEART), dev.moa.train.data.SyntheticDataset.Scene.SNOW));
    }

    private static void assertThrows(org.junit.jupiter.api.function.Executable e) {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, e);
    }

    @Test
    void coloursRoundTripThroughRgb() {
        for (int i = 0; i < 200; i++) {
            ToyColour c = world.heldOutIdentity(i).primary();
            int back = ToyColour.ofRgb(c.rgb()).rgb();
            for (int sh = 0; sh < 24; sh += 8) {
                assertTrue(Math.abs(((back >> sh) & 0xFF) - ((c.rgb() >> sh) & 0xFF)) <= 1, Integer.toHexString(c.rgb())
                        + " -> " + Integer.toHexString(back));
            }
        }
        assertEquals(0, ToyColour.ofRgb(0x808080).saturation(), 1e-12);
    }
}
