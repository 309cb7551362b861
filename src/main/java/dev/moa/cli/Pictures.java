package dev.moa.cli;

import dev.moa.image.Heatmap;
import dev.moa.image.Resample;
import dev.moa.image.RgbImage;
import dev.moa.image.Sheet;
import dev.moa.moa.RouterMaps;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Sheets and router-map pictures made from generation results. */
final class Pictures {
    private Pictures() {}

    /** Small pictures (the bundled tiny model makes 32 px images) are enlarged, pixel-exact, for viewing. */
    static RgbImage forDisplay(RgbImage img, int minSide) {
        int side = Math.min(img.width(), img.height());
        if (side >= minSide) {
            return img;
        }
        int f = (minSide + side - 1) / side;
        return Resample.resize(img, img.width() * f, img.height() * f, Resample.Filter.NEAREST);
    }

    /** A reference photo scaled (aspect kept) to the height of the generated images. */
    static RgbImage toHeight(RgbImage img, int height) {
        int w = Math.max(1, Math.round(img.width() * (float) height / img.height()));
        return Resample.resize(img, w, height, Resample.Filter.BICUBIC);
    }

    /**
     * The picture of where the model personalized: the image, the overall personalized-branch weight as a
     * heat-map over it, the map alone, and one map per attention resolution.
     */
    static RgbImage routerPicture(RgbImage image, RouterMaps maps) {
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
}
