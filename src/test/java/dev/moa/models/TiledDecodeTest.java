package dev.moa.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.moa.tensor.TorchGenerator;
import dev.moa.testing.Close;
import dev.moa.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tiled VAE decoding (diffusers' tiled_decode) on the tiny VAE: scale factor 2, config sample_size 32, so the
 * default tile is 16 latent pixels; tests also use 16 px tiles (8 latent, stride 6, 4 px blends, 12 px crops).
 */
class TiledDecodeTest {
    static NDManager manager;
    static AutoencoderKL vae;

    @BeforeAll
    static void setUp() throws Exception {
        manager = NDManager.newBaseManager();
        vae = AutoencoderKL.load(Fixtures.path("models/tiny-sd/vae"), manager);
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    static NDArray latent(NDManager m, long seed, int h, int w) {
        return new TorchGenerator(seed).randn(m, 1, 4, h, w);
    }

    @Test
    void aLatentWithinOneStrideIsOneTileAndEqualsThePlainDecode() {
        try (NDManager s = manager.newSubManager()) {
            NDArray z = latent(s, 1, 6, 5);
            // exact: one tile is the whole latent, decoded by the same kernels at the same shape
            assertArrayEquals(vae.decode(z).toFloatArray(), vae.tiledDecode(z, 16).toFloatArray());
        }
    }

    @Test
    void aLatentThatFitsTheTileIsNotTiled() {
        try (NDManager s = manager.newSubManager()) {
            NDArray z = latent(s, 2, 16, 16);
            assertFalse(VaeTiling.AUTO.applies(vae.config(), 16, 16));
            assertFalse(VaeTiling.ON.applies(vae.config(), 16, 16));
            assertTrue(VaeTiling.AUTO.applies(vae.config(), 16, 17));
            assertFalse(VaeTiling.OFF.applies(vae.config(), 64, 64));
            // exact: tiling does not apply, so both calls are the same plain decode
            assertArrayEquals(vae.decode(z).toFloatArray(), vae.decode(z, VaeTiling.ON).toFloatArray());
        }
    }

    @Test
    void blendsAreLinearRampsOverTheExtent() {
        try (NDManager s = manager.newSubManager()) {
            NDArray a = s.ones(new Shape(1, 1, 6, 3));
            NDArray b = s.zeros(new Shape(1, 1, 5, 3));
            float[] v = AutoencoderKL.blendV(a, b, 4).toFloatArray();
            float[] h = AutoencoderKL.blendH(s.ones(new Shape(1, 1, 3, 6)), s.zeros(new Shape(1, 1, 3, 5)), 4).toFloatArray();
            for (int y = 0; y < 5; y++) {
                for (int x = 0; x < 3; x++) {
                    float want = y < 4 ? 1 - y / 4f : 0;
                    assertEquals(want, v[y * 3 + x], 1e-7, "blend_v row " + y);
                    assertEquals(want, h[x * 5 + y], 1e-7, "blend_h column " + y);
                }
            }
            // the extent shrinks to the smaller tile: b of 2 rows blends over 2
            float[] v2 = AutoencoderKL.blendV(a, s.zeros(new Shape(1, 1, 2, 3)), 4).toFloatArray();
            assertEquals(1f, v2[0], 0);
            assertEquals(0.5f, v2[3], 1e-7);
        }
    }

    /** The algorithm written out plainly on float arrays, with diffusers' in-place blending, from per-tile decodes. */
    @Test
    void tiledDecodeMatchesAStraightforwardReimplementation() {
        int tileSample = 16;
        int f = vae.config().downFactor();
        int tile = tileSample / f;
        int stride = (int) (tile * 0.75);
        int blend = (int) (tileSample * 0.25);
        int limit = tileSample - blend;
        int lh = 20;
        int lw = 15;
        try (NDManager s = manager.newSubManager()) {
            NDArray z = latent(s, 3, lh, lw);
            List<List<Tile>> rows = new ArrayList<>();
            for (int i = 0; i < lh; i += stride) {
                List<Tile> row = new ArrayList<>();
                for (int j = 0; j < lw; j += stride) {
                    NDArray d = vae.decode(z.get(":, :, " + i + ":" + Math.min(lh, i + tile) + ", " + j + ":" + Math.min(lw, j + tile)));
                    row.add(new Tile(d));
                }
                rows.add(row);
            }
            int c = rows.get(0).get(0).c;
            int outH = lh * f;
            int outW = lw * f;
            float[] out = new float[c * outH * outW];
            int y0 = 0;
            for (int i = 0; i < rows.size(); i++) {
                int x0 = 0;
                int rowH = 0;
                for (int j = 0; j < rows.get(i).size(); j++) {
                    Tile t = rows.get(i).get(j);
                    if (i > 0) {
                        Tile a = rows.get(i - 1).get(j);
                        int e = Math.min(Math.min(a.h, t.h), blend);
                        for (int y = 0; y < e; y++) {
                            for (int ch = 0; ch < c; ch++) {
                                for (int x = 0; x < t.w; x++) {
                                    t.set(ch, y, x, a.at(ch, a.h - e + y, x) * (1 - (float) y / e) + t.at(ch, y, x) * ((float) y / e));
                                }
                            }
                        }
                    }
                    if (j > 0) {
                        Tile a = rows.get(i).get(j - 1);
                        int e = Math.min(Math.min(a.w, t.w), blend);
                        for (int x = 0; x < e; x++) {
                            for (int ch = 0; ch < c; ch++) {
                                for (int y = 0; y < t.h; y++) {
                                    t.set(ch, y, x, a.at(ch, y, a.w - e + x) * (1 - (float) x / e) + t.at(ch, y, x) * ((float) x / e));
                                }
                            }
                        }
                    }
                    int ch0 = Math.min(limit, t.h);
                    int cw = Math.min(limit, t.w);
                    for (int ch = 0; ch < c; ch++) {
                        for (int y = 0; y < ch0; y++) {
                            for (int x = 0; x < cw; x++) {
                                out[(ch * outH + y0 + y) * outW + x0 + x] = t.at(ch, y, x);
                            }
                        }
                    }
                    x0 += cw;
                    rowH = ch0;
                }
                assertEquals(outW, x0, "row width");
                y0 += rowH;
            }
            assertEquals(outH, y0, "image height");
            NDArray tiled = vae.tiledDecode(z, tileSample);
            assertArrayEquals(new long[] {1, c, outH, outW}, tiled.getShape().getShape());
            Close.assertClose(out, tiled.toFloatArray(), 1e-5, "tiled decode vs plain reimplementation");
        }
    }

    @Test
    void tiledDecodeIsCloseToThePlainDecode() {
        try (NDManager s = manager.newSubManager()) {
            // stationary latents: every tile sees about the same statistics, as with real images' latents. Tiles
            // still differ from the whole (group-norm statistics and mid-block attention are per tile; with the
            // tiny random VAE, about a quarter of the difference between two unrelated images)
            NDArray z = latent(s, 4, 20, 28);
            float[] plain = vae.decode(z).toFloatArray();
            NDArray tiled = vae.decode(z, VaeTiling.AUTO);
            assertArrayEquals(new long[] {1, 3, 40, 56}, tiled.getShape().getShape());
            double diff = meanAbs(plain, tiled.toFloatArray());
            // yardstick: how different the decode of another latent of the same statistics is
            double other = meanAbs(plain, vae.decode(latent(s, 5, 20, 28)).toFloatArray());
            System.out.printf("tiled vs plain decode (tiny vae, 20x28 latent, 16-latent tiles): mean abs %.3e;"
                    + " another latent's decode: %.3e%n", diff, other);
            assertTrue(diff < 0.5 * other, "tiled decode differs by " + diff + " on average, another latent by " + other);
        }
    }

    static double meanAbs(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m += Math.abs(a[i] - b[i]);
        }
        return m / a.length;
    }

    /** One decoded tile (batch 1) as a mutable float array. */
    static final class Tile {
        final int c;
        final int h;
        final int w;
        final float[] d;

        Tile(NDArray a) {
            long[] s = a.getShape().getShape();
            c = (int) s[1];
            h = (int) s[2];
            w = (int) s[3];
            d = a.toFloatArray();
        }

        float at(int ch, int y, int x) {
            return d[(ch * h + y) * w + x];
        }

        void set(int ch, int y, int x, float v) {
            d[(ch * h + y) * w + x] = v;
        }
    }
}
