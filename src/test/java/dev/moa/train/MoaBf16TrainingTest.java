package dev.moa.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.moa.models.SingleFileCheckpoint;
import dev.moa.moa.MoaAdapter;
import dev.moa.moa.SubjectEncoder;
import dev.moa.pipeline.StableDiffusion;
import dev.moa.tensor.Precision;
import dev.moa.testing.Fixtures;

import dev.moa.train.data.PreprocessOptions;
import dev.moa.train.data.SyntheticDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mixed-precision MoA training (moa train --precision bf16): the frozen base computes in bf16, MoA with bf16 casts of
 * fp32 master weights, AdamW in fp32. The loss curve follows fp32's on the same batches, noise and timesteps.
 */
class MoaBf16TrainingTest {
    @TempDir
    Path dir;

    /** @param moved gets how far the masters moved in training (mean absolute change over every MoA weight) */
    private List<Double> run(Precision p, Path data, Path out, double[] moved) throws Exception {
        List<Double> losses = new ArrayList<>();
        try (StableDiffusion sd = StableDiffusion.load(Fixtures.path("models/tiny-sd"), SingleFileCheckpoint.Overrides.none(),
                p, c -> { })) {
            SubjectEncoder encoder = SubjectEncoder.load(Fixtures.path("models/tiny-sd/image_encoder"), sd.manager());
            MoaAdapter moa = MoaAdapter.create(MoaAdapter.configFor(sd.unet(), 32, 16, 32, 16), sd.unet(), sd.manager(), 3);
            TrainSettings s = TrainSettings.defaults().withSteps(12).withLr(1e-3, 1e-2).withSchedule(2, 100, 2, 0, 1)
                    .withSeed(11);
            try (LoaderBatches d = LoaderBatches.open(data, sd.tokenizer(), encoder.processor(),
                    PreprocessOptions.training().withResolution(32), 2, 9);
                    MoaTrainer t = MoaTrainer.start(sd, encoder, moa, s, d, out)) {
                Map<String, float[]> init = new LinkedHashMap<>();
                moa.parameters().forEach((k, v) -> init.put(k, v.toFloatArray()));
                for (int i = 0; i < 12; i++) {
                    losses.add(t.trainStep().total());
                }
                double sum = 0;
                long n = 0;
                for (Map.Entry<String, NDArray> e : moa.parameters().entrySet()) {
                    assertEquals(DataType.FLOAT32, e.getValue().getDataType(), "master weight " + e.getKey());
                    float[] a = init.get(e.getKey()), b = e.getValue().toFloatArray();
                    for (int i = 0; i < a.length; i++) {
                        sum += Math.abs(b[i] - a[i]);
                    }
                    n += a.length;
                }
                moved[0] = sum / n;
            } finally {
                MoaAdapter.uninstall(sd.unet());
            }
        }
        return losses;
    }

    @Test
    void bf16FollowsTheFp32LossCurve() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        SyntheticDataset.generate(data, 24, 5, SyntheticDataset.Options.defaults().withResolution(48).withIdentities(4)
                .withThreads(1));
        double[] m32 = new double[1], m16 = new double[1];
        List<Double> fp32 = run(Precision.FP32, data, dir.resolve("fp32"), m32);
        List<Double> bf16 = run(Precision.BF16, data, dir.resolve("bf16"), m16);
        double diff = 0, mean = 0;
        for (int i = 0; i < fp32.size(); i++) {
            diff += Math.abs(fp32.get(i) - bf16.get(i)) / fp32.size();
            mean += fp32.get(i) / fp32.size();
        }
        System.out.printf("fp32 losses %s%nbf16 losses %s%nmean |difference| %.4f of mean loss %.4f%n", fp32, bf16, diff,
                mean);
        // bf16 keeps 8 mantissa bits (relative rounding ~0.4 %); over 12 steps the curves may drift apart a little,
        // but a broken cast (no gradient to the masters, a wrong dtype) would leave or wreck the curve: 5 % of the loss
        assertTrue(diff < 0.05 * mean, "bf16 loss curve departs from fp32's: " + diff + " vs mean " + mean);
        // the fp32 masters moved under bf16 compute (gradients reached them through the casts), as far as in fp32
        System.out.printf("masters moved: fp32 %.3e, bf16 %.3e%n", m32[0], m16[0]);
        assertTrue(m16[0] > 0.5 * m32[0] && m16[0] < 2 * m32[0], "fp32 " + m32[0] + ", bf16 " + m16[0]);
    }
}
