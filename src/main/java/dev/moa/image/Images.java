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
 *   <li>CMYK and YCCK JPEGs are decoded through TwelveMonkeys' plug-in and converted to RGB as Pillow does
 *       ({@code (255 - C)(255 - K) / 255}, no ICC profile); every other JPEG through the JDK's own reader.
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
        BufferedImage img;
        int[] offset = {0, 0, 0, 0}; // GIF: frame left, top, screen width, height
        try {
            if (format.equals("jpeg") && jpegComponents(bytes) == 4) {   // CMYK or YCCK (cameras, Photoshop)
                return ExifOrientation.apply(cmykJpeg(bytes, Math.min(maxPixels, MAX_PIXELS)),
                        ExifOrientation.read(bytes));
            }
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

    /** What a look at one JPEG marker segment found, or null to go on to the next one. */
    private interface SegmentCheck {
        Integer check(int marker, int at, int length);
    }

    /**
     * Walks a JPEG's marker segments up to the scan data, calling {@code check} with each segment's marker, its
     * start and its length field; returns the first non-null answer, or {@code otherwise}.
     */
    private static int scanJpeg(byte[] b, SegmentCheck check, int otherwise) {
        int p = 2;
        while (p + 4 <= b.length) {
            if ((b[p] & 0xFF) != 0xFF) {
                return otherwise;
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
                return otherwise;
            }
            int len = (b[p + 2] & 0xFF) << 8 | (b[p + 3] & 0xFF);
            Integer found = check.check(m, p, len);
            if (found != null) {
                return found;
            }
            p += 2 + len;
        }
        return otherwise;
    }

    /** The number of colour components in a JPEG's first SOF segment, or 0 if none is found. */
    static int jpegComponents(byte[] b) {
        return scanJpeg(b, (m, p, len) -> {
            boolean sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
            return sof && p + 9 < b.length ? b[p + 9] & 0xFF : null;
        }, 0);
    }

    /**
     * The reader for a format: for JPEG the JDK's own (the one our parity with PIL was measured on; the
     * TwelveMonkeys plug-in on the class path would otherwise come first), or with {@code cmyk} TwelveMonkeys'.
     */
    private static ImageReader reader(String format, boolean cmyk) throws IIOException {
        ImageReader first = null;
        for (Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName(format); it.hasNext(); ) {
            ImageReader r = it.next();
            String cls = r.getClass().getName();
            if (format.equals("jpeg") && (cmyk ? cls.startsWith("com.twelvemonkeys.") : cls.startsWith("com.sun."))) {
                return r;
            }
            first = first == null ? r : first;
        }
        if (first == null || cmyk) {
            throw new IIOException("no ImageIO reader for " + (cmyk ? "CMYK JPEG" : format));
        }
        return first;
    }

    /**
     * A 4-component JPEG as Pillow reads it: libjpeg's samples (YCCK turned into CMY as libjpeg's
     * {@code ycck_cmyk_convert} does), inverted when an Adobe segment is present (Pillow's "CMYK;I"), then
     * Pillow's {@code convert("RGB")}: R = (255 - C)(255 - K) / 255, rounded as Pillow's {@code MULDIV255}. No ICC
     * profile is applied, as in Pillow.
     */
    private static RgbImage cmykJpeg(byte[] bytes, long maxPixels) throws IOException {
        ImageReader reader = reader("jpeg", true);
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in, false, false);
            long w = reader.getWidth(0), h = reader.getHeight(0);
            if (w * h > maxPixels) {
                throw new TooLargeException(tooLarge(w, h, maxPixels));
            }
            java.awt.image.Raster r = reader.readRaster(0, null);
            if (r.getNumBands() != 4) {
                throw new IIOException("expected 4 colour components, the decoder gave " + r.getNumBands());
            }
            int adobe = jpegAdobeTransform(bytes);
            int width = r.getWidth(), height = r.getHeight();
            byte[] out = new byte[width * height * 3];
            int[] px = new int[4];
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    r.getPixel(r.getMinX() + x, r.getMinY() + y, px);
                    int c = px[0], m = px[1], ye = px[2], k = px[3];
                    if (adobe == 2) {   // YCCK (checked against Pillow on an ImageMagick-written file)
                        double yy = px[0], cb = px[1] - 128, cr = px[2] - 128;
                        c = 255 - clip8((int) Math.round(yy + 1.40200 * cr));
                        m = 255 - clip8((int) Math.round(yy - 0.34414 * cb - 0.71414 * cr));
                        ye = 255 - clip8((int) Math.round(yy + 1.77200 * cb));
                    }
                    if (adobe >= 0) {   // Adobe's convention: stored inverted
                        c = 255 - c;
                        m = 255 - m;
                        ye = 255 - ye;
                        k = 255 - k;
                    }
                    int i = (y * width + x) * 3;
                    out[i] = (byte) mulDiv255(255 - c, 255 - k);
                    out[i + 1] = (byte) mulDiv255(255 - m, 255 - k);
                    out[i + 2] = (byte) mulDiv255(255 - ye, 255 - k);
                }
            }
            return new RgbImage(width, height, out);
        } finally {
            reader.dispose();
        }
    }

    /** a * b / 255 rounded, in Pillow's integer form ({@code MULDIV255}). */
    private static int mulDiv255(int a, int b) {
        int t = a * b + 128;
        return ((t >> 8) + t) >> 8;
    }

    private static int clip8(int v) {
        return v < 0 ? 0 : Math.min(255, v);
    }

    /** The transform byte of a JPEG's Adobe APP14 segment (0 CMYK/RGB, 1 YCbCr, 2 YCCK), or -1 without one. */
    static int jpegAdobeTransform(byte[] b) {
        return scanJpeg(b, (m, p, len) -> m == 0xEE && len >= 14 && p + 4 + 12 <= b.length && b[p + 4] == 'A'
                && b[p + 5] == 'd' && b[p + 6] == 'o' && b[p + 7] == 'b' && b[p + 8] == 'e' ? b[p + 4 + 11] & 0xFF : null,
                -1);
    }

    private static String tooLarge(long w, long h, long maxPixels) {
        return String.format(Locale.ROOT, "%d x %d pixels (%.0f megapixels) is over the limit of %s megapixels; scale it"
                + " down first (subject photos are used at 224 px)", w, h, w * h / 1e6, maxPixels % 1_000_000 == 0
                ? Long.toString(maxPixels / 1_000_000) : String.format(Locale.ROOT, "%.2f", maxPixels / 1e6));
    }

    private static BufferedImage readFirst(byte[] bytes, String format, int[] gifPlacement, long maxPixels)
            throws IOException {
        ImageReader reader = reader(format, false);
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in, false, false);
            long w = reader.getWidth(0), h = reader.getHeight(0);   // from the header: nothing decoded yet
            if (w * h > maxPixels) {
                throw new TooLargeException(tooLarge(w, h, maxPixels));
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
