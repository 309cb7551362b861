package dev.moa.tensor;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * {@link Ops} on libtorch's native kernels ({@code scaled_dot_product_attention}, {@code group_norm},
 * {@code silu}, {@code to}), reached through a TorchScript module whose source is written here in Java
 * and loaded from memory; no Python involved. Methods run with autograd enabled, so their results take
 * part in backward passes like any other op (java-stack.md section 5).
 *
 * <p>Calls go through DJL's public {@link IValueUtils#forward(PtSymbolBlock, NDList, boolean)} with
 * {@code isTrain = true} (grad mode on; {@code IValueUtils.runMethod} would run under no-grad), naming the method
 * with DJL's {@code module_method:NAME} placeholder array. That route takes tensors only, so the methods take
 * their scalar arguments (groups, eps, scale, causal, dim, dtype) as 0-d CPU tensors and convert them inside;
 * the few distinct values are created once and kept.
 */
public final class TorchScriptOps implements Ops {

    private static final String CLASS = "MoaOps";

    /** TorchScript source of the methods, in the serialized-code dialect. */
    private static final String METHODS = ""
            + "  def sdpa(self: __torch__." + CLASS + ",\n    q: Tensor,\n    k: Tensor,\n    v: Tensor,\n"
            + "    causal: Tensor,\n    scale: Tensor) -> Tensor:\n"
            + "    return torch.scaled_dot_product_attention(q, k, v, None, 0., bool(causal), scale=float(scale))\n"
            + "  def group_norm(self: __torch__." + CLASS + ",\n    x: Tensor,\n    groups: Tensor,\n    w: Tensor,\n"
            + "    b: Tensor,\n    eps: Tensor) -> Tensor:\n"
            + "    return torch.group_norm(x, int(groups), w, b, float(eps), False)\n"
            // silu in place on the fresh norm output when no gradient will need it: one pass and one buffer less
            + "  def group_norm_silu(self: __torch__." + CLASS + ",\n    x: Tensor,\n    groups: Tensor,\n    w: Tensor,\n"
            + "    b: Tensor,\n    eps: Tensor) -> Tensor:\n"
            + "    y = torch.group_norm(x, int(groups), w, b, float(eps), False)\n"
            + "    if y.requires_grad:\n"
            + "      return torch.silu(y)\n"
            + "    return torch.silu_(y)\n"
            + "  def silu(self: __torch__." + CLASS + ",\n    x: Tensor) -> Tensor:\n"
            + "    return torch.silu(x)\n"
            + "  def to_dtype(self: __torch__." + CLASS + ",\n    x: Tensor,\n    dtype: Tensor) -> Tensor:\n"
            + "    return torch.to(x, int(dtype))\n"
            + "  def softmax(self: __torch__." + CLASS + ",\n    x: Tensor,\n    dim: Tensor) -> Tensor:\n"
            + "    return torch.softmax(x, int(dim))\n";

    private static volatile TorchScriptOps instance;

    /** More distinct scalar values than any model uses; beyond it, scalars are made per call and freed. */
    private static final int MAX_CACHED_SCALARS = 256;

    private final PtSymbolBlock module;
    /** Never closed: the method-name placeholders and the cached scalar arguments. */
    private final NDManager constants;
    private final Map<String, NDArray> methods = new ConcurrentHashMap<>();
    private final Map<Object, NDArray> scalars = new ConcurrentHashMap<>();

    private TorchScriptOps(PtSymbolBlock module) {
        this.module = module;
        this.constants = Engine.getEngine("PyTorch").newBaseManager();
    }

    /** Loads the module once per process. */
    public static TorchScriptOps instance() {
        TorchScriptOps o = instance;
        if (o == null) {
            synchronized (TorchScriptOps.class) {
                if (instance == null) {
                    instance = new TorchScriptOps(load());
                }
                o = instance;
            }
        }
        return o;
    }

