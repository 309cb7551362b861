package dev.moa.train;

/** What one optimizer step did: mean losses over its micro-batches, gradient norm before clipping, learning rates, time. */
public record StepStats(long step, double total, double diffusion, double router, double object, double gradNorm,
        double lrPersonal, double lrRouter, double seconds) {

    static final String CSV_HEADER = "step,loss,diffusion,router,object,grad_norm,lr_personal,lr_router,seconds,rss_mb";

    String csv(long rssMb) {
        return String.format(java.util.Locale.ROOT, "%d,%.8g,%.8g,%.8g,%.8g,%.6g,%.6g,%.6g,%.4f,%d", step, total, diffusion,
                router, object, gradNorm, lrPersonal, lrRouter, seconds, rssMb);
    }
}
