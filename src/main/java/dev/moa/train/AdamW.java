package dev.moa.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.moa.io.SafetensorsFile;
import dev.moa.io.SafetensorsWriter;
import dev.moa.tensor.Grads;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW exactly as {@code torch.optim.AdamW} (decoupled weight decay applied first, bias-corrected moments,
 * eps added after the bias-corrected sqrt). DJL's built-in AdamW folds the corrections differently, so
 * this one is written out. Parameters belong to groups with their own learning rate and weight decay.
 */
public final class AdamW {

    /** A parameter group: names, learning rate (before the schedule's factor) and weight decay. */
    public record Group(String name, List<String> params, double lr, double weightDecay) {}

    private final Map<String, NDArray> params;
    private final List<Group> groups;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final NDManager state;
    private final Map<String, NDArray> expAvg = new LinkedHashMap<>();
    private final Map<String, NDArray> expAvgSq = new LinkedHashMap<>();
    private long step;

    public AdamW(Map<String, NDArray> params, List<Group> groups, double beta1, double beta2, double eps, NDManager state) {
        this.params = params;
        this.groups = groups;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.state = state;
        for (Group g : groups) {
            for (String p : g.params()) {
                NDArray w = params.get(p);
                if (w == null) {
                    throw new IllegalArgumentException("optimizer group " + g.name() + ": unknown parameter " + p);
                }
                expAvg.put(p, state.zeros(w.getShape(), w.getDataType()));
                expAvgSq.put(p, state.zeros(w.getShape(), w.getDataType()));
            }
        }
    }

    public long stepCount() {
        return step;
    }

    public List<Group> groups() {
        return groups;
    }

    /**
     * One update with the given gradients (already clipped/averaged), each group's lr multiplied by
     * {@code lrFactor} (warmup). Runs outside any gradient recording, in place.
     */
    public void step(Map<String, NDArray> grads, double lrFactor) {
        step++;
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
        for (Group g : groups) {
            double lr = g.lr() * lrFactor;
            float stepSize = (float) (lr / bc1);
            for (String name : g.params()) {
                NDArray p = params.get(name);
                NDArray grad = grads.get(name);
                if (grad == null) {
                    continue;
                }
                NDArray m = expAvg.get(name);
                NDArray v = expAvgSq.get(name);
                try (NDManager tmp = state.newSubManager()) {
                    // every temporary must land in tmp: results belong to the first operand's manager,
                    // and m, v (optimizer state) or p (model) first would leak one array per op and step
                    grad.tempAttach(tmp);
                    m.tempAttach(tmp);
                    v.tempAttach(tmp);
                    p.tempAttach(tmp);
                    if (g.weightDecay() != 0) {
                        p.muli((float) (1 - lr * g.weightDecay()));
                    }
                    // m = beta1 m + (1 - beta1) g   (torch: exp_avg.lerp_(grad, 1 - beta1))
                    m.addi(grad.sub(m).mul((float) (1 - beta1)));
                    // v = beta2 v + (1 - beta2) g^2
                    v.muli((float) beta2).addi(grad.square().mul((float) (1 - beta2)));
                    NDArray denom = v.sqrt().div((float) bc2Sqrt).add((float) eps);
                    p.subi(m.div(denom).mul(stepSize));
                }
            }
        }
    }

    /** Writes the moments and the step count (for exact resume). */
    public void save(Path file) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        for (String k : expAvg.keySet()) {
            w.add("exp_avg." + k, expAvg.get(k));
            w.add("exp_avg_sq." + k, expAvgSq.get(k));
        }
        w.metadata("step", Long.toString(step));
        w.write(file);
    }

    /** Restores the state written by {@link #save}. */
    public void load(Path file) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (String k : expAvg.keySet()) {
                for (String kind : new String[] {"exp_avg.", "exp_avg_sq."}) {
                    if (f.info(kind + k) == null) {
                        throw new IOException(file + ": optimizer state has no '" + kind + k + "'");
                    }
                }
                try (NDManager tmp = state.newSubManager()) {
                    Grads.assign(expAvg.get(k), f.load("exp_avg." + k, tmp));
                    Grads.assign(expAvgSq.get(k), f.load("exp_avg_sq." + k, tmp));
                }
            }
            String s = f.metadata().get("step");
            if (s == null) {
                throw new IOException(file + ": optimizer state has no step count");
            }
            step = Long.parseLong(s);
        }
    }
}
