package dev.moa.eval;

import dev.moa.moa.Subject;
import dev.moa.pipeline.DiffusionPipeline;
import dev.moa.toy.ToyIdentity;
import dev.moa.toy.ToyPattern;
import dev.moa.toy.ToyWorld;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * Gate 1: is identity in the image embeddings MoA conditions on? Linear probes fitted on training identities'
 * reference embeddings (ridge regression to the colours' RGB, softmax regression to the pattern), scored on
 * held-out identities: R^2 of each colour's RGB and pattern accuracy.
 *
 * @param r2Primary R^2 over the primary colour's R, G and B (held-out identities)
 * @param r2Secondary the same for the second colour, over identities whose pattern shows it
 * @param patternAccuracy held-out pattern accuracy
 * @param shapeAccuracy held-out shape accuracy (not a gate: MoA takes the class from the prompt's word)
 */
public record EmbeddingProbe(double r2Primary, double r2Secondary, double patternAccuracy, double shapeAccuracy,
        int trained, int heldOut) {

    /** Gate 1 on a pipeline's image encoder: reference views of training identities, then of held-out ones. */
    public static EmbeddingProbe measure(DiffusionPipeline pipeline, ToyWorld world, int train, int heldOut) {
        List<ToyIdentity> tr = new ArrayList<>(), te = world.heldOutIdentities(heldOut);
        for (int i = 0; i < train; i++) {
            tr.add(world.trainingIdentity(i));
        }
        return fit(embed(pipeline, world, tr), tr, embed(pipeline, world, te), te);
    }

    /**
     * Fits the probes on embeddings {@code xTrain} of identities {@code train} and scores them on {@code xTest} of
     * {@code test}: ridge regressions (with a bias) for the RGB of the first and the second colour (the second over
     * two-colour patterns only), softmax regressions for pattern and shape.
     */
    public static EmbeddingProbe fit(double[][] xTrain, List<ToyIdentity> train, double[][] xTest, List<ToyIdentity> test) {
        double[][] wPrimary = ridge(xTrain, targets(train, true), 1e-2);
        double r2p = r2(xTest, targets(test, true), wPrimary);
        List<Integer> two = twoColours(train), twoTest = twoColours(test);
        double[][] wSecondary = ridge(rows(xTrain, two), rows(targets(train, false), two), 1e-2);
        double r2s = r2(rows(xTest, twoTest), rows(targets(test, false), twoTest), wSecondary);
        double pattern = accuracy(xTrain, train, xTest, test, id -> id.pattern().ordinal(), ToyPattern.values().length);
        double shape = accuracy(xTrain, train, xTest, test, id -> ToyWorld.SHAPES.indexOf(id.shape()),
                ToyWorld.SHAPES.size());
        return new EmbeddingProbe(r2p, r2s, pattern, shape, xTrain.length, xTest.length);
    }

    private static double accuracy(double[][] xTrain, List<ToyIdentity> train, double[][] xTest, List<ToyIdentity> test,
            ToIntFunction<ToyIdentity> label, int classes) {
        int[] y = new int[train.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = label.applyAsInt(train.get(i));
        }
        Softmax p = Softmax.train(xTrain, y, classes, 600, 0.5, 1e-3);
        int ok = 0;
        for (int i = 0; i < xTest.length; i++) {
            ok += p.predict(xTest[i]) == label.applyAsInt(test.get(i)) ? 1 : 0;
        }
        return ok / (double) xTest.length;
    }

    private static List<Integer> twoColours(List<ToyIdentity> ids) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            if (ids.get(i).pattern() != ToyPattern.PLAIN) {
                out.add(i);
            }
        }
        return out;
    }

    private static double[][] targets(List<ToyIdentity> ids, boolean primary) {
        double[][] y = new double[ids.size()][];
        for (int i = 0; i < y.length; i++) {
            y[i] = rgb((primary ? ids.get(i).primary() : ids.get(i).secondary()).rgb());
        }
        return y;
    }

    private static double[][] embed(DiffusionPipeline pipeline, ToyWorld world, List<ToyIdentity> ids) {
        double[][] x = new double[ids.size()][];
        for (int i = 0; i < x.length; i++) {
            try (Subject sub = pipeline.subject(null, world.reference(ids.get(i), 7_000_000 + i).image(), null)) {
                float[] e = sub.embedding().toFloatArray();
                x[i] = new double[e.length];
                for (int k = 0; k < e.length; k++) {
                    x[i][k] = e[k];
                }
            }
        }
        return x;
    }

    private static double[] rgb(int c) {
        return new double[] {((c >> 16) & 0xFF) / 255.0, ((c >> 8) & 0xFF) / 255.0, (c & 0xFF) / 255.0};
    }

    private static double[][] rows(double[][] a, List<Integer> idx) {
        double[][] out = new double[idx.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = a[idx.get(i)];
        }
        return out;
    }

    /** Ridge regression with a bias column: (X'X + lambda * tr/d I) W = X'Y, solved by Gaussian elimination. */
    static double[][] ridge(double[][] x, double[][] y, double lambda) {
        int n = x.length, d = x[0].length + 1, t = y[0].length;
        double[][] a = new double[d][d + t];
        for (int i = 0; i < n; i++) {
            double[] xi = withBias(x[i]);
            for (int j = 0; j < d; j++) {
                for (int k = 0; k < d; k++) {
                    a[j][k] += xi[j] * xi[k];
                }
                for (int k = 0; k < t; k++) {
                    a[j][d + k] += xi[j] * y[i][k];
                }
            }
        }
        double trace = 0;
        for (int j = 0; j < d - 1; j++) {
            trace += a[j][j];
        }
        for (int j = 0; j < d - 1; j++) {
            a[j][j] += lambda * trace / (d - 1);
        }
        for (int c = 0; c < d; c++) {
            int piv = c;
            for (int r = c + 1; r < d; r++) {
                if (Math.abs(a[r][c]) > Math.abs(a[piv][c])) {
                    piv = r;
                }
            }
            double[] tmp = a[c];
            a[c] = a[piv];
            a[piv] = tmp;
            double v = a[c][c];
            if (Math.abs(v) < 1e-12) {
                continue;
            }
            for (int k = c; k < d + t; k++) {
                a[c][k] /= v;
            }
            for (int r = 0; r < d; r++) {
                if (r != c && a[r][c] != 0) {
                    double m = a[r][c];
                    for (int k = c; k < d + t; k++) {
                        a[r][k] -= m * a[c][k];
                    }
                }
            }
        }
        double[][] w = new double[d][t];
        for (int j = 0; j < d; j++) {
            for (int k = 0; k < t; k++) {
                w[j][k] = a[j][d + k];
            }
        }
        return w;
    }

    /** 1 - SSE / SST over all targets together. */
    static double r2(double[][] x, double[][] y, double[][] w) {
        int t = y[0].length;
        double[] mean = new double[t];
        for (double[] r : y) {
            for (int k = 0; k < t; k++) {
                mean[k] += r[k] / y.length;
            }
        }
        double sse = 0, sst = 0;
        for (int i = 0; i < x.length; i++) {
            double[] xi = withBias(x[i]);
            for (int k = 0; k < t; k++) {
                double pred = 0;
                for (int j = 0; j < xi.length; j++) {
                    pred += xi[j] * w[j][k];
                }
                sse += (pred - y[i][k]) * (pred - y[i][k]);
                sst += (y[i][k] - mean[k]) * (y[i][k] - mean[k]);
            }
        }
        return 1 - sse / sst;
    }

    private static double[] withBias(double[] x) {
        double[] out = new double[x.length + 1];
        System.arraycopy(x, 0, out, 0, x.length);
        out[x.length] = 1;
        return out;
    }
}
