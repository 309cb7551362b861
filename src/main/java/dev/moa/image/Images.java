package dev.moa.image;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.stream.ImageInputStream;
import org.w3c.dom.Node;

/**
 * Reads user pictures (subject photos, init images) as {@link RgbImage}s, the way the Python reference
 * gets them: {@code PIL.Image.open}, EXIF orientation applied ({@code ImageOps.exif_transpose}, as
 * transformers' {@code load_image} does), then {@code convert("RGB")}.
 *
 * <ul>
 *   <li>Formats: PNG, JPEG, BMP and GIF (its first frame), recognised by their leading bytes, not the
 *       file name. Anything else fails with a message naming the file and the supported formats.
 *   <li>Grey and palette images become RGB (grey copied to all channels, palette looked up).
 *   <li>Alpha is <em>dropped</em>, not composited: PIL's {@code convert("RGB")} keeps the stored colour of
 *       transparent pixels, and transformers' {@code convert_to_rgb} calls exactly that. A transparent
 *       PNG therefore shows whatever colour its transparent pixels carry (often black).
 *   <li>Samples wider than 8 bits (16-bit PNG) keep their most significant byte, as PIL does for RGB.
 *       (For 16-bit grey PIL clips instead, turning most of the picture white; we do not copy that.)
 *   <li>Embedded ICC profiles are ignored, as PIL does: pixel values are used as stored.
 *   <li>CMYK JPEGs are refused with a clear message (ImageIO cannot decode them).
 * </ul>
 */
public final class Images {
    private Images() {}

    /** Largest image decoded, in pixels (about 200 MB as 8-bit RGB; decoding allocates a few times that). */
    public static final long MAX_PIXELS = 64_000_000L;

    /** An image whose header announces more than {@link #MAX_PIXELS}. */
    static final class TooLargeException extends IIOException {
        TooLargeException(String message) {
            super(message);
        }
    }

    /** The formats {@link #read} accepts, as named in its error messages. */
    public static final String SUPPORTED = "png, jpeg, bmp, gif";

