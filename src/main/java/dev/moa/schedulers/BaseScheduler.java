package dev.moa.schedulers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.moa.tensor.NoiseSource;

/**
 * What every scheduler here shares: the config and its float32 alphas_cumprod, the manager that holds
 * state between steps, and the memory discipline of the public calls (temporaries of a call are closed when
 * it returns; the result moves to the sample's manager).
 */
abstract class BaseScheduler implements Scheduler {

    protected final SchedulerConfig config;
    protected final float[] alphasCumprod;
    private final String cliName;
    private final String displayName;
    private NDManager stateManager;
    private NDArray predOriginal;
    protected int numInferenceSteps = -1;

    BaseScheduler(SchedulerConfig config, SchedulerKind expected, String cliName, String displayName) {
        if (config.kind() != expected) {
            throw new IllegalArgumentException("expected a " + expected.className() + " config, got " + config.className());
        }
        this.config = config;
        this.alphasCumprod = NoiseSchedule.alphasCumprod(config);
        this.cliName = cliName;
        this.displayName = displayName;
    }

    @Override
    public final void setTimesteps(int numInferenceSteps) {
        if (numInferenceSteps < 1) {
            throw new IllegalArgumentException("numInferenceSteps must be >= 1: " + numInferenceSteps);
        }
        if (numInferenceSteps > config.numTrainTimesteps()) {
            throw new IllegalArgumentException("numInferenceSteps " + numInferenceSteps
                    + " exceeds num_train_timesteps " + config.numTrainTimesteps());
        }
        releaseState();
        this.numInferenceSteps = numInferenceSteps;
        buildSchedule(numInferenceSteps);
    }

    /** Computes timesteps (and sigmas) for n steps; state has been released already. */
    protected abstract void buildSchedule(int n);

    /** The timesteps of the current schedule (not a copy). */
    protected abstract double[] schedule();

    @Override
    public int numInferenceSteps() {
        requireTimesteps();
        return numInferenceSteps;
    }

    @Override
    public double[] timesteps() {
        requireTimesteps();
        return schedule().clone();
    }

    @Override
    public int order() {
        return 1;
    }

    @Override
    public double initNoiseSigma() {
        return 1.0;
    }

    @Override
    public boolean isStochastic() {
        return false;
    }

    @Override
    public SchedulerConfig config() {
        return config;
    }

    @Override
    public String cliName() {
        return cliName;
    }

    @Override
    public String displayName() {
        return displayName;
    }

    @Override
    public NDArray predOriginalSample() {
        return predOriginal;
    }

    @Override
    public final NDArray scaleModelInput(NDArray sample, int callIndex) {
        checkCall(callIndex);
        return scoped(sample, () -> doScaleModelInput(sample, callIndex));
    }

    /** Default: no scaling (a copy, so that the caller may close input and output independently). */
    protected NDArray doScaleModelInput(NDArray sample, int callIndex) {
        return sample.duplicate();
    }

    @Override
    public final NDArray step(NDArray modelOutput, int callIndex, NDArray sample, NoiseSource generator) {
        checkCall(callIndex);
        if (isStochastic() && generator == null) {
            throw new IllegalArgumentException(cliName + " draws noise in every step: pass a generator");
        }
        return scoped(sample, () -> doStep(modelOutput, callIndex, sample, generator));
    }

    protected abstract NDArray doStep(NDArray modelOutput, int callIndex, NDArray sample, NoiseSource generator);

    @Override
    public final NDArray addNoise(NDArray original, NDArray noise, int callIndex) {
        checkCall(callIndex);
        return scoped(original, () -> doAddNoise(original, noise, callIndex));
    }

    protected abstract NDArray doAddNoise(NDArray original, NDArray noise, int callIndex);

    /** DDPM's forward process at an integer training timestep: sqrt(ac) x + sqrt(1 - ac) noise (float32). */
    protected NDArray addNoiseAtTimestep(NDArray original, NDArray noise, int t) {
        float a = alphasCumprod[t];
        float sa = (float) Math.sqrt(a);
        float sb = (float) Math.sqrt(1f - a);
        return original.mul(sa).add(noise.mul(sb));
    }

