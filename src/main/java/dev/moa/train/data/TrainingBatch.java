package dev.moa.train.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code B} {@link TrainingExample}s stacked into the flat, row-major arrays a trainer hands to
 * {@code NDManager.create(array, shape)}. Subjects fill {@code S = maxSubjects} slots per row in caption
 * order; unused slots have position -1 and zero mask and reference (as FastComposer pads). The arrays
 * are built on demand (each call builds a new one).
 */
public final class TrainingBatch {
    private final long step;
    private final List<TrainingExample> examples;
    private final int slots;
    private final int res;
    private final int refSize;

    public TrainingBatch(long step, List<TrainingExample> examples, int slots) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("empty batch");
        }
        this.step = step;
        this.examples = List.copyOf(examples);
        this.slots = slots;
        this.res = examples.get(0).resolution();
        this.refSize = examples.get(0).referenceSize();
        for (TrainingExample e : examples) {
            if (e.resolution() != res || e.referenceSize() != refSize) {
                throw new IllegalArgumentException("examples of different sizes in one batch");
            }
            if (e.subjects().size() > slots) {
                throw new IllegalArgumentException(e.id() + " has " + e.subjects().size() + " subjects, more than "
                        + slots + " slots");
            }
        }
    }

    /** The loader step this batch belongs to. */
    public long step() {
        return step;
    }

    /** B. */
    public int size() {
        return examples.size();
    }

    public List<TrainingExample> examples() {
        return examples;
    }

    public TrainingExample get(int row) {
        return examples.get(row);
    }

    /** R. */
    public int resolution() {
        return res;
    }

    /** S of the references. */
    public int referenceSize() {
        return refSize;
    }

    /** Subject slots per row. */
    public int slots() {
        return slots;
    }

    public List<String> ids() {
        List<String> out = new ArrayList<>();
        for (TrainingExample e : examples) {
            out.add(e.id());
        }
        return out;
    }

    public List<String> captions() {
        List<String> out = new ArrayList<>();
        for (TrainingExample e : examples) {
            out.add(e.caption());
        }
        return out;
    }

    /** Pictures, {@code (B, 3, R, R)}, in [-1, 1]. */
    public float[] images() {
        int per = 3 * res * res;
        float[] out = new float[examples.size() * per];
        for (int b = 0; b < examples.size(); b++) {
            System.arraycopy(examples.get(b).image(), 0, out, b * per, per);
        }
        return out;
    }

    public long[] imagesShape() {
        return new long[] {examples.size(), 3, res, res};
    }

    /** Token ids, {@code (B, 77)}. */
    public int[] inputIds() {
        int len = examples.get(0).inputIds().length;
        int[] out = new int[examples.size() * len];
        for (int b = 0; b < examples.size(); b++) {
            System.arraycopy(examples.get(b).inputIds(), 0, out, b * len, len);
        }
        return out;
    }

    public long[] inputIdsShape() {
        return new long[] {examples.size(), examples.get(0).inputIds().length};
    }

    /** Subject token positions, {@code (B, S)}, -1 for an empty slot (what {@code MoaLosses.compute} takes). */
    public int[][] positions() {
        int[][] out = new int[examples.size()][slots];
        for (int b = 0; b < examples.size(); b++) {
            Arrays.fill(out[b], -1);
            List<SubjectSample> s = examples.get(b).subjects();
            for (int k = 0; k < s.size(); k++) {
                out[b][k] = s.get(k).tokenPosition();
            }
        }
        return out;
    }

    /** Number of filled subject slots in the whole batch. */
    public int subjectCount() {
        int n = 0;
        for (TrainingExample e : examples) {
            n += e.subjects().size();
        }
        return n;
    }

    /** Subject masks at training resolution, {@code (B, S, R, R)} in {0, 1}; empty slots are 0. */
    public float[] masks() {
        return masks(res);
    }

    /**
     * Subject masks reduced to {@code size x size} by area averaging (the spec's reduction to latent
     * resolution), {@code (B, S, size, size)}; R must be a multiple of {@code size}. Values are fractions.
     */
    public float[] masks(int size) {
        if (size <= 0 || res % size != 0) {
            throw new IllegalArgumentException("mask size " + size + " does not divide the resolution " + res);
        }
        int f = res / size;
        int per = size * size;
        float[] out = new float[examples.size() * slots * per];
        float norm = 1f / (f * f);
        for (int b = 0; b < examples.size(); b++) {
            List<SubjectSample> s = examples.get(b).subjects();
            for (int k = 0; k < s.size(); k++) {
                float[] m = s.get(k).mask();
                int base = (b * slots + k) * per;
                if (f == 1) {
                    System.arraycopy(m, 0, out, base, per);
                    continue;
                }
                for (int y = 0; y < res; y++) {
                    int orow = base + (y / f) * size;
                    int irow = y * res;
                    for (int x = 0; x < res; x++) {
                        out[orow + x / f] += m[irow + x];
                    }
                }
                for (int i = base; i < base + per; i++) {
                    out[i] *= norm;
                }
            }
        }
        return out;
    }

    public long[] masksShape(int size) {
        return new long[] {examples.size(), slots, size, size};
    }

    /** CLIP-normalised references, {@code (B, S, 3, S', S')}; empty slots are 0. */
    public float[] references() {
        int per = 3 * refSize * refSize;
        float[] out = new float[examples.size() * slots * per];
        for (int b = 0; b < examples.size(); b++) {
            List<SubjectSample> s = examples.get(b).subjects();
            for (int k = 0; k < s.size(); k++) {
                System.arraycopy(s.get(k).reference(), 0, out, (b * slots + k) * per, per);
            }
        }
        return out;
    }

    public long[] referencesShape() {
        return new long[] {examples.size(), slots, 3, refSize, refSize};
    }

    @Override
    public String toString() {
        return "TrainingBatch[step " + step + ", " + examples.size() + " x " + res + "px, " + subjectCount() + " subjects]";
    }
}
