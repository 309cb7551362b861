package dev.moa.image;

import dev.moa.moa.RouterMaps;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Pictures made from generation results, shared by the CLI, training validation and the evaluation: images
 * enlarged for viewing, comparison rows (references | prior | personalized | router map) and router-map pictures.
 */
public final class Pictures {
    private Pictures() {}

    /** Small pictures (the bundled tiny model makes 32 px images) are enlarged, pixel-exact, for viewing. */
    public static RgbImage forDisplay(RgbImage img, int minSide) {
        int side = Math.min(img.width(), img.height());
        if (side >= minSide) {
            return img;
        }
        int f = (minSide + side - 1) / side;
        return Resample.resize(img, img.width() * f, img.height() * f, Resample.Filter.NEAREST);
    }

    /** A reference photo scaled (aspect kept) to the height of the generated images. */
    public static RgbImage toHeight(RgbImage img, int height) {
        int w = Math.max(1, Math.round(img.width() * (float) height / img.height()));
        return Resample.resize(img, w, height, Resample.Filter.BICUBIC);
    }

    /**
     * The picture of where the model personalized: the image, the overall personalized-branch weight as a
     * heat-map over it, the map alone, and one map per attention resolution.
     */
    public static RgbImage routerPicture(RgbImage image, RouterMaps maps) {
        RgbImage shown = forDisplay(image, 256);
        int h = shown.height();
        int w = shown.width();
        float[] overall = maps.overall();
        RgbImage overlay = Heatmap.overlay(shown, overall, maps.height(), maps.width(), 0.6f, Heatmap.Upsample.BILINEAR);
        RgbImage plain = Heatmap.colorize(Heatmap.resize(overall, maps.height(), maps.width(), h, w,
                Heatmap.Upsample.NEAREST), h, w);
        List<RgbImage> top = List.of(shown, overlay, plain);
        List<RgbImage> res = new ArrayList<>();
        List<String> titles = new ArrayList<>();
        for (Map.Entry<String, float[]> e : maps.perResolution().entrySet()) {
            int[] s = maps.size(e.getKey());
            res.add(Heatmap.colorize(Heatmap.resize(e.getValue(), s[0], s[1], h, w, Heatmap.Upsample.NEAREST), h, w));
            titles.add(e.getKey());
        }
        float lo = Float.MAX_VALUE;
        float hi = -Float.MAX_VALUE;
        for (float v : overall) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        Sheet sheet = new Sheet().columnTitles("image", "personalized weight over the image",
                String.format("weight map, %.2f to %.2f (0 = prior, 1 = personal)", lo, hi));
        sheet.row("all layers", top);
        if (!res.isEmpty()) {
            sheet.row("by resolution: " + String.join(", ", titles), res);
        }
        return sheet.render();
    }

    /** Scaled (aspect kept) to {@code height} with nearest-neighbour sampling: generated pixels stay sharp. */
    public static RgbImage scaleToHeight(RgbImage img, int height) {
        int w = Math.max(1, Math.round(img.width() * (float) height / img.height()));
        return Resample.resize(img, w, height, Resample.Filter.NEAREST);
    }

    /** Images side by side, each scaled to {@code height} (nearest). */
    public static RgbImage sideBySide(List<RgbImage> images, int height) {
        List<RgbImage> scaled = new ArrayList<>();
        int w = 0;
        for (RgbImage i : images) {
            RgbImage s = scaleToHeight(i, height);
            scaled.add(s);
            w += s.width();
        }
        byte[] out = new byte[w * height * 3];
        int x0 = 0;
        for (RgbImage s : scaled) {
            for (int y = 0; y < height; y++) {
                System.arraycopy(s.data(), y * s.width() * 3, out, (y * w + x0) * 3, s.width() * 3);
            }
            x0 += s.width();
        }
        return new RgbImage(w, height, out);
    }

    /**
     * One row of a comparison sheet: the reference photos (one cell each, or side by side in one cell), the prior
     * image, the personalized image and, when {@code maps} is given, the router map over the personalized image.
     * Every cell is {@code height} pixels high.
     */
    public static List<RgbImage> comparisonRow(List<RgbImage> references, boolean referencesInOneCell, RgbImage prior,
            RgbImage personalized, RouterMaps maps, int height) {
        List<RgbImage> row = new ArrayList<>();
        if (referencesInOneCell) {
            if (!references.isEmpty()) {
                row.add(sideBySide(references, height));
            }
        } else {
            for (RgbImage r : references) {
                row.add(forDisplay(toHeight(r, prior.height()), height));
            }
        }
        row.add(forDisplay(prior, height));
        row.add(forDisplay(personalized, height));
        if (maps != null) {
            RgbImage shown = forDisplay(personalized, height);
            row.add(Heatmap.overlay(shown, maps.overall(), maps.height(), maps.width(), 0.6f, Heatmap.Upsample.BILINEAR));
        }
        return row;
    }
}
