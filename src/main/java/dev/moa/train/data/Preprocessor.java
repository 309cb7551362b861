package dev.moa.train.data;

import dev.moa.image.ClipImageProcessor;
import dev.moa.image.Resample;
import dev.moa.image.RgbImage;
import dev.moa.text.ClipTokenizer;
import dev.moa.text.Encoding;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Turns {@link SourceExample}s into {@link TrainingExample}s (MoA spec section 4, FastComposer's
 * {@code data.py} / {@code transforms.py}). Immutable and thread-safe; the result is a pure function of
 * the source example, the options and (seed, epoch, index), which is what makes {@link DataLoader}
 * deterministic and resumable.
 *
 * <p>Steps, in order:
 * <ol>
 *   <li><b>Binding.</b> The caption is tokenized ({@link ClipTokenizer#encodeDetailedPadded}); each subject
 *       binds to the last token of its word: for an {@code end} offset, the last word that starts before
 *       {@code end} (the word ending there, or containing character {@code end - 1}); for a word, its
 *       first occurrence not yet bound. Subjects are dropped, with a counted {@link DataWarnings}
 *       warning, when the mask is empty, the word is missing, the token lies beyond the 77-token limit,
 *       or an earlier subject has the same token.
 *   <li><b>Picture.</b> Shorter side resized to R (bilinear, antialiased: torchvision's {@code
 *       Resize(R)}), then an R x R window ({@link PreprocessOptions.CropMode}: random, centre, or pad to
 *       square instead), then a left-right flip with probability 1/2; values {@code v / 127.5 - 1}.
 *   <li><b>Masks.</b> Each subject's mask goes through the same resize (nearest, pixel-centre aligned),
 *       window and flip, so it stays on the subject; a subject with less than {@code minVisibleFraction}
 *       of its area left is dropped (counted).
 *   <li><b>Condition dropout.</b> With {@code unconditionalProbability} the caption becomes "" and all
 *       subjects go; else (text-only probability aside) each subject is dropped with {@code
 *       subjectDropProbability}, its word staying in the caption as plain text. If more than {@code
 *       maxSubjects} remain, a random {@code maxSubjects} are kept. Subjects are ordered by token position.
 *   <li><b>References.</b> Per subject, cut from the original picture (full resolution): the box
 *       (jittered), everything outside the subject's mask replaced by uniform noise (FastComposer's
 *       {@code RandomSegmentProcessor}), padded to a square with black (centred, as at inference),
 *       resized by the image encoder's CLIP preprocessing to S x S, augmented (flip, rotation, colour),
 *       and CLIP-normalised. A subject with its own reference photo uses that photo whole instead of a cut.
 * </ol>
 *
 * <p>Randomness comes from independent streams per purpose (crop, flip, dropout, and per subject its
 * augmentation and its noise), so switching one augmentation off does not change the others' draws.
 */
public final class Preprocessor {
    private static final long CROP = 1, FLIP = 2, DROPOUT = 3, REFERENCE = 4, NOISE = 5;

    private final ClipTokenizer tokenizer;
    private final PreprocessOptions options;
    private final ClipImageProcessor referenceProcessor;

    public Preprocessor(ClipTokenizer tokenizer, PreprocessOptions options) {
        this.tokenizer = tokenizer;
        this.options = options;
        this.referenceProcessor = options.referenceProcessor().withPadToSquare(false);
    }

    public ClipTokenizer tokenizer() {
        return tokenizer;
    }

    public PreprocessOptions options() {
        return options;
    }

    /** As {@link #prepare(SourceExample, long, long, long, DataWarnings)}, with warnings logged but not kept. */
    public TrainingExample prepare(SourceExample src, long seed, long epoch, long index) {
        return prepare(src, seed, epoch, index, new DataWarnings());
    }

