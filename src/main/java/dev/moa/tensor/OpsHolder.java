package dev.moa.tensor;

import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Chooses the {@link Ops} implementation once, at first use. */
final class OpsHolder {
    private static final Logger LOG = LoggerFactory.getLogger(OpsHolder.class);
    private static volatile Ops current;

    private OpsHolder() {}

    static Ops get() {
        Ops o = current;
        if (o == null) {
            synchronized (OpsHolder.class) {
                if (current == null) {
                    String want = System.getProperty("moa.ops", System.getenv("MOA_OPS"));
                    current = create(want == null ? "torchscript" : want, want == null);
                }
                o = current;
            }
        }
        return o;
    }

    static synchronized Ops use(String name) {
        Ops prev = get();
        current = create(name, false);
        return prev;
    }

    private static Ops create(String name, boolean fallbackQuietly) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "composed":
                return ComposedOps.INSTANCE;
            case "torchscript":
                try {
                    return TorchScriptOps.instance();
                } catch (RuntimeException | LinkageError e) {
                    if (!fallbackQuietly) {
                        throw e;
                    }
                    LOG.warn("TorchScript ops unavailable ({}); using composed ops", e.toString());
                    return ComposedOps.INSTANCE;
                }
            default:
                throw new IllegalArgumentException("unknown ops implementation '" + name
                        + "' (use torchscript or composed)");
        }
    }
}
