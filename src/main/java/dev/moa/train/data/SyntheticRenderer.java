package dev.moa.train.data;

import dev.moa.image.RgbImage;
import dev.moa.train.data.SyntheticDataset.Identity;
import dev.moa.train.data.SyntheticDataset.Scene;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Draws one picture of {@link SyntheticDataset}: a pure function of (seed, index, options). */
final class SyntheticRenderer {
    private SyntheticRenderer() {}

    /** A subject as placed in a picture. */
    record Placed(Identity identity, int segmentId, double cx, double cy, double radius, double angle, Box bbox,
            int area, int end) {}

    /** A finished picture: pixels, segmentation map (uint8, H x W), caption and subjects in caption order. */
    /** {@code segmap}: segment id per pixel (0 = background), H x W row-major. */
    record Picture(RgbImage image, int[] segmap, String caption, Scene scene, List<Placed> subjects) {}

    private static final String[] PREFIXES = {"", "", "a photo of ", "a photo of ", "a picture of "};

    static Picture render(long seed, int index, SyntheticDataset.Options o, List<Identity> identities) {
        Rng r = Rng.of(seed, index, 0x53594E);
        int res = o.resolution();
        int w = res, h = res;
        if (o.varyAspect()) {
            double a = r.nextDouble();
            int longSide = (int) Math.round(res * 4 / 3.0);
            if (a < 0.25) {
                w = longSide;
            } else if (a < 0.5) {
                h = longSide;
            }
        }
        Scene scene = Scene.values()[r.nextInt(Scene.values().length)];
        float[] px = new float[w * h * 3];
        background(px, w, h, scene, r);

        // choose identities (without replacement) and place them
        int n = Math.min(r.between(o.minPerImage(), o.maxPerImage()), identities.size());
        int[] perm = r.permutation(identities.size());
        double sizeFactor = n == 1 ? 1.15 : n == 2 ? 1.0 : 0.82;
        int shortSide = Math.min(w, h);
        List<double[]> spots = new ArrayList<>(); // cx, cy, radius, angle
        List<Identity> chosen = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            double radius = Math.min(shortSide * r.uniform(0.15, 0.27) * sizeFactor, shortSide / 2.0 - 1);
            double angle = Math.toRadians(r.uniform(-35, 35));
            double cx = 0, cy = 0;
            boolean ok = false;
            for (int attempt = 0; attempt < 60 && !ok; attempt++) {
                cx = r.uniform(radius, w - radius);
                cy = r.uniform(radius, h - radius);
                ok = true;
                for (double[] s : spots) {
                    double dx = s[0] - cx, dy = s[1] - cy;
                    if (Math.sqrt(dx * dx + dy * dy) < 0.8 * (s[2] + radius)) {
                        ok = false;
                        break;
                    }
                }
            }
            if (!ok) {
                continue; // no room: fewer subjects in this picture
            }
            spots.add(new double[] {cx, cy, radius, angle});
            chosen.add(identities.get(perm[k]));
        }

        // paint in placement order; later subjects may cover a little of earlier ones
        double light = r.uniform(0, 2 * Math.PI);
        double lx = StrictMath.cos(light), ly = StrictMath.sin(light);
        int[] seg = new int[w * h];
        for (int k = 0; k < spots.size(); k++) {
            double[] s = spots.get(k);
            paint(px, seg, w, h, chosen.get(k), k + 1, s[0], s[1], s[2], s[3], lx, ly);
        }

        // sensor noise, then 8 bits
        byte[] bytes = new byte[px.length];
        for (int p = 0; p < w * h; p++) {
            long bits = r.nextLong();
            for (int c = 0; c < 3; c++) {
                int noise = (int) ((bits >>> (c * 8)) & 0xFF) % 7 - 3;
                bytes[p * 3 + c] = (byte) Math.max(0, Math.min(255, (int) Math.rint(px[p * 3 + c]) + noise));
            }
        }