    private static PtSymbolBlock load() {
        // a manager of its own that is never closed: the module lives as long as the process
        NDManager m = Engine.getEngine("PyTorch").newBaseManager();
        try {
            return JniUtils.loadModule((PtNDManager) m, new ByteArrayInputStream(archive()), true, false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load the TorchScript ops module", e);
        }
    }

    /** The TorchScript zip: data.pkl (the pickled module object), code, constants, version. */
    static byte[] archive() throws IOException {
        String code = "class " + CLASS + "(Module):\n  __parameters__ = []\n  __buffers__ = []\n  training : bool\n"
                + METHODS;
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bos)) {
            putStored(z, "archive/data.pkl", modulePickle());
            putStored(z, "archive/code/__torch__.py", code.getBytes(StandardCharsets.UTF_8));
            putStored(z, "archive/constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'});
            putStored(z, "archive/version", "6\n".getBytes(StandardCharsets.UTF_8));
        }
        return bos.toByteArray();
    }

    /** Protocol-2 pickle of {@code __torch__.MoaOps} with {@code training=True}. */
    private static byte[] modulePickle() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(0x80);
        b.write(2);
        b.writeBytes(("c__torch__\n" + CLASS + "\n").getBytes(StandardCharsets.UTF_8));
        b.write(')');
        b.write(0x81);
        b.write('}');
        b.write('(');
        b.write('X');
        b.writeBytes(new byte[] {8, 0, 0, 0});
        b.writeBytes("training".getBytes(StandardCharsets.UTF_8));
        b.write(0x88);
        b.write('u');
        b.write('b');
        b.write('.');
        return b.toByteArray();
    }

    private static void putStored(ZipOutputStream z, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        z.putNextEntry(e);
        z.write(data);
        z.closeEntry();
    }

    /** Runs {@code method} with grad mode on; the result lands in the manager of the first input. */
    private NDArray call(String method, NDArray... inputs) {
        NDList list = new NDList(inputs.length + 1);
        for (NDArray a : inputs) {
            list.add(a);
        }
        list.add(methods.computeIfAbsent(method, name -> {
            NDArray tag = constants.create(new float[0]);
            tag.setName("module_method:" + name);
            return tag;
        }));
        return IValueUtils.forward(module, list, true).singletonOrThrow();
    }

    /** A 0-d CPU tensor holding {@code value} (Long, Double or Boolean), kept for reuse. */
    private NDArray scalar(Object value, NDArray like) {
        NDArray cached = scalars.get(value);
        if (cached != null) {
            return cached;
        }
        if (scalars.size() >= MAX_CACHED_SCALARS) {
            return create(like.getManager(), value);
        }
        return scalars.computeIfAbsent(value, v -> create(constants, v));
    }

    private static NDArray create(NDManager m, Object v) {
        if (v instanceof Long) {
            return m.create((long) (Long) v);
        } else if (v instanceof Double) {
            return m.create((double) (Double) v);
        } else if (v instanceof Boolean) {
            return m.create((boolean) (Boolean) v);
        }
        throw new IllegalArgumentException("unsupported TorchScript scalar: " + v);
    }

    @Override
    public NDArray groupNorm(NDArray x, int groups, NDArray gamma, NDArray beta, double eps) {
        return call("group_norm", x, scalar((long) groups, x), gamma, beta, scalar(eps, x));
    }

    @Override
    public NDArray groupNormSilu(NDArray x, int groups, NDArray gamma, NDArray beta, double eps) {
        return call("group_norm_silu", x, scalar((long) groups, x), gamma, beta, scalar(eps, x));
    }

    @Override
    public NDArray silu(NDArray x) {
        return call("silu", x);
    }

    @Override
    public NDArray attention(NDArray q, NDArray k, NDArray v, double scale, boolean causal) {
        return call("sdpa", q, k, v, scalar(causal, q), scalar(scale, q));
    }

    @Override
    public NDArray softmax(NDArray x, int axis) {
        return call("softmax", x, scalar((long) axis, x));
    }

    @Override
    public NDArray cast(NDArray x, Precision precision) {
        return call("to_dtype", x, scalar((long) precision.torchCode(), x));
    }

    @Override
    public String name() {
        return "torchscript";
    }
}