    /**
     * Preprocesses {@code src}; every random choice comes from ({@code seed}, {@code epoch}, {@code index}),
     * so the same arguments always give the same example.
     */
    public TrainingExample prepare(SourceExample src, long seed, long epoch, long index, DataWarnings warnings) {
        int res = options.resolution();
        Encoding enc = tokenizer.encodeDetailedPadded(src.caption());
        List<Bound> bound = bind(src, enc, warnings);

        Geometry g = geometry(src.image(), Rng.of(seed, epoch, index, CROP), Rng.of(seed, epoch, index, FLIP));
        List<Bound> visible = new ArrayList<>();
        for (Bound b : bound) {
            SourceSubject s = src.subjects().get(b.sourceIndex);
            float[] mask = g.mapMask(s.mask());
            double expected = g.expectedArea(s.mask().area());
            if (sum(mask) < options.minVisibleFraction() * expected || sum(mask) == 0) {
                warnings.add(DataWarnings.Kind.CROPPED_OUT, src.id() + " subject '" + b.word + "'");
                continue;
            }
            visible.add(new Bound(b.sourceIndex, b.word, b.position, mask));
        }

        // condition dropout: a fixed number of draws whatever the outcome, so the stream stays aligned
        Rng dr = Rng.of(seed, epoch, index, DROPOUT);
        double u = dr.nextDouble();
        boolean unconditional = u < options.unconditionalProbability();
        boolean textOnly = !unconditional && u < options.unconditionalProbability() + options.textOnlyProbability();
        List<Bound> kept = new ArrayList<>();
        for (Bound b : visible) {
            boolean drop = dr.chance(options.subjectDropProbability());
            if (!unconditional && !textOnly && !drop) {
                kept.add(b);
            }
        }
        while (kept.size() > options.maxSubjects()) {
            kept.remove(dr.nextInt(kept.size()));
        }
        kept.sort(Comparator.comparingInt(b -> b.position));

        String caption = unconditional ? "" : src.caption();
        int[] ids = unconditional ? tokenizer.encodePadded("") : enc.ids();
        List<SubjectSample> subjects = new ArrayList<>();
        for (Bound b : kept) {
            RgbImage ref = referencePicture(src, b.sourceIndex, seed, epoch, index);
            subjects.add(new SubjectSample(b.word, b.position, b.mask, referenceProcessor.preprocess(ref), b.sourceIndex));
        }
        float[] image = ImageOps.toSignedChw(g.picture(src.image()));
        return new TrainingExample(src.id(), image, res, caption, ids, subjects, options.referenceSize(), unconditional,
                g.flipped);
    }

    private static float sum(float[] a) {
        float s = 0;
        for (float v : a) {
            s += v;
        }
        return s;
    }

    // ------------------------------------------------------------------------------------------ binding

    private record Bound(int sourceIndex, String word, int position, float[] mask) {
        Bound(int sourceIndex, String word, int position) {
            this(sourceIndex, word, position, null);
        }
    }

    private List<Bound> bind(SourceExample src, Encoding enc, DataWarnings warnings) {
        boolean[] used = new boolean[enc.length()];
        List<Bound> out = new ArrayList<>();
        for (int k = 0; k < src.subjects().size(); k++) {
            SourceSubject s = src.subjects().get(k);
            String what = src.id() + " subject " + (k + 1) + (s.word() != null ? " '" + s.word() + "'" : "");
            if (s.mask().isEmpty()) {
                warnings.add(DataWarnings.Kind.EMPTY_MASK, what);
                continue;
            }
            int pos;
            int word;
            if (s.end() >= 0) {
                word = wordBefore(enc, s.end());
                pos = word < 0 ? -2 : enc.lastPositionOfWord(word);
            } else {
                word = -1;
                pos = -2;
                for (int w : enc.findPhrase(s.word())) {
                    int p = enc.lastPositionOfWord(w);
                    if (p < 0) {
                        pos = -1; // an occurrence exists but lies beyond the limit
                        word = w;
                        continue;
                    }
                    if (!used[p]) {
                        pos = p;
                        word = w;
                        break;
                    }
                }
            }
            if (pos == -2) {
                warnings.add(DataWarnings.Kind.WORD_NOT_IN_CAPTION, what + " in \"" + src.caption() + "\"");
                continue;
            }
            if (pos < 0) {
                warnings.add(DataWarnings.Kind.TOKEN_BEYOND_LIMIT, what);
                continue;
            }
            if (used[pos]) {
                warnings.add(DataWarnings.Kind.SAME_TOKEN, what + " ('" + enc.wordText(word) + "')");
                continue;
            }
            used[pos] = true;
            out.add(new Bound(k, enc.wordText(word), pos));
        }
        return out;
    }

