package dev.moa.image;

/**
 * The EXIF orientation tag (0x0112 in IFD0) and the transposition that shows the picture upright, as
 * PIL's {@code ImageOps.exif_transpose} (which transformers' {@code load_image} calls) applies it.
 * Cameras store the sensor's pixels and record the rotation here, so a portrait photo from a phone is
 * stored sideways with orientation 6.
 *
 * <p>The tag is parsed here from the raw bytes: JPEG APP1 "Exif" segments and PNG {@code eXIf} chunks.
 * Anything malformed counts as "no orientation" (1), never as an error, as PIL does.
 */
public final class ExifOrientation {
    private ExifOrientation() {}

    /** The orientation (1..8) recorded in a JPEG or PNG file's bytes; 1 when absent or invalid. */
    public static int read(byte[] file) {
        try {
            if (file.length > 3 && (file[0] & 0xFF) == 0xFF && (file[1] & 0xFF) == 0xD8) {
                return fromJpeg(file);
            }
            if (file.length > 8 && (file[0] & 0xFF) == 0x89 && file[1] == 'P' && file[2] == 'N' && file[3] == 'G') {
                return fromPng(file);
            }
        } catch (IndexOutOfBoundsException e) {
            // truncated or malformed metadata: ignore it like PIL
        }
        return 1;
    }

    private static int fromJpeg(byte[] b) {
        int p = 2;
        while (p + 4 <= b.length) {
            if ((b[p] & 0xFF) != 0xFF) {
                return 1; // lost sync: stop looking
            }
            int marker = b[p + 1] & 0xFF;
            if (marker == 0xFF) {
                p++; // fill byte
                continue;
            }
            if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                p += 2; // markers without a length
                continue;
            }
            if (marker == 0xDA || marker == 0xD9) {
                return 1; // image data starts: metadata is over
            }
            int len = u16(b, p + 2, false);
            int payload = p + 4;
            if (marker == 0xE1 && len >= 8 && b[payload] == 'E' && b[payload + 1] == 'x' && b[payload + 2] == 'i'
                    && b[payload + 3] == 'f' && b[payload + 4] == 0 && b[payload + 5] == 0) {
                return fromTiff(b, payload + 6, Math.min(b.length, p + 2 + len));
            }
            p += 2 + len;
        }
        return 1;
    }

    private static int fromPng(byte[] b) {
        int p = 8;
        while (p + 8 <= b.length) {
            int len = (int) u32(b, p, false);
            if (len < 0) {
                return 1;
            }
            String type = new String(b, p + 4, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
            if (type.equals("eXIf")) {
                return fromTiff(b, p + 8, Math.min(b.length, p + 8 + len));
            }
            if (type.equals("IEND")) {
                return 1; // (PIL also finds an eXIf after the image data, so keep looking until here)
            }
            p += 12 + len;
        }
        return 1;
    }

    /** The orientation in the TIFF structure at {@code start} (byte order, magic 42, IFD0 entries). */
    static int fromTiff(byte[] b, int start, int end) {
        if (start + 8 > end) {
            return 1;
        }
        boolean little;
        if (b[start] == 'I' && b[start + 1] == 'I') {
            little = true;
        } else if (b[start] == 'M' && b[start + 1] == 'M') {
            little = false;
        } else {
            return 1;
        }
        if (u16(b, start + 2, little) != 42) {
            return 1;
        }
        long ifd = u32(b, start + 4, little);
        if (ifd < 8 || start + ifd + 2 > end) {
            return 1;
        }
        int p = start + (int) ifd;
        int n = u16(b, p, little);
        p += 2;
        for (int i = 0; i < n && p + 12 <= end; i++, p += 12) {
            if (u16(b, p, little) != 0x0112) {
                continue;
            }
            int type = u16(b, p + 2, little);
            long v = type == 3 ? u16(b, p + 8, little) : type == 4 ? u32(b, p + 8, little) : 0;
            return v >= 1 && v <= 8 ? (int) v : 1;
        }
        return 1;
    }

    private static int u16(byte[] b, int p, boolean little) {
        int a = b[p] & 0xFF, c = b[p + 1] & 0xFF;
        return little ? a | c << 8 : a << 8 | c;
    }

    private static long u32(byte[] b, int p, boolean little) {
        long lo = u16(b, little ? p : p + 2, little), hi = u16(b, little ? p + 2 : p, little);
        return hi << 16 | lo;
    }

    /**
     * The image turned upright for {@code orientation}: 2 mirror left-right, 3 rotate 180, 4 mirror
     * top-bottom, 5 transpose, 6 rotate 90 clockwise, 7 transverse, 8 rotate 90 counter-clockwise
     * (PIL's FLIP_LEFT_RIGHT, ROTATE_180, FLIP_TOP_BOTTOM, TRANSPOSE, ROTATE_270, TRANSVERSE, ROTATE_90).
     * 1 or any other value returns the image unchanged.
     */
    public static RgbImage apply(RgbImage in, int orientation) {
        if (orientation < 2 || orientation > 8) {
            return in;
        }
        int w = in.width(), h = in.height();
        boolean swap = orientation >= 5;
        int ow = swap ? h : w, oh = swap ? w : h;
        byte[] src = in.raw();
        byte[] out = new byte[src.length];
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                int sx, sy; // source pixel of output (x, y)
                switch (orientation) {
                    case 2: sx = w - 1 - x; sy = y; break;
                    case 3: sx = w - 1 - x; sy = h - 1 - y; break;
                    case 4: sx = x; sy = h - 1 - y; break;
                    case 5: sx = y; sy = x; break;
                    case 6: sx = y; sy = h - 1 - x; break;
                    case 7: sx = w - 1 - y; sy = h - 1 - x; break;
                    default: sx = w - 1 - y; sy = x; break; // 8
                }
                int s = (sy * w + sx) * 3, o = (y * ow + x) * 3;
                out[o] = src[s];
                out[o + 1] = src[s + 1];
                out[o + 2] = src[s + 2];
            }
        }
        return RgbImage.wrap(ow, oh, out);
    }
}
