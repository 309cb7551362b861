/**
 * The image side of the project: reading user pictures ({@link dev.moa.image.Images}, with EXIF
 * orientation from {@link dev.moa.image.ExifOrientation}), an 8-bit RGB raster
 * ({@link dev.moa.image.RgbImage}), resampling ({@link dev.moa.image.Resample}), CLIP image
 * preprocessing ({@link dev.moa.image.ClipImageProcessor}), and writing results: PNG with text chunks
 * ({@link dev.moa.image.PngWriter}, {@link dev.moa.image.PngText}), animated GIF
 * ({@link dev.moa.image.GifWriter}), picture sheets ({@link dev.moa.image.Sheet}) and heat maps
 * ({@link dev.moa.image.Heatmap}).
 *
 * <p>Parity with the Python reference is bit-exact where it matters: transformers 5's default
 * {@code CLIPImageProcessor} runs torchvision, whose CPU resize of a uint8 image is PyTorch's native
 * antialiased uint8 kernel ({@link dev.moa.image.Resample#resizeTorch}); the older PIL path is
 * {@link dev.moa.image.Resample#resize}. Both reproduce their originals byte for byte, and the
 * reference fixtures' {@code pixel_values} exactly.
 *
 * <p>Everything uses the JDK only ({@code javax.imageio}, {@code java.awt.image}) and works with
 * {@code java.awt.headless=true}. Every file written goes through {@link dev.moa.io.AtomicFiles}.
 */
package dev.moa.image;
