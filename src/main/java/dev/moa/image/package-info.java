/**
 * The image side of the project: reading user pictures ({@link dev.moa.image.Images}), an 8-bit RGB
 * raster ({@link dev.moa.image.RgbImage}), Pillow-exact resampling ({@link dev.moa.image.Resample}),
 * CLIP image preprocessing with parity to transformers' {@code CLIPImageProcessor}
 * ({@link dev.moa.image.ClipImageProcessor}), and writing results: PNG with text chunks
 * ({@link dev.moa.image.PngWriter}, {@link dev.moa.image.PngText}), animated GIF
 * ({@link dev.moa.image.GifWriter}), picture sheets ({@link dev.moa.image.Sheet}) and heat maps
 * ({@link dev.moa.image.Heatmap}).
 *
 * <p>Everything uses the JDK only ({@code javax.imageio}, {@code java.awt.image}) and works with
 * {@code java.awt.headless=true}. Every file written goes through {@link dev.moa.io.AtomicFiles}.
 */
package dev.moa.image;