        // subjects left to right, caption with end offsets
        int[] area = new int[spots.size() + 1];
        for (int v : seg) {
            area[v]++;
        }
        List<Integer> order = new ArrayList<>();
        for (int k = 0; k < spots.size(); k++) {
            if (area[k + 1] > 0) {
                order.add(k);
            }
        }
        order.sort(Comparator.comparingDouble(k -> spots.get(k)[0]));
        StringBuilder cap = new StringBuilder(PREFIXES[r.nextInt(PREFIXES.length)]);
        List<Placed> placed = new ArrayList<>();
        for (int i = 0; i < order.size(); i++) {
            if (i > 0) {
                cap.append(i == order.size() - 1 ? " and " : ", ");
            }
            int k = order.get(i);
            Identity id = chosen.get(k);
            cap.append("a ").append(id.classWord());
            double[] s = spots.get(k);
            placed.add(new Placed(id, k + 1, s[0], s[1], s[2], s[3], BinaryMask.ofLabel(w, h, seg, k + 1).bounds(),
                    area[k + 1], cap.length()));
        }
        if (r.chance(0.85)) {
            cap.append(' ').append(scene.phrase);
        }
        return new Picture(new RgbImage(w, h, bytes), seg, cap.toString(), scene, placed);
    }

    /** Paints {@code id} into {@code px} (float RGB, HWC) and marks its pixels {@code label} in {@code seg}. */
    private static void paint(float[] px, int[] seg, int w, int h, Identity id, int label, double cx, double cy,
            double radius, double angle, double lx, double ly) {
        double cos = StrictMath.cos(angle), sin = StrictMath.sin(angle);
        int x0 = Math.max(0, (int) Math.floor(cx - radius - 1)), x1 = Math.min(w - 1, (int) Math.ceil(cx + radius + 1));
        int y0 = Math.max(0, (int) Math.floor(cy - radius - 1)), y1 = Math.min(h - 1, (int) Math.ceil(cy + radius + 1));
        for (int y = y0; y <= y1; y++) {
            for (int x = x0; x <= x1; x++) {
                double du = (x + 0.5 - cx) / radius, dv = (y + 0.5 - cy) / radius;
                double u = cos * du + sin * dv, v = -sin * du + cos * dv; // into the subject's own frame
                if (!SyntheticShapes.inside(id.shape(), u, v)) {
                    continue;
                }
                int c = SyntheticShapes.secondColour(id.pattern(), u, v) ? id.secondary() : id.primary();
                double shade = 1 + 0.12 * (du * lx + dv * ly);
                int o = (y * w + x) * 3;
                px[o] = (float) Math.min(255, ((c >> 16) & 0xFF) * shade);
                px[o + 1] = (float) Math.min(255, ((c >> 8) & 0xFF) * shade);
                px[o + 2] = (float) Math.min(255, (c & 0xFF) * shade);
                seg[y * w + x] = label;
            }
        }
    }

    static RgbImage reference(Identity id, int size) {
        float[] px = new float[size * size * 3];
        java.util.Arrays.fill(px, 235f); // light grey, so white subjects keep their outline
        paint(px, new int[size * size], size, size, id, 1, size / 2.0, size / 2.0, size * 0.42, 0,
                -Math.sqrt(0.5), -Math.sqrt(0.5));
        byte[] b = new byte[px.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Math.max(0, Math.min(255, (int) Math.rint(px[i])));
        }
        return new RgbImage(size, size, b);
    }

    // ---------------------------------------------------------------------------------------- scenes

    static void background(float[] px, int w, int h, Scene scene, Rng r) {
        switch (scene) {
            case BEACH: {
                double horizon = h * r.uniform(0.35, 0.55);
                double sea = horizon + h * r.uniform(0.08, 0.16);
                int skyTop = jitter(0x3C78D2, r, 20), skyLow = jitter(0xAAD2F0, r, 15);
                int water = jitter(0x006994, r, 20), sand = jitter(0xE1C896, r, 15);
                double[] grain = valueNoise(w, h, 24, r);
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        int c;
                        double g = 0;
                        if (y < horizon) {
                            c = mix(skyTop, skyLow, y / horizon);
                        } else if (y < sea) {
                            c = water;
                            g = 0.08 * (grain[y * w + x] - 0.5);
                        } else {
                            c = sand;
                            g = 0.18 * (grain[y * w + x] - 0.5);
                        }
                        put(px, w, x, y, c, 1 + g);
                    }
                }
                break;
            }
            case SNOW: {
                int top = jitter(0xDCE6F5, r, 10), base = jitter(0xF5F7FA, r, 6);
                double[] n = valueNoise(w, h, 10, r);
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        put(px, w, x, y, mix(top, base, (double) y / h), 1 + 0.06 * (n[y * w + x] - 0.5));
                    }
                }
                break;
            }
            case GRASS: {
                int base = jitter(0x3C8C32, r, 20);
                double[] coarse = valueNoise(w, h, 8, r), fine = valueNoise(w, h, Math.max(2, w / 4), r);
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        int i = y * w + x;
                        put(px, w, x, y, base, 1 + 0.3 * (coarse[i] - 0.5) + 0.35 * (fine[i] - 0.5));
                    }
                }
                break;
            }
            case NIGHT: {
                int top = jitter(0x0A0F2D, r, 8), bottom = jitter(0x1E285A, r, 12);
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        boolean star = r.chance(0.006);
                        put(px, w, x, y, star ? 0xF0F0FF : mix(top, bottom, (double) y / h), 1);
                    }
                }
                break;
            }
            case WALL: {
                int a = jitter(pastel(r), r, 0), b = jitter(pastel(r), r, 0);
                double theta = r.uniform(0, Math.PI), period = Math.min(w, h) * r.uniform(0.08, 0.2);
                double ux = StrictMath.cos(theta), uy = StrictMath.sin(theta);
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        double t = (x * ux + y * uy) / period;
                        put(px, w, x, y, ((long) Math.floor(t + 1e6)) % 2 == 0 ? a : b, 1);
                    }
                }
                break;
            }
            case FLOOR: {
                int light = jitter(0xE6E1D7, r, 15), dark = jitter(0x3C3732, r, 15);
                double cell = Math.min(w, h) * r.uniform(0.09, 0.18), theta = Math.toRadians(r.uniform(-20, 20));
                double ux = StrictMath.cos(theta), uy = StrictMath.sin(theta);
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        long i = (long) Math.floor((x * ux + y * uy) / cell + 1e6);
                        long j = (long) Math.floor((-x * uy + y * ux) / cell + 1e6);
                        put(px, w, x, y, (i + j) % 2 == 0 ? light : dark, 1);
                    }
                }
                break;
            }
            case DESERT: {
                int sky = jitter(0xFADCA0, r, 12), sand = jitter(0xE6AA5A, r, 15);
                double base = h * r.uniform(0.3, 0.5), amp = h * r.uniform(0.03, 0.08);
                double freq = r.uniform(1.5, 3.5) * 2 * Math.PI / w, phase = r.uniform(0, 2 * Math.PI);
                for (int x = 0; x < w; x++) {
                    double edge = base + amp * StrictMath.sin(x * freq + phase);
                    for (int y = 0; y < h; y++) {
                        if (y < edge) {
                            put(px, w, x, y, sky, 1);
                        } else {
                            double ripple = 0.06 * StrictMath.sin((y - edge) * 0.6 + x * freq * 2);
                            put(px, w, x, y, sand, 0.92 + 0.1 * Math.min(1, (y - edge) / h * 3) + ripple);
                        }
                    }
                }
                break;
            }
            case TABLE: {
                int wood = jitter(0x965F32, r, 20);
                double freq = r.uniform(0.25, 0.5) * 64.0 / Math.min(w, h), phase = r.uniform(0, 2 * Math.PI);
                double wav = r.uniform(0.03, 0.08);
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        double t = StrictMath.sin((y + 4 * StrictMath.sin(x * wav + phase)) * freq);
                        put(px, w, x, y, wood, 1 + 0.12 * t);
                    }
                }
                break;
            }
            default:
                throw new IllegalStateException(scene.toString());
        }
    }

    private static void put(float[] px, int w, int x, int y, int rgb, double f) {
        int o = (y * w + x) * 3;
        px[o] = (float) Math.min(255, Math.max(0, ((rgb >> 16) & 0xFF) * f));
        px[o + 1] = (float) Math.min(255, Math.max(0, ((rgb >> 8) & 0xFF) * f));
        px[o + 2] = (float) Math.min(255, Math.max(0, (rgb & 0xFF) * f));
    }

    private static int mix(int a, int b, double t) {
        t = Math.max(0, Math.min(1, t));
        int r = (int) Math.rint(((a >> 16) & 0xFF) * (1 - t) + ((b >> 16) & 0xFF) * t);
        int g = (int) Math.rint(((a >> 8) & 0xFF) * (1 - t) + ((b >> 8) & 0xFF) * t);
        int bl = (int) Math.rint((a & 0xFF) * (1 - t) + (b & 0xFF) * t);
        return (r << 16) | (g << 8) | bl;
    }

    private static int jitter(int rgb, Rng r, int amount) {
        int out = 0;
        for (int shift = 16; shift >= 0; shift -= 8) {
            int v = ((rgb >> shift) & 0xFF) + (amount > 0 ? r.between(-amount, amount) : 0);
            out |= Math.max(0, Math.min(255, v)) << shift;
        }
        return out;
    }

    private static int pastel(Rng r) {
        return ((150 + r.nextInt(100)) << 16) | ((150 + r.nextInt(100)) << 8) | (150 + r.nextInt(100));
    }

    /** Smooth noise in [0, 1]: random values on a {@code cells x cells} grid, bilinearly interpolated (smoothstep). */
    private static double[] valueNoise(int w, int h, int cells, Rng r) {
        int gw = cells + 2, gh = cells + 2;
        double[] grid = new double[gw * gh];
        for (int i = 0; i < grid.length; i++) {
            grid[i] = r.nextDouble();
        }
        double[] out = new double[w * h];
        double sx = (double) cells / w, sy = (double) cells / h;
        for (int y = 0; y < h; y++) {
            double gy = y * sy;
            int iy = (int) gy;
            double fy = smooth(gy - iy);
            for (int x = 0; x < w; x++) {
                double gx = x * sx;
                int ix = (int) gx;
                double fx = smooth(gx - ix);
                double a = grid[iy * gw + ix], b = grid[iy * gw + ix + 1];
                double c = grid[(iy + 1) * gw + ix], d = grid[(iy + 1) * gw + ix + 1];
                out[y * w + x] = (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
            }
        }
        return out;
    }

    private static double smooth(double t) {
        return t * t * (3 - 2 * t);
    }
}