    /** Reads the image at {@code path}; every failure is an {@link IOException} whose message names the file. */
    public static RgbImage read(Path path) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new IOException(fail(path, "no such file"), e);
        } catch (AccessDeniedException e) {
            throw new IOException(fail(path, "permission denied"), e);
        } catch (IOException e) {
            throw new IOException(fail(path, Files.isDirectory(path) ? "is a directory" : String.valueOf(e.getMessage())),
                    e);
        }
        return decode(bytes, path.toString());
    }

    /** Decodes an image file's bytes; {@code name} is used in error messages. */
    public static RgbImage decode(byte[] bytes, String name) throws IOException {
        return decode(bytes, name, MAX_PIXELS);
    }

    /**
     * Decodes an image file's bytes, refusing (from the header, before decoding) images of more than
     * {@code maxPixels} pixels; {@code name} is used in error messages.
     */
    public static RgbImage decode(byte[] bytes, String name, long maxPixels) throws IOException {
        String format = sniff(bytes);
        if (format == null) {
            String what = bytes.length == 0 ? "empty file" : unsupportedName(bytes);
            throw new IOException("cannot read image " + name + ": " + what + " (supported: " + SUPPORTED + ")");
        }
        if (format.equals("jpeg") && jpegComponents(bytes) == 4) {
            throw new IOException("cannot read image " + name + ": CMYK JPEG is not supported; save it as RGB");
        }
        BufferedImage img;
        int[] offset = {0, 0, 0, 0}; // GIF: frame left, top, screen width, height
        try {
            img = readFirst(bytes, format, offset, Math.min(maxPixels, MAX_PIXELS));
        } catch (TooLargeException e) {
            throw new IOException("cannot read image " + name + ": " + e.getMessage(), e);
        } catch (IIOException e) {
            String msg = e.getMessage() == null ? "" : e.getMessage();
            if (msg.contains("Unsupported Image Type")) {
                throw new IOException("cannot read image " + name + ": unsupported " + format
                        + " colour type (CMYK/YCCK?); save it as RGB", e);
            }
            throw new IOException("cannot read image " + name + ": corrupt or truncated " + format + " file ("
                    + causeText(e) + ")", e);
        } catch (IOException | RuntimeException e) {
            // ImageIO decoders throw assorted runtime exceptions on corrupt data
            throw new IOException("cannot read image " + name + ": corrupt or truncated " + format + " file ("
                    + causeText(e) + ")", e);
        }
        if (img == null) {
            throw new IOException("cannot read image " + name + ": no image in the " + format + " file");
        }
        RgbImage rgb = RgbImage.fromBufferedImage(img);
        if (format.equals("gif")) {
            rgb = onScreen(rgb, offset);
        }
        return ExifOrientation.apply(rgb, ExifOrientation.read(bytes));
    }

    private static String fail(Path path, String why) {
        return "cannot read image " + path + ": " + why;
    }

    private static String causeText(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null && sb.length() < 200; t = t.getCause()) {
            if (sb.length() > 0) {
                sb.append(": ");
            }
            sb.append(t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName());
        }
        return sb.toString();
    }

    /** The format from the file's magic bytes, or null. */
    static String sniff(byte[] b) {
        if (startsWith(b, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
            return "png";
        }
        if (startsWith(b, 0xFF, 0xD8, 0xFF)) {
            return "jpeg";
        }
        if (startsWith(b, 'G', 'I', 'F', '8') && b.length > 5 && (b[4] == '7' || b[4] == '9') && b[5] == 'a') {
            return "gif";
        }
        if (startsWith(b, 'B', 'M') && b.length >= 26) {
            return "bmp";
        }
        return null;
    }

    private static String unsupportedName(byte[] b) {
        if (startsWith(b, 'R', 'I', 'F', 'F') && b.length >= 12 && b[8] == 'W' && b[9] == 'E' && b[10] == 'B'
                && b[11] == 'P') {
            return "unsupported format webp";
        }
        if (startsWith(b, 'I', 'I', 42, 0) || startsWith(b, 'M', 'M', 0, 42)) {
            return "unsupported format tiff";
        }
        if (b.length >= 12 && b[4] == 'f' && b[5] == 't' && b[6] == 'y' && b[7] == 'p') {
            String brand = new String(b, 8, 4, java.nio.charset.StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
            return "unsupported format " + (brand.startsWith("avi") ? "avif" : brand.startsWith("hei")
                    || brand.startsWith("mif") ? "heic" : "iso-bmff (" + brand.trim() + ")");
        }
        if (startsWith(b, '8', 'B', 'P', 'S')) {
            return "unsupported format psd";
        }
        if (startsWith(b, 0, 0, 1, 0)) {
            return "unsupported format ico";
        }
        return "unsupported or unrecognised format";
    }

    private static boolean startsWith(byte[] b, int... magic) {
        if (b.length < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if ((b[i] & 0xFF) != (magic[i] & 0xFF)) {
                return false;
            }
        }
        return true;
    }

    /** The number of colour components in a JPEG's first SOF segment, or 0 if none is found. */
    static int jpegComponents(byte[] b) {
        int p = 2;
        while (p + 4 <= b.length) {
            if ((b[p] & 0xFF) != 0xFF) {
                return 0;
            }
            int m = b[p + 1] & 0xFF;
            if (m == 0xFF) {
                p++;
                continue;
            }
            if (m == 0x01 || (m >= 0xD0 && m <= 0xD8)) {
                p += 2;
                continue;
            }
            if (m == 0xDA || m == 0xD9) {
                return 0;
            }
            int len = (b[p + 2] & 0xFF) << 8 | (b[p + 3] & 0xFF);
            boolean sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
            if (sof && p + 9 < b.length) {
                return b[p + 9] & 0xFF;
            }
            p += 2 + len;
        }
        return 0;
    }

    private static BufferedImage readFirst(byte[] bytes, String format, int[] gifPlacement, long maxPixels)
            throws IOException {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format);
        if (!readers.hasNext()) {
            throw new IIOException("no ImageIO reader for " + format);
        }
        ImageReader reader = readers.next();
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in, false, false);
            long w = reader.getWidth(0), h = reader.getHeight(0);   // from the header: nothing decoded yet
            if (w * h > maxPixels) {
                throw new TooLargeException(String.format(Locale.ROOT, "%d x %d pixels (%.0f megapixels) is over the"
                        + " limit of %s megapixels; scale it down first (subject photos are used at 224 px)", w, h,
                        w * h / 1e6, maxPixels % 1_000_000 == 0 ? Long.toString(maxPixels / 1_000_000)
                                : String.format(Locale.ROOT, "%.2f", maxPixels / 1e6)));
            }
            String[] truncated = {null};
            reader.addIIOReadWarningListener(new IIOReadWarningListener() {
                @Override
                public void warningOccurred(ImageReader source, String warning) {
                    // libjpeg reports a cut-off file only as a warning and fills the rest with grey; PIL fails
                    if (warning != null && warning.toLowerCase(Locale.ROOT).contains("premature end")) {
                        truncated[0] = warning;
                    }
                }
            });
            BufferedImage img = reader.read(0);
            if (truncated[0] != null) {
                throw new IIOException(truncated[0]);
            }
            if (format.equals("gif")) {
                gifPlacement(reader, gifPlacement);
            }
            return img;
        } finally {
            reader.dispose();
        }
    }

    /** The first frame's position and the logical screen size from the GIF metadata (0 when unknown). */
    private static void gifPlacement(ImageReader reader, int[] out) {
        try {
            IIOMetadata stream = reader.getStreamMetadata();
            IIOMetadata image = reader.getImageMetadata(0);
            Node screen = child(stream.getAsTree("javax_imageio_gif_stream_1.0"), "LogicalScreenDescriptor");
            Node desc = child(image.getAsTree("javax_imageio_gif_image_1.0"), "ImageDescriptor");
            if (screen != null && desc != null) {
                out[0] = attr(desc, "imageLeftPosition");
                out[1] = attr(desc, "imageTopPosition");
                out[2] = attr(screen, "logicalScreenWidth");
                out[3] = attr(screen, "logicalScreenHeight");
            }
        } catch (IOException | RuntimeException e) {
            // no usable metadata: keep the frame as it is
        }
    }

    private static Node child(Node n, String name) {
        for (Node c = n.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c.getNodeName().equals(name)) {
                return c;
            }
        }
        return null;
    }

    private static int attr(Node n, String name) {
        Node a = n.getAttributes().getNamedItem(name);
        return a == null ? 0 : Integer.parseInt(a.getNodeValue());
    }

    /** A first GIF frame smaller than the logical screen, placed on it (black elsewhere) as PIL shows it. */
    private static RgbImage onScreen(RgbImage frame, int[] p) {
        int left = p[0], top = p[1], sw = p[2], sh = p[3];
        if (sw <= 0 || sh <= 0 || (left == 0 && top == 0 && frame.width() == sw && frame.height() == sh)) {
            return frame;
        }
        if (left + frame.width() > sw || top + frame.height() > sh) {
            return frame; // inconsistent header: show the frame alone
        }
        return Resample.pad(frame, sw, sh, left, top, 0);
    }
}
