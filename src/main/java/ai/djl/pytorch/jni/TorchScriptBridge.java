package ai.djl.pytorch.jni;

import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;

/**
 * Calls a named method of a loaded TorchScript module with autograd enabled.
 *
 * <p>Lives in DJL's package because {@code PyTorchLibrary.LIB} is package-private, and DJL's public
 * {@code IValueUtils.runMethod} always runs under inference mode (no gradients). This is the only
 * class of the project inside a DJL package.
 */
public final class TorchScriptBridge {

    private TorchScriptBridge() {}

    /**
     * Runs {@code method} on {@code module}; arguments may be PtNDArray, Integer, Long, Double, Boolean,
     * long[] or null (None). The result tensor is attached to {@code out}.
     */
    public static PtNDArray call(PtSymbolBlock module, String method, PtNDManager out, Object... args) {
        IValue[] iv = new IValue[args.length];
        try {
            for (int i = 0; i < args.length; i++) {
                iv[i] = toIValue(args[i]);
            }
            long[] handles = new long[iv.length];
            for (int i = 0; i < handles.length; i++) {
                handles[i] = iv[i].getHandle();
            }
            long res = PyTorchLibrary.LIB.moduleRunMethod(module.getHandle(), method, handles, true, false);
            try (IValue o = new IValue(res)) {
                return o.toTensor(out);
            }
        } finally {
            for (IValue v : iv) {
                if (v != null) {
                    v.close();
                }
            }
        }
    }

    private static IValue toIValue(Object a) {
        if (a instanceof PtNDArray) {
            return IValue.from((PtNDArray) a);
        } else if (a instanceof Integer) {
            return IValue.from(((Integer) a).longValue());
        } else if (a instanceof Long) {
            return IValue.from((Long) a);
        } else if (a instanceof Double) {
            return IValue.from((Double) a);
        } else if (a instanceof Float) {
            return IValue.from(((Float) a).doubleValue());
        } else if (a instanceof Boolean) {
            return IValue.from((Boolean) a);
        } else if (a instanceof long[]) {
            return IValue.listFrom((long[]) a);
        } else if (a instanceof double[]) {
            return IValue.listFrom((double[]) a);
        }
        throw new IllegalArgumentException("unsupported TorchScript argument: " + a);
    }
}
