package dev.moa.server;

/**
 * What one request may ask for; each refused request gets a 4xx naming the limit and the flag that changes it.
 *
 * @param maxBodyBytes largest request body (base64 photos included)
 * @param maxImagePixels largest uploaded picture, checked from its header before decoding
 * @param maxSteps sampling steps per image
 * @param maxImages images one request may produce (batch_size x n_iter, seeds x subject sets, morph frames)
 * @param maxSide largest width or height
 * @param queue jobs that may wait behind the running one; more get 503 with Retry-After
 */
public record Limits(long maxBodyBytes, long maxImagePixels, int maxSteps, int maxImages, int maxSide, int queue) {
    public Limits {
        if (maxBodyBytes < 1024 || maxImagePixels < 1 || maxSteps < 1 || maxImages < 1 || maxSide < 8 || queue < 0) {
            throw new IllegalArgumentException("server limits must be positive (queue >= 0)");
        }
    }

    /** 32 MB bodies, 16 MP photos, 150 steps (A1111's slider), 16 images, 2048 px sides, 16 waiting jobs. */
    public static Limits defaults() {
        return new Limits(32L << 20, 16_000_000L, 150, 16, 2048, 16);
    }

    public Limits withQueue(int q) {
        return new Limits(maxBodyBytes, maxImagePixels, maxSteps, maxImages, maxSide, q);
    }
}
