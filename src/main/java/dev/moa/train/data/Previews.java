package dev.moa.train.data;

import dev.moa.image.ClipImageProcessor;
import dev.moa.image.Resample;
import dev.moa.image.RgbImage;
import dev.moa.image.Sheet;
import java.util.ArrayList;
import java.util.List;

/**
 * Pictures of what the trainer is fed, for checking a data pipeline by eye: the training picture with
 * each subject's mask tinted (red, green, blue, yellow for slots 1-4), and the subjects' references
 * un-normalised, all at the training resolution.
 */
public final class Previews {
    private Previews() {}

    private static final int[] TINTS = {0xFF3030, 0x30FF30, 0x3080FF, 0xFFE030};

    /** The training picture, back to 8 bits. */
    public static RgbImage picture(TrainingExample e) {
        int r = e.resolution();
        float[] chw = e.image().clone();
        for (int i = 0; i < chw.length; i++) {
            chw[i] = (chw[i] + 1) / 2;
        }
        return RgbImage.fromFloatChw(chw, r, r);
    }

    /** The picture with the subject masks tinted (half-transparent). */
    public static RgbImage masked(TrainingExample e) {
        RgbImage pic = picture(e);
        int r = e.resolution();
        byte[] d = pic.data();
        for (int k = 0; k < e.subjects().size(); k++) {
            float[] m = e.subjects().get(k).mask();
            int tint = TINTS[k % TINTS.length];
            for (int p = 0; p < r * r; p++) {
                if (m[p] > 0) {
                    for (int c = 0; c < 3; c++) {
                        int v = d[p * 3 + c] & 0xFF, t = (tint >> (16 - 8 * c)) & 0xFF;
                        d[p * 3 + c] = (byte) ((v + t) / 2);
                    }
                }
            }
        }
        return new RgbImage(r, r, d);
    }

    /** Subject {@code k}'s reference, un-normalised with {@code processor}'s mean and std ({@code S x S}). */
    public static RgbImage reference(TrainingExample e, int k, ClipImageProcessor processor) {
        int s = e.referenceSize();
        float[] mean = processor.mean(), std = processor.std();
        float[] chw = e.subjects().get(k).reference().clone();
        for (int c = 0; c < 3; c++) {
            for (int i = c * s * s; i < (c + 1) * s * s; i++) {
                chw[i] = chw[i] * std[c] + mean[c];
            }
        }
        return RgbImage.fromFloatChw(chw, s, s);
    }

    /** {@link #masked} followed by the references scaled to the picture's size. */
    public static List<RgbImage> row(TrainingExample e, ClipImageProcessor processor) {
        List<RgbImage> out = new ArrayList<>();
        out.add(masked(e));
        for (int k = 0; k < e.subjects().size(); k++) {
            out.add(Resample.resize(reference(e, k, processor), e.resolution(), e.resolution(), Resample.Filter.BILINEAR));
        }
        return out;
    }

    /** One row per example, labelled with its id, subject words and caption. */
    public static RgbImage sheet(List<TrainingExample> examples, ClipImageProcessor processor) {
        Sheet sheet = new Sheet().fontSize(12);
        for (TrainingExample e : examples) {
            StringBuilder label = new StringBuilder(e.id());
            label.append(e.unconditional() ? " (unconditional)" : "");
            for (SubjectSample s : e.subjects()) {
                label.append(" [").append(s.word()).append('@').append(s.tokenPosition()).append(']');
            }
            String caption = e.caption().length() > 60 ? e.caption().substring(0, 57) + "..." : e.caption();
            sheet.row(label + " \"" + caption + "\"", row(e, processor));
        }
        return sheet.render();
    }
}