    /** The last word that starts before character {@code end}, or -1. */
    static int wordBefore(Encoding enc, int end) {
        for (int w = enc.wordCount() - 1; w >= 0; w--) {
            if (enc.wordStart(w) < end) {
                return w;
            }
        }
        return -1;
    }

    // ----------------------------------------------------------------------------------------- geometry

    /** Where the R x R training square comes from in the source picture. */
    private final class Geometry {
        final int w, h, res;
        final boolean pad, flipped;
        final int rw, rh, cx, cy; // crop modes: resized size and window offset
        final int side, padLeft, padTop; // pad mode
        final int[] srcX, srcY; // source pixel of each output column (before the flip) / row, -1 outside

        Geometry(int w, int h, Rng crop, Rng flip) {
            this.w = w;
            this.h = h;
            this.res = options.resolution();
            this.pad = options.crop() == PreprocessOptions.CropMode.PAD;
            double cu = crop.nextDouble(), cv = crop.nextDouble();
            this.flipped = options.flip() && flip.nextDouble() < 0.5;
            srcX = new int[res];
            srcY = new int[res];
            if (pad) {
                side = Math.max(w, h);
                padLeft = (side - w) / 2;
                padTop = (side - h) / 2;
                rw = rh = res;
                cx = cy = 0;
                for (int i = 0; i < res; i++) {
                    int sx = nearest(i, side, res) - padLeft, sy = nearest(i, side, res) - padTop;
                    srcX[i] = sx >= 0 && sx < w ? sx : -1;
                    srcY[i] = sy >= 0 && sy < h ? sy : -1;
                }
            } else {
                side = padLeft = padTop = 0;
                int[] wh = ClipImageProcessor.shortestEdgeSize(w, h, res);
                rw = wh[0];
                rh = wh[1];
                if (options.crop() == PreprocessOptions.CropMode.RANDOM) {
                    cx = (int) Math.floor(cu * (rw - res + 1));
                    cy = (int) Math.floor(cv * (rh - res + 1));
                } else {
                    cx = (rw - res) / 2;
                    cy = (rh - res) / 2;
                }
                for (int i = 0; i < res; i++) {
                    srcX[i] = nearest(cx + i, w, rw);
                    srcY[i] = nearest(cy + i, h, rh);
                }
            }
        }

        /** Pixel-centre aligned nearest neighbour ({@code nearest-exact}): source index of output index {@code i}. */
        private int nearest(int i, int in, int out) {
            return Math.min(in - 1, (int) Math.floor((i + 0.5) * in / out));
        }

        RgbImage picture(RgbImage src) {
            RgbImage img;
            if (pad) {
                img = Resample.resizeTorch(Resample.padToSquare(src, 0), res, res, Resample.Filter.BILINEAR);
            } else {
                img = Resample.resizeTorch(src, rw, rh, Resample.Filter.BILINEAR).crop(cx, cy, res, res);
            }
            return flipped ? ImageOps.flipHorizontal(img) : img;
        }

        float[] mapMask(BinaryMask m) {
            float[] out = new float[res * res];
            for (int y = 0; y < res; y++) {
                int sy = srcY[y];
                if (sy < 0) {
                    continue;
                }
                int row = sy * w;
                for (int x = 0; x < res; x++) {
                    int sx = srcX[flipped ? res - 1 - x : x];
                    if (sx >= 0) {
                        out[y * res + x] = m.at(row + sx);
                    }
                }
            }
            return out;
        }

