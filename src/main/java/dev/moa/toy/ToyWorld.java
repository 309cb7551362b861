package dev.moa.toy;

import dev.moa.image.RgbImage;
import dev.moa.train.data.Rng;
import dev.moa.train.data.SyntheticDataset.Scene;
import dev.moa.train.data.SyntheticDataset.Shape;
import dev.moa.train.data.SyntheticScenes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The toy world: 64x64 pictures of one large subject (a shape with a colour pair and a coarse pattern) on a scene,
 * rendered on the fly as a pure function of (seed, index); no files are needed for training.
 *
 * <p><b>Identities</b> are drawn from continuous ranges (hue, saturation and value of both colours) times a pattern
 * and a shape. <b>Held-out identities</b> are unseen <em>combinations</em>: the quantized combination (hue sector of
 * each colour, pattern, shape) is hashed with a fixed salt (independent of the seed, so every stage and every seed
 * agrees) and about {@value #HELD_OUT_PERCENT} % of combinations are held out; every single value stays in training.
 * {@link #trainingIdentity} draws only training identities, {@link #heldOutIdentity} only held-out ones.
 *
 * <p><b>Scene pictures</b> reuse {@link SyntheticScenes}' backgrounds (beach, snow, grass, night, desert).
 * <b>References</b> are separately rendered views of an identity (other rotation, scale and position, on a plain or
 * noise background), never crops of a scene picture. Every picture keeps its ground truth: subject mask, the
 * background without the subject and the scene's dominant colours ({@link ToyPicture}).
 */
public final class ToyWorld {
    /** Picture side in pixels. */
    public static final int SIZE = 64;
    /** Share of (hue sector x hue sector x pattern x shape) combinations that is held out, in percent. */
    public static final int HELD_OUT_PERCENT = 15;
    public static final List<Shape> SHAPES = List.of(Shape.DISC, Shape.SQUARE, Shape.TRIANGLE, Shape.STAR, Shape.HEART);
    public static final List<Scene> SCENES = List.of(Scene.BEACH, Scene.SNOW, Scene.GRASS, Scene.NIGHT, Scene.DESERT);
    public static final List<ToyPattern> PATTERNS = List.of(ToyPattern.values());

    private static final long SPLIT_SALT = 0x70795F73706C6974L;
    private static final long TAG_TRAIN_ID = 1, TAG_HELD_ID = 2, TAG_SCENE = 3, TAG_BG = 4, TAG_REF = 5, TAG_NOISE = 6;

    /** Most subjects one picture of the full world holds. */
    public static final int MAX_SUBJECTS = 3;

    private static final long TAG_COUNT = 7, TAG_GROUP = 8, TAG_PLACE = 9, TAG_COMPANION = 10;

    private final long seed;
    private final int maxSubjects;

    /** Part 1's world: one large subject per picture. */
    public ToyWorld(long seed) {
        this(seed, 1);
    }

    /**
     * @param maxSubjects subjects per training picture: 1 = part 1's world (one large subject); 2 or 3 = the full
     *     world, where a picture holds 1 to {@code maxSubjects} subjects of different shapes, in equal shares
     */
    public ToyWorld(long seed, int maxSubjects) {
        if (maxSubjects < 1 || maxSubjects > MAX_SUBJECTS) {
            throw new IllegalArgumentException("subjects per picture must be 1.." + MAX_SUBJECTS + ", got " + maxSubjects);
        }
        this.seed = seed;
        this.maxSubjects = maxSubjects;
    }

    public long seed() {
        return seed;
    }

    /** Subjects per training picture at most. */
    public int maxSubjects() {
        return maxSubjects;
    }

    // ------------------------------------------------------------------------------------------ identities

    /** Whether the identity's combination is held out of training. */
    public static boolean isHeldOut(ToyIdentity id) {
        int[] c = id.combination();
        long h = SPLIT_SALT;
        for (int v : c) {
            h = Rng.mix(h + 0x9E3779B97F4A7C15L + v);
        }
        return Math.floorMod(h, 100) < HELD_OUT_PERCENT;
    }

    /** The {@code index}-th training identity (never held out). */
    public ToyIdentity trainingIdentity(long index) {
        return drawIdentity(TAG_TRAIN_ID, index, false);
    }

    /** The {@code index}-th held-out identity, for evaluation. */
    public ToyIdentity heldOutIdentity(long index) {
        return drawIdentity(TAG_HELD_ID, index, true);
    }

    /** The first {@code n} held-out identities. */
    public List<ToyIdentity> heldOutIdentities(int n) {
        List<ToyIdentity> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(heldOutIdentity(i));
        }
        return out;
    }

    private ToyIdentity drawIdentity(long tag, long index, boolean heldOut) {
        for (int attempt = 0; ; attempt++) {
            ToyIdentity id = randomIdentity(Rng.of(seed, tag, index, attempt));
            if (isHeldOut(id) == heldOut) {
                return id;
            }
        }
    }

    /** Any identity (held out or not) from a random stream. */
    public static ToyIdentity randomIdentity(Rng r) {
        Shape shape = SHAPES.get(r.nextInt(SHAPES.size()));
        ToyPattern pattern = PATTERNS.get(r.nextInt(PATTERNS.size()));
        double h1 = r.nextDouble();
        ToyColour primary = new ToyColour(h1, r.uniform(0.5, 1.0), r.uniform(0.55, 1.0));
        // the second colour contrasts in hue (a quarter to three quarters of the circle away)
        double h2 = (h1 + r.uniform(0.25, 0.75)) % 1.0;
        ToyColour secondary = new ToyColour(h2, r.uniform(0.5, 1.0), r.uniform(0.55, 1.0));
        return new ToyIdentity(shape, pattern, primary, secondary);
    }

    // ------------------------------------------------------------------------------------------ pictures

    /**
     * The {@code index}-th training scene picture: fresh training identities on a scene (one in part 1's world; 1 to
     * {@link #maxSubjects()} of different shapes in the full world).
     */
    public ToyPicture scene(long index) {
        if (maxSubjects == 1) {
            return scene(trainingIdentity(index), index);
        }
        int count = 1 + Rng.of(seed, TAG_COUNT, index).nextInt(maxSubjects);
        if (count == 1) {
            return scene(trainingIdentity(index), index);
        }
        List<ToyIdentity> ids = new ArrayList<>();
        ids.add(trainingIdentity(index));
        for (long k = 1; ids.size() < count; k++) {
            ToyIdentity id = drawIdentity(TAG_COMPANION, index * 64 + k, false);
            if (ids.stream().noneMatch(o -> o.shape() == id.shape())) {
                ids.add(id);
            }
        }
        Scene scene = SCENES.get(Rng.of(seed, TAG_SCENE, index).nextInt(SCENES.size()));
        return group(ids, scene, index);
    }

    /**
     * Several subjects (of different shapes, 2 or more) on one scene, side by side with little overlap, each smaller
     * than a lone subject; placement from {@code index}. The caption names them left to right ("a photo of a disc and
     * a star on a beach") and {@link ToyPicture#parts()} lists them in that order.
     */
    public ToyPicture group(List<ToyIdentity> ids, Scene scene, long index) {
        int k = ids.size();
        if (k < 2 || k > MAX_SUBJECTS) {
            throw new IllegalArgumentException("a group holds 2.." + MAX_SUBJECTS + " subjects, got " + k);
        }
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < i; j++) {
                if (ids.get(i).shape() == ids.get(j).shape()) {
                    throw new IllegalArgumentException("a group's subjects need different shapes (class words): "
                            + ids.get(i).classWord() + " twice");
                }
            }
        }
        Rng r = Rng.of(seed, TAG_GROUP, index);
        float[] bg = SyntheticScenes.background(scene, SIZE, SIZE, seed, TAG_BG, index);
        double lo = k == 2 ? 0.20 : 0.16, hi = k == 2 ? 0.26 : 0.21;
        double[] radius = new double[k], cx = new double[k], cy = new double[k];
        for (int i = 0; i < k; i++) {
            radius[i] = SIZE * r.uniform(lo, hi);
        }
        place(radius, cx, cy, Rng.of(seed, TAG_PLACE, index));
        Integer[] order = new Integer[k];
        for (int i = 0; i < k; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(cx[a], cx[b]));
        List<Placement> placed = new ArrayList<>();
        for (int i : order) {
            placed.add(new Placement(ids.get(i), cx[i], cy[i], radius[i], Math.toRadians(r.uniform(-30, 30))));
        }
        double light = r.uniform(0, 2 * Math.PI);
        List<ToyIdentity> inOrder = placed.stream().map(Placement::identity).toList();
        return compose(bg, placed, scene, light, r, captionFor(inOrder.stream().map(ToyIdentity::shape).toList(), scene),
                enumerate(inOrder.stream().map(ToyIdentity::description).toList()) + " " + scene.phrase);
    }

    /**
     * Centres for discs of the given radii inside the picture, overlapping by at most a tenth of their radii (shapes
     * are drawn inside their radius, so they barely touch); radii shrink by 5 % after every 200 failed tries.
     */
    private static void place(double[] radius, double[] cx, double[] cy, Rng r) {
        for (int attempt = 0; ; attempt++) {
            if (attempt > 0 && attempt % 200 == 0) {
                for (int i = 0; i < radius.length; i++) {
                    radius[i] *= 0.95;
                }
            }
            boolean ok = true;
            for (int i = 0; i < radius.length && ok; i++) {
                cx[i] = r.uniform(radius[i] * 0.9, SIZE - radius[i] * 0.9);
                cy[i] = r.uniform(radius[i] * 0.9, SIZE - radius[i] * 0.9);
                for (int j = 0; j < i && ok; j++) {
                    ok = Math.hypot(cx[i] - cx[j], cy[i] - cy[j]) >= 0.9 * (radius[i] + radius[j]);
                }
            }
            if (ok) {
                return;
            }
        }
    }

    /** The caption for several class words on a scene, named in the given order. */
    public static String captionFor(List<Shape> shapes, Scene scene) {
        return "a photo of " + enumerate(shapes.stream().map(s -> "a " + s.word()).toList()) + " " + scene.phrase;
    }

    /** Phrases as the captions list them: "a disc", "a disc and a star", "a disc, a star and a heart". */
    public static String enumerate(List<String> phrases) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < phrases.size(); i++) {
            sb.append(i == 0 ? "" : i == phrases.size() - 1 ? " and " : ", ").append(phrases.get(i));
        }
        return sb.toString();
    }

    /** {@code id} on the {@code index}-th scene draw (scene, placement, lighting). */
    public ToyPicture scene(ToyIdentity id, long index) {
        Rng r = Rng.of(seed, TAG_SCENE, index);
        Scene scene = SCENES.get(r.nextInt(SCENES.size()));
        return scene(id, scene, index);
    }

    /** {@code id} on a given scene; placement, lighting and the background's details from {@code index}. */
    public ToyPicture scene(ToyIdentity id, Scene scene, long index) {
        Rng r = Rng.of(seed, TAG_SCENE, index, 1);
        float[] bg = SyntheticScenes.background(scene, SIZE, SIZE, seed, TAG_BG, index);
        double radius = SIZE * r.uniform(0.30, 0.40);
        double cx = r.uniform(radius * 0.9, SIZE - radius * 0.9);
        double cy = r.uniform(radius * 0.9, SIZE - radius * 0.9);
        double angle = Math.toRadians(r.uniform(-30, 30));
        double light = r.uniform(0, 2 * Math.PI);
        return compose(bg, List.of(new Placement(id, cx, cy, radius, angle)), scene, light, r,
                captionFor(id.shape(), scene), id.description() + " " + scene.phrase);
    }

    /**
     * The {@code index}-th reference view of {@code id}: another rotation, scale and position, on a plain or a noise
     * background, rendered on its own.
     */
    public ToyPicture reference(ToyIdentity id, long index) {
        Rng r = Rng.of(seed, TAG_REF, index);
        float[] bg = r.chance(0.5) ? plainBackground(r) : noiseBackground(Rng.of(seed, TAG_NOISE, index));
        double radius = SIZE * r.uniform(0.32, 0.45);
        double cx = r.uniform(Math.min(radius, SIZE / 2.0), SIZE - Math.min(radius, SIZE / 2.0));
        double cy = r.uniform(Math.min(radius, SIZE / 2.0), SIZE - Math.min(radius, SIZE / 2.0));
        double angle = Math.toRadians(r.uniform(-45, 45));
        double light = r.uniform(0, 2 * Math.PI);
        return compose(bg, List.of(new Placement(id, cx, cy, radius, angle)), null, light, r,
                "a photo of a " + id.classWord(), id.description());
    }

    /** The diffusion model's caption: "a photo of a disc on a beach". */
    public static String captionFor(Shape shape, Scene scene) {
        return "a photo of a " + shape.word() + " " + scene.phrase;
    }

    private static float[] plainBackground(Rng r) {
        // light, low-saturation colours, so that every subject colour keeps its outline
        float[] px = new float[SIZE * SIZE * 3];
        double base = r.uniform(170, 240);
        float[] c = {(float) (base + r.uniform(-15, 15)), (float) (base + r.uniform(-15, 15)), (float) (base + r.uniform(-15, 15))};
        for (int p = 0; p < SIZE * SIZE; p++) {
            System.arraycopy(c, 0, px, p * 3, 3);
        }
        return px;
    }

    private static float[] noiseBackground(Rng r) {
        // coarse colour noise (random colours on a 5x5 grid, bilinear) plus fine grey noise
        int g = 5;
        double[] grid = new double[(g + 1) * (g + 1) * 3];
        for (int i = 0; i < grid.length; i++) {
            grid[i] = r.uniform(40, 230);
        }
        float[] px = new float[SIZE * SIZE * 3];
        for (int y = 0; y < SIZE; y++) {
            double gy = y * (g - 1e-9) / SIZE;
            int iy = (int) gy;
            double fy = gy - iy;
            for (int x = 0; x < SIZE; x++) {
                double gx = x * (g - 1e-9) / SIZE;
                int ix = (int) gx;
                double fx = gx - ix;
                double n = r.uniform(-12, 12);
                for (int c = 0; c < 3; c++) {
                    double a = grid[(iy * (g + 1) + ix) * 3 + c], b = grid[(iy * (g + 1) + ix + 1) * 3 + c];
                    double d = grid[((iy + 1) * (g + 1) + ix) * 3 + c], e = grid[((iy + 1) * (g + 1) + ix + 1) * 3 + c];
                    double v = (a * (1 - fx) + b * fx) * (1 - fy) + (d * (1 - fx) + e * fx) * fy + n;
                    px[(y * SIZE + x) * 3 + c] = (float) Math.max(0, Math.min(255, v));
                }
            }
        }
        return px;
    }

    /** Where one subject is painted. */
    private record Placement(ToyIdentity identity, double cx, double cy, double radius, double angle) {}

    /**
     * Paints the subjects over {@code bg} in order (2x2 supersampled; a later subject covers an earlier one where they
     * overlap), adds sensor noise, keeps the ground truth: each subject's own mask and the union.
     */
    private static ToyPicture compose(float[] bg, List<Placement> subjects, Scene scene, double light, Rng r,
            String caption, String description) {
        int n = SIZE * SIZE;
        float[] px = bg.clone();
        byte[] mask = new byte[n];
        byte[][] own = new byte[subjects.size()][n];
        double lx = StrictMath.cos(light), ly = StrictMath.sin(light);
        for (int k = 0; k < subjects.size(); k++) {
            Placement s = subjects.get(k);
            ToyIdentity id = s.identity();
            double cos = StrictMath.cos(s.angle()), sin = StrictMath.sin(s.angle());
            int c1 = id.primary().rgb(), c2 = id.secondary().rgb();
            for (int y = 0; y < SIZE; y++) {
                for (int x = 0; x < SIZE; x++) {
                    double[] acc = new double[3];
                    int inside = 0;
                    for (int q = 0; q < 4; q++) {
                        double du = (x + 0.25 + 0.5 * (q & 1) - s.cx()) / s.radius();
                        double dv = (y + 0.25 + 0.5 * (q >> 1) - s.cy()) / s.radius();
                        double u = cos * du + sin * dv, v = -sin * du + cos * dv;
                        if (!SyntheticScenes.inside(id.shape(), u, v)) {
                            continue;
                        }
                        inside++;
                        int c = id.pattern().secondColour(u, v) ? c2 : c1;
                        double shade = 1 + 0.10 * (du * lx + dv * ly);
                        acc[0] += ((c >> 16) & 0xFF) * shade;
                        acc[1] += ((c >> 8) & 0xFF) * shade;
                        acc[2] += (c & 0xFF) * shade;
                    }
                    if (inside == 0) {
                        continue;
                    }
                    int o = (y * SIZE + x) * 3;
                    for (int c = 0; c < 3; c++) {
                        px[o + c] = (float) ((acc[c] + px[o + c] * (4 - inside)) / 4);
                    }
                    if (inside >= 2) {
                        mask[y * SIZE + x] = 1;
                        for (int j = 0; j < k; j++) {
                            own[j][y * SIZE + x] = 0;
                        }
                        own[k][y * SIZE + x] = 1;
                    }
                }
            }
        }
        byte[] bytes = new byte[n * 3];
        byte[] bgBytes = new byte[n * 3];
        for (int p = 0; p < n; p++) {
            long bits = r.nextLong();
            for (int c = 0; c < 3; c++) {
                int noise = (int) ((bits >>> (c * 8)) & 0xFF) % 5 - 2;
                bytes[p * 3 + c] = (byte) Math.max(0, Math.min(255, (int) Math.rint(px[p * 3 + c]) + noise));
                bgBytes[p * 3 + c] = (byte) Math.max(0, Math.min(255, (int) Math.rint(bg[p * 3 + c])));
            }
        }
        List<ToyPicture.Part> parts = new ArrayList<>();
        for (int k = 0; k < subjects.size(); k++) {
            Placement s = subjects.get(k);
            parts.add(new ToyPicture.Part(s.identity(), subjects.size() == 1 ? mask : own[k], s.cx(), s.cy(), s.radius(),
                    s.angle()));
        }
        Placement first = subjects.get(0);
        return new ToyPicture(new RgbImage(SIZE, SIZE, bytes), new RgbImage(SIZE, SIZE, bgBytes), mask, first.identity(),
                scene, caption, description, palette(bgBytes, mask), first.cx(), first.cy(), first.radius(), first.angle(),
                parts);
    }

    /**
     * The scene's dominant colours: the background pixels (outside the subject) quantized to 16 levels per channel,
     * the mean colours of the 4 most frequent bins, most frequent first.
     */
    static int[] palette(byte[] bg, byte[] mask) {
        int bins = 16 * 16 * 16;
        long[] count = new long[bins];
        long[][] sum = new long[bins][3];
        for (int p = 0; p < mask.length; p++) {
            if (mask[p] != 0) {
                continue;
            }
            int r = bg[p * 3] & 0xFF, g = bg[p * 3 + 1] & 0xFF, b = bg[p * 3 + 2] & 0xFF;
            int k = ((r >> 4) << 8) | ((g >> 4) << 4) | (b >> 4);
            count[k]++;
            sum[k][0] += r;
            sum[k][1] += g;
            sum[k][2] += b;
        }
        Integer[] order = new Integer[bins];
        for (int i = 0; i < bins; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Long.compare(count[b], count[a]));
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < 4 && count[order[i]] > 0; i++) {
            long c = count[order[i]];
            long[] s = sum[order[i]];
            out.add((int) ((s[0] / c) << 16 | (s[1] / c) << 8 | (s[2] / c)));
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}