    @Override
    public void close() {
        releaseState();
    }

    // ---- helpers for subclasses

    private interface Body {
        NDArray run();
    }

    /** Runs a body in an NDScope; its result survives and moves to {@code owner}'s manager. */
    private static NDArray scoped(NDArray owner, Body body) {
        NDArray out;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            out = body.run();
            NDScope.unregister(out);
        }
        out.attach(owner.getManager());
        // like any op result, visible to a scope the caller may have open
        NDScope.register(out);
        return out;
    }

    /**
     * Keeps an array as state between calls: out of the call's scope, into the scheduler's manager. Arrays the
     * caller passed in are copied, since the caller may close them.
     */
    protected final NDArray keep(NDArray a, NDArray... callerArrays) {
        for (NDArray c : callerArrays) {
            if (a == c) {
                a = a.duplicate();
                break;
            }
        }
        NDScope.unregister(a);
        if (stateManager == null || !stateManager.isOpen()) {
            stateManager = a.getManager().getEngine().newBaseManager(a.getDevice());
        }
        a.attach(stateManager);
        return a;
    }

    /** Replaces the x0 estimate reported by {@link #predOriginalSample()}. */
    protected final void setPredOriginal(NDArray x0, NDArray... callerArrays) {
        NDArray old = predOriginal;
        predOriginal = x0 == null ? null : keep(x0, callerArrays);
        if (old != null && old != predOriginal) {
            old.close();
        }
    }

    /** Closes a state array (null-safe). */
    protected static void drop(NDArray a) {
        if (a != null) {
            a.close();
        }
    }

    /** Releases every state array; subclasses also clear their references (in {@link #resetState}). */
    private void releaseState() {
        resetState();
        predOriginal = null;
        if (stateManager != null) {
            stateManager.close();
            stateManager = null;
        }
    }

    /** Clears the subclass's state references; the arrays themselves are closed with the state manager. */
    protected void resetState() {}

    protected final void requireTimesteps() {
        if (numInferenceSteps < 0) {
            throw new IllegalStateException("call setTimesteps first");
        }
    }

    private void checkCall(int callIndex) {
        requireTimesteps();
        if (callIndex < 0 || callIndex >= schedule().length) {
            throw new IndexOutOfBoundsException("call index " + callIndex + " outside 0.." + (schedule().length - 1));
        }
    }

    /** randn(like.shape) from the generator, on like's device and in its dtype. */
    protected static NDArray randnLike(NoiseSource generator, NDArray like) {
        NDArray r = generator.randn(like.getManager(), like.getShape());
        if (!r.getDevice().equals(like.getDevice())) {
            r = r.toDevice(like.getDevice(), false);
        }
        if (r.getDataType() != like.getDataType()) {
            r = r.toType(like.getDataType(), false);
        }
        return r;
    }

    /** The x0 / epsilon pair implied by a model output at noise level alpha_prod (DDIM-style). */
    protected final NDArray[] x0AndEps(NDArray modelOutput, NDArray sample, double alphaProd) {
        double beta = 1 - alphaProd;
        float sa = (float) Math.sqrt(alphaProd);
        float sb = (float) Math.sqrt(beta);
        return switch (config.predictionType()) {
            case "epsilon" -> new NDArray[] {sample.sub(modelOutput.mul(sb)).div(sa), modelOutput};
            case "sample" -> new NDArray[] {modelOutput, sample.sub(modelOutput.mul(sa)).div(sb)};
            case "v_prediction" -> new NDArray[] {sample.mul(sa).sub(modelOutput.mul(sb)), modelOutput.mul(sa).add(sample.mul(sb))};
            default -> throw badPrediction();
        };
    }

    protected final IllegalArgumentException badPrediction() {
        return new IllegalArgumentException("prediction_type " + config.predictionType()
                + " is not supported by " + config.className() + "; use epsilon, sample or v_prediction");
    }

    protected static double[] toDouble(long[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    protected static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    @Override
    public String toString() {
        return displayName + " " + config;
    }
}