        /** The area a source region of {@code area} pixels would have at training scale, uncropped. */
        double expectedArea(int area) {
            return pad ? area * (double) res * res / ((double) side * side) : area * (double) rw * rh / ((double) w * h);
        }
    }

    private Geometry geometry(RgbImage img, Rng crop, Rng flip) {
        return new Geometry(img.width(), img.height(), crop, flip);
    }

    // ---------------------------------------------------------------------------------------- references

    /**
     * The 8-bit reference picture of subject {@code subjectIndex} ({@code S x S}, after augmentation,
     * before CLIP normalisation) for ({@code seed}, {@code epoch}, {@code index}): what {@link #prepare}
     * normalises. For previews and tests.
     */
    public RgbImage referencePicture(SourceExample src, int subjectIndex, long seed, long epoch, long index) {
        SourceSubject s = src.subjects().get(subjectIndex);
        ReferenceAugmentation a = options.augmentation();
        Rng r = Rng.of(seed, epoch, index, REFERENCE, subjectIndex);
        // always the same draws, whichever augmentations are on
        double scale = 1 + a.scaleJitter() * (2 * r.nextDouble() - 1);
        double tx = a.translateJitter() * (2 * r.nextDouble() - 1);
        double ty = a.translateJitter() * (2 * r.nextDouble() - 1);
        boolean flip = r.nextDouble() < 0.5 && a.flip();
        double angle = a.rotationDegrees() * (2 * r.nextDouble() - 1);
        double bf = 1 + a.brightness() * (2 * r.nextDouble() - 1);
        double cf = 1 + a.contrast() * (2 * r.nextDouble() - 1);
        double sf = 1 + a.saturation() * (2 * r.nextDouble() - 1);

        RgbImage cut;
        if (s.reference() != null) {
            cut = s.reference();
        } else {
            Box box = jitter(s.bbox(), scale, tx, ty, src.image().width(), src.image().height());
            cut = cutOut(src.image(), s.mask(), box, Rng.of(seed, epoch, index, NOISE, subjectIndex));
        }
        RgbImage img = referenceProcessor.prepare(Resample.padToSquare(cut, 0));
        if (flip) {
            img = ImageOps.flipHorizontal(img);
        }
        img = ImageOps.rotate(img, angle);
        return ImageOps.colorJitter(img, bf, cf, sf);
    }

    private static Box jitter(Box b, double scale, double tx, double ty, int width, int height) {
        if (scale == 1 && tx == 0 && ty == 0) {
            return b;
        }
        double cx = (b.x0() + b.x1()) / 2.0 + tx * b.width(), cy = (b.y0() + b.y1()) / 2.0 + ty * b.height();
        double hw = b.width() * scale / 2, hh = b.height() * scale / 2;
        int x0 = (int) Math.round(cx - hw), x1 = (int) Math.round(cx + hw);
        int y0 = (int) Math.round(cy - hh), y1 = (int) Math.round(cy + hh);
        if (x1 <= x0 || y1 <= y0) {
            return b;
        }
        Box c = new Box(x0, y0, x1, y1).clip(width, height);
        return c != null ? c : b;
    }

    /** The box of {@code img}, with pixels outside {@code mask} replaced as the options say. */
    private RgbImage cutOut(RgbImage img, BinaryMask mask, Box box, Rng noise) {
        RgbImage crop = img.crop(box.x0(), box.y0(), box.width(), box.height());
        PreprocessOptions.ReferenceBackground bg = options.background();
        if (bg == PreprocessOptions.ReferenceBackground.KEEP) {
            return crop;
        }
        int w = box.width(), h = box.height(), iw = img.width();
        byte[] out = crop.data();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                long n = bg == PreprocessOptions.ReferenceBackground.NOISE ? noise.nextLong() : 0;
                if (mask.at((box.y0() + y) * iw + box.x0() + x) == 0) {
                    int o = (y * w + x) * 3;
                    out[o] = (byte) n;
                    out[o + 1] = (byte) (n >>> 8);
                    out[o + 2] = (byte) (n >>> 16);
                }
            }
        }
        return new RgbImage(w, h, out);
    }
}
