package dev.moa.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * PyTorch's CPU random generator, reproduced in Java: after {@code new TorchGenerator(s)}, {@link #randn}
 * gives the same numbers as {@code torch.manual_seed(s); torch.randn(shape)} on CPU in float32, so a seed
 * here means the same initial noise as in diffusers with a CPU generator.
 *
 * <p>PyTorch uses two different algorithms: tensors with fewer than 16 elements draw one double-precision
 * Box-Muller pair per two elements (and keep the spare value for the next call); larger tensors first fill
 * the buffer with 24-bit uniforms and transform them in blocks of 16, redoing the last 16 when the size is
 * not a multiple of 16. Both are implemented here.
 */
public final class TorchGenerator implements NoiseSource {

    private static final int N = 624;
    private static final int M = 397;

    private final int[] mt = new int[N];
    private int index;
    private final long seed;
    private boolean hasNextNormal;
    private double nextNormal;

    public TorchGenerator(long seed) {
        this.seed = seed;
        mt[0] = (int) seed;
        for (int i = 1; i < N; i++) {
            mt[i] = 1812433253 * (mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
        }
        index = N;
    }

    public long seed() {
        return seed;
    }

    /** One 32-bit output of the Mersenne Twister, as an unsigned value. */
    public long nextUInt32() {
        if (index >= N) {
            twist();
        }
        int y = mt[index++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y & 0xffffffffL;
    }

    private void twist() {
        for (int i = 0; i < N; i++) {
            int y = (mt[i] & 0x80000000) | (mt[(i + 1) % N] & 0x7fffffff);
            int v = mt[(i + M) % N] ^ (y >>> 1);
            if ((y & 1) != 0) {
                v ^= 0x9908b0df;
            }
            mt[i] = v;
        }
        index = 0;
    }

    /** PyTorch's random64(): two 32-bit draws, the first one high. */
    public long nextUInt64() {
        long hi = nextUInt32();
        long lo = nextUInt32();
        return (hi << 32) | lo;
    }

    /** uniform_real_distribution&lt;float&gt;(0, 1): 24 random bits. */
    public float nextFloatUniform() {
        return (float) ((nextUInt32() & ((1L << 24) - 1)) * (1.0 / (1L << 24)));
    }

    /** uniform_real_distribution&lt;double&gt;(0, 1): 53 random bits. */
    public double nextDoubleUniform() {
        return (nextUInt64() & ((1L << 53) - 1)) * (1.0 / (1L << 53));
    }

    /** normal_distribution&lt;double&gt;: Box-Muller with the spare value cached, as at::normal_distribution. */
    public double nextDoubleNormal() {
        if (hasNextNormal) {
            hasNextNormal = false;
            return nextNormal;
        }
        double u1 = nextDoubleUniform();
        double u2 = nextDoubleUniform();
        double r = Math.sqrt(-2.0 * Math.log1p(-u2));
        double theta = 2.0 * Math.PI * u1;
        nextNormal = r * Math.sin(theta);
        hasNextNormal = true;
        return r * Math.cos(theta);
    }

    /** {@code torch.randn(n)} in float32 from this generator. */
    public float[] randn(int n) {
        float[] data = new float[n];
        if (n < 16) {
            for (int i = 0; i < n; i++) {
                data[i] = (float) nextDoubleNormal();
            }
            return data;
        }
        for (int i = 0; i < n; i++) {
            data[i] = nextFloatUniform();
        }
        for (int i = 0; i + 16 <= n; i += 16) {
            boxMuller16(data, i);
        }
        if (n % 16 != 0) {
            int start = n - 16;
            for (int i = 0; i < 16; i++) {
                data[start + i] = nextFloatUniform();
            }
            boxMuller16(data, start);
        }
        return data;
    }

    /** normal_fill_16: the first 8 values become cos-normals, the next 8 sin-normals, in float arithmetic. */
    private static void boxMuller16(float[] data, int off) {
        for (int j = 0; j < 8; j++) {
            float u1 = 1f - data[off + j];
            float u2 = data[off + j + 8];
            // float arithmetic step by step, as PyTorch's kernel does it
            float radius = (float) Math.sqrt(-2f * (float) Math.log(u1));
            float theta = 2f * (float) Math.PI * u2;
            data[off + j] = radius * (float) Math.cos(theta);
            data[off + j + 8] = radius * (float) Math.sin(theta);
        }
    }

    /** {@code torch.randn(shape)} as an NDArray. */
    @Override
    public NDArray randn(NDManager manager, Shape shape) {
        return manager.create(randn(Math.toIntExact(shape.size())), shape);
    }

    /** {@code torch.randn(shape)} as an NDArray. */
    public NDArray randn(NDManager manager, long... shape) {
        return randn(manager, new Shape(shape));
    }
}
