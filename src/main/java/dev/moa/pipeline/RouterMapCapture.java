package dev.moa.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.moa.moa.RouterMaps;
import dev.moa.nn.Nn;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Collects where MoA personalized: the personalized-branch weight r1 = 1 - r0 of every MoA layer, averaged over
 * the layers of each UNet call (and summed per attention resolution) on the device where it was computed, in the
 * generation's manager, and copied to the host once, when the generation finishes. {@link #maps()} then has one {@link RouterMaps} per
 * image of the batch, with the map of every UNet call beside the average (colour is settled in the first, noisiest
 * steps, so where the router sent those steps matters more than the average says).
 */
public final class RouterMapCapture implements GenerationObserver {
    private int batch;
    private int height;
    private int width;
    private NDManager manager;
    private final Map<String, NDArray> sums = new TreeMap<>(RouterMapCapture::largerFirst);   // "hxw" -> (B, h*w)
    private final Map<String, Integer> counts = new LinkedHashMap<>();
    private final Map<String, int[]> sizes = new LinkedHashMap<>();
    private final List<NDArray> perCall = new ArrayList<>();     // (B, height, width): one UNet call's layer mean
    private List<RouterMaps> maps = List.of();

    private static int largerFirst(String a, String b) {
        return Integer.compare(area(b), area(a));
    }

    private static int area(String res) {
        String[] p = res.split("x");
        return Integer.parseInt(p[0]) * Integer.parseInt(p[1]);
    }

    @Override
    public void onStart(Start start) {
        batch = start.batch();
        height = start.latentHeight();
        width = start.latentWidth();
        manager = start.manager();
        sums.clear();
        counts.clear();
        sizes.clear();
        perCall.clear();
        maps = List.of();
    }

    @Override
    public boolean wantsRouter() {
        return true;
    }

    @Override
    public void onRouter(Map<String, NDArray> priorWeights, int firstConditional) {
        NDArray call = null;
        for (NDArray r0 : priorWeights.values()) {
            LayerWeights lw = LayerWeights.of(r0, firstConditional, batch, height, width);
            NDArray r1 = lw.r1();
            int h = lw.h(), w = lw.w();
            String key = h + "x" + w;
            sizes.putIfAbsent(key, new int[] {h, w});
            NDArray sum = sums.get(key);
            if (sum == null) {
                NDArray copy = r1.duplicate();
                copy.attach(manager);
                sums.put(key, copy);
            } else {
                sum.addi(r1);
            }
            counts.merge(key, 1, Integer::sum);
            NDArray grid = lw.onGrid(height, width).reshape(batch, height, width);
            if (call == null) {
                call = grid.duplicate();
                call.attach(manager);
            } else {
                call.addi(grid);
            }
        }
        if (call != null) {
            call.divi((float) priorWeights.size());
            perCall.add(call);
        }
    }

    @Override
    public void onFinish() {
        Map<String, float[]> perKey = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : sums.entrySet()) {
            perKey.put(e.getKey(), e.getValue().toFloatArray());
        }
        List<float[]> calls = new ArrayList<>();
        for (NDArray c : perCall) {
            calls.add(c.toFloatArray());
        }
        List<RouterMaps> out = new ArrayList<>();
        int plane = height * width;
        for (int b = 0; b < batch; b++) {
            Map<String, float[]> per = new LinkedHashMap<>();
            for (Map.Entry<String, float[]> e : perKey.entrySet()) {
                int[] s = sizes.get(e.getKey());
                int n = s[0] * s[1];
                float c = counts.get(e.getKey());
                float[] m = new float[n];
                for (int i = 0; i < n; i++) {
                    m[i] = e.getValue()[b * n + i] / c;
                }
                per.put(e.getKey(), m);
            }
            // the overall map is the calls' mean (every call has the same layers, so this is the mean over all of them)
            float[][] byCall = new float[calls.size()][];
            float[] o = new float[plane];
            for (int c = 0; c < byCall.length; c++) {
                byCall[c] = java.util.Arrays.copyOfRange(calls.get(c), b * plane, (b + 1) * plane);
                for (int i = 0; i < plane; i++) {
                    o[i] += byCall[c][i] / byCall.length;
                }
            }
            out.add(new RouterMaps(height, width, o, per, new LinkedHashMap<>(sizes), byCall));
        }
        maps = out;
    }

    /** One map per image of the last generation (empty before it finished, or when MoA did not route). */
    public List<RouterMaps> maps() {
        return perCall.isEmpty() ? List.of() : maps;
    }

    /**
     * One MoA layer's personalized weight r1 = 1 - r0 for the images' conditional rows: (B, h*w) on that layer's
     * {@code h} x {@code w} grid (inferred from the token count and the latent aspect ratio).
     */
    record LayerWeights(NDArray r1, int h, int w) {
        static LayerWeights of(NDArray r0, int firstConditional, int batch, int height, int width) {
            NDArray r1 = r0.get(firstConditional + ":" + (firstConditional + batch)).neg().add(1f);
            long n = r1.getShape().get(1);
            int h = (int) Math.round(Math.sqrt(n * (double) height / width));
            return new LayerWeights(r1, h, (int) (n / h));
        }

        /** r1 as (B, 1, height, width), nearest-neighbour upsampled to the latent grid. */
        NDArray onGrid(int height, int width) {
            NDArray map = r1.reshape(r1.getShape().get(0), 1, h, w);
            return h == height && w == width ? map : Nn.upsampleNearest(map, height, width);
        }
    }
}
