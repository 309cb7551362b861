package dev.moa.train;

/**
 * Trainer settings. Defaults follow the spec (loss weights come from the checkpoint's config) and common
 * practice for adapter training (AdamW, warmup, global grad-norm clipping).
 */
public record TrainSettings(int steps, int gradAccumulation, double lrPersonal, double lrRouter, double weightDecay,
        double beta1, double beta2, double eps, int warmupSteps, double maxGradNorm, int saveEvery, int keepLast,
        int validateEvery, int logEvery, long seed, TimestepSampling timesteps, dev.moa.moa.MoaMode route,
        int routerLossWarmup) {

    public static TrainSettings defaults() {
        return new TrainSettings(10_000, 1, 1e-5, 1e-4, 1e-2, 0.9, 0.999, 1e-8, 100, 1.0, 500, 3, 500, 10, 0,
                TimestepSampling.UNIFORM, dev.moa.moa.MoaMode.MOA, 0);
    }

    public TrainSettings withSteps(int v) {
        return new TrainSettings(v, gradAccumulation, lrPersonal, lrRouter, weightDecay, beta1, beta2, eps, warmupSteps,
                maxGradNorm, saveEvery, keepLast, validateEvery, logEvery, seed, timesteps, route, routerLossWarmup);
    }

    public TrainSettings withLr(double personal, double router) {
        return new TrainSettings(steps, gradAccumulation, personal, router, weightDecay, beta1, beta2, eps, warmupSteps,
                maxGradNorm, saveEvery, keepLast, validateEvery, logEvery, seed, timesteps, route, routerLossWarmup);
    }

    public TrainSettings withSchedule(int warmup, int saveEvery, int keepLast, int validateEvery, int logEvery) {
        return new TrainSettings(steps, gradAccumulation, lrPersonal, lrRouter, weightDecay, beta1, beta2, eps, warmup,
                maxGradNorm, saveEvery, keepLast, validateEvery, logEvery, seed, timesteps, route, routerLossWarmup);
    }

    public TrainSettings withOptimizer(int accumulation, double weightDecay, double maxGradNorm) {
        return new TrainSettings(steps, accumulation, lrPersonal, lrRouter, weightDecay, beta1, beta2, eps, warmupSteps,
                maxGradNorm, saveEvery, keepLast, validateEvery, logEvery, seed, timesteps, route, routerLossWarmup);
    }

    public TrainSettings withSeed(long v) {
        return new TrainSettings(steps, gradAccumulation, lrPersonal, lrRouter, weightDecay, beta1, beta2, eps, warmupSteps,
                maxGradNorm, saveEvery, keepLast, validateEvery, logEvery, v, timesteps, route, routerLossWarmup);
    }

    public TrainSettings withTimesteps(TimestepSampling v) {
        return new TrainSettings(steps, gradAccumulation, lrPersonal, lrRouter, weightDecay, beta1, beta2, eps, warmupSteps,
                maxGradNorm, saveEvery, keepLast, validateEvery, logEvery, seed, v, route, routerLossWarmup);
    }

    /**
     * How the trained layers route: {@link dev.moa.moa.MoaMode#MOA} (the spec: the router mixes prior and personalized
     * experts), or {@link dev.moa.moa.MoaMode#PERSONAL}, the personalized-only baseline of the paper's comparison
     * (FastComposer-like: the router fixed to the personalized branch, not trained, no router loss).
     */
    public TrainSettings withRoute(dev.moa.moa.MoaMode v) {
        return new TrainSettings(steps, gradAccumulation, lrPersonal, lrRouter, weightDecay, beta1, beta2, eps, warmupSteps,
                maxGradNorm, saveEvery, keepLast, validateEvery, logEvery, seed, timesteps, v, routerLossWarmup);
    }

    /**
     * Ramps the router loss in over the first {@code steps} optimizer steps (lambda_router x step / steps), so the
     * personalized experts learn the subject before the router loss can shut them; 0 = the spec's constant weight.
     */
    public TrainSettings withRouterLossWarmup(int steps) {
        return new TrainSettings(this.steps, gradAccumulation, lrPersonal, lrRouter, weightDecay, beta1, beta2, eps,
                warmupSteps, maxGradNorm, saveEvery, keepLast, validateEvery, logEvery, seed, timesteps, route, steps);
    }

    /** The router loss weight's factor at optimizer step {@code step} (0-based): step / warmup, at most 1. */
    public double routerLossFactor(long step) {
        return routerLossWarmup <= 0 ? 1.0 : Math.min(1.0, step / (double) routerLossWarmup);
    }

    /** Linear warmup factor for optimizer step {@code step} (0-based). */
    public double lrFactor(long step) {
        return warmupSteps <= 0 ? 1.0 : Math.min(1.0, (step + 1) / (double) warmupSteps);
    }

    void validate() {
        if (steps < 1 || gradAccumulation < 1 || keepLast < 1 || saveEvery < 1 || logEvery < 1) {
            throw new IllegalArgumentException("steps, accumulation, save-every, keep-last and log-every must be >= 1");
        }
        if (route != dev.moa.moa.MoaMode.MOA && route != dev.moa.moa.MoaMode.PERSONAL) {
            throw new IllegalArgumentException("training routes moa or personal, not " + route);
        }
        if (timesteps == null) {
            throw new IllegalArgumentException("timestep sampling is required (uniform or cubic)");
        }
        if (!(lrPersonal >= 0) || !(lrRouter >= 0) || !(maxGradNorm > 0) || warmupSteps < 0 || routerLossWarmup < 0) {
            throw new IllegalArgumentException("learning rates >= 0, max grad norm > 0, warmup >= 0 and router loss"
                    + " warmup >= 0 are required");
        }
    }
}
