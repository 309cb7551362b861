package dev.moa.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.moa.io.ComponentFiles;
import dev.moa.io.Half;
import dev.moa.io.Json;
import dev.moa.io.SafetensorsFile;
import dev.moa.io.TensorInfo;
import dev.moa.io.TensorSource;
import dev.moa.testing.Fixtures;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Every tensor of the fp16 single-file fixture, renamed by the LDM -> diffusers key mapping, must be the
 * tensor of the same name in the diffusers folders rounded to fp16 (round to nearest even, as torch's
 * {@code .half()}), and every folder tensor must be reached exactly once.
 */
class SingleFileWeightsTest {

    static final String FILE = "models/sd15-narrow-single-file-fp16.safetensors";

    @Test
    void unetIsTheFolderRoundedToFp16() throws Exception {
        try (SingleFileCheckpoint ckpt = SingleFileCheckpoint.open(Fixtures.path(FILE))) {
            UNetConfig cfg = UNetConfig.from(Json.read(Fixtures.path("models/sd15-narrow/unet/config.json")));
            compare(ckpt.source(), LdmUNetKeys.rename(cfg.layersPerBlock()), Fixtures.path("models/sd15-narrow/unet"),
                    k -> k, "unet");
        }
    }

    @Test
    void vaeIsTheFolderRoundedToFp16() throws Exception {
        try (SingleFileCheckpoint ckpt = SingleFileCheckpoint.open(Fixtures.path(FILE))) {
            // the folder uses the legacy attention names (query/key/value/proj_attn): compare by model key
            compare(ckpt.source(), LdmVaeKeys.rename(4), Fixtures.path("models/sd15-narrow/vae"),
                    AutoencoderKL::modelKey, "vae");
        }
    }

    @Test
    void textEncoderIsTheFolderRoundedToFp16() throws Exception {
        try (SingleFileCheckpoint ckpt = SingleFileCheckpoint.open(Fixtures.path(FILE))) {
            compare(ckpt.textSource(), LdmTextKeys.clip(), Fixtures.path("models/tiny-sd/text_encoder"),
                    ClipTextModel::modelKey, "text_encoder");
        }
    }

    /** Compares the mapped single-file tensors with the folder's, by model key. */
    static void compare(TensorSource single, UnaryOperator<String> rename, Path folder, UnaryOperator<String> folderKey,
            String what) throws Exception {
        compare(single, rename, folder, folderKey, what, true);
    }

    /** As above; {@code fp16} = the single file holds the folder's values rounded to fp16, else the exact values. */
    static void compare(TensorSource single, UnaryOperator<String> rename, Path folder, UnaryOperator<String> folderKey,
            String what, boolean fp16) throws Exception {
        try (SafetensorsFile ref = (SafetensorsFile) ComponentFiles.openWeights(folder)) {
            Map<String, String> refByModelKey = new HashMap<>();
            for (String k : ref.keys()) {
                String m = folderKey.apply(k);
                if (m != null) {
                    refByModelKey.put(m, k);
                }
            }
            TreeSet<String> reached = new TreeSet<>();
            double maxDiff = 0;
            double maxRel = 0;
            for (String k : single.keys()) {
                String m = rename.apply(k);
                if (m == null) {
                    continue;
                }
                String refKey = refByModelKey.get(m);
                assertNotNull(refKey, what + ": '" + k + "' maps to '" + m + "', which the folder does not have");
                assertTrue(reached.add(m), what + ": '" + m + "' reached twice");
                TensorInfo si = single.info(k);
                TensorInfo ri = ref.info(refKey);
                assertEquals(ri.numel(), si.numel(), what + " " + k + " size");
                assertTrue(Arrays.equals(trimOnes(si.shape()), trimOnes(ri.shape())),
                        what + " " + k + ": " + Arrays.toString(si.shape()) + " vs " + Arrays.toString(ri.shape()));
                float[] got = floats(single, k);
                float[] exp = ref.floats(refKey);
                for (int i = 0; i < exp.length; i++) {
                    float rounded = fp16 ? Half.toFloat(Half.fromFloat(exp[i])) : exp[i];
                    if (Float.floatToIntBits(got[i]) != Float.floatToIntBits(rounded)) {
                        fail(what + " " + k + "[" + i + "]: " + got[i] + " but the folder's " + exp[i]
                                + " rounds to " + rounded);
                    }
                    double d = Math.abs((double) got[i] - exp[i]);
                    maxDiff = Math.max(maxDiff, d);
                    if (Math.abs(exp[i]) >= 6.1e-5) {  // normal fp16 range: relative error <= 2^-11
                        maxRel = Math.max(maxRel, d / Math.abs(exp[i]));
                    }
                }
            }
            assertEquals(new TreeSet<>(refByModelKey.keySet()), reached, what + ": folder tensors not reached");
            assertTrue(maxRel <= Math.scalb(1.0, -11), what + ": relative error " + maxRel + " beyond fp16 rounding");
            if (fp16) {
                assertNotEquals(0.0, maxDiff, what + ": expected some fp16 rounding");
            }
            System.out.printf("single-file %-13s %d tensors equal to the folder%s; max abs diff vs fp32 "
                    + "%.3e, max rel %.3e (fp16 half-ulp 4.883e-04)%n", what, reached.size(),
                    fp16 ? " rounded to fp16" : "", maxDiff, maxRel);
        }
    }

    private static float[] floats(TensorSource s, String k) throws Exception {
        if (s instanceof SafetensorsFile f) {
            return f.floats(k);
        }
        try (var m = ai.djl.ndarray.NDManager.newBaseManager()) {
            return s.load(k, m, true).toFloatArray();
        }
    }

    private static long[] trimOnes(long[] s) {
        int n = s.length;
        while (n > 2 && s[n - 1] == 1) {
            n--;
        }
        return Arrays.copyOf(s, n);
    }
}
