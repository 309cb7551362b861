package dev.moa.eval;

import dev.moa.image.RgbImage;
import dev.moa.toy.ToyColour;
import java.util.ArrayList;
import java.util.List;

/**
 * A scene's colours as CIELAB cluster centres, from rendered backgrounds: a pixel whose colour is far (CIE76) from
 * every centre is not scene. This is how the evaluation finds a subject without asking any trained model.
 */
public final class SceneModel {
    private final String name;
    private final double[][] centres;

    public SceneModel(String name, double[][] centres) {
        if (centres.length == 0) {
            throw new IllegalArgumentException("a scene model needs at least one colour");
        }
        this.name = name;
        this.centres = centres;
    }

    /** Centres of {@code k} clusters of the given pixels' Lab colours (k-means++ style seeding, fixed seed). */
    public static SceneModel fit(String name, List<RgbImage> backgrounds, int k) {
        List<double[]> px = new ArrayList<>();
        for (RgbImage b : backgrounds) {
            for (int y = 0; y < b.height(); y += 2) {
                for (int x = 0; x < b.width(); x += 2) {
                    px.add(ToyColour.lab(b.rgb(x, y)));
                }
            }
        }
        return new SceneModel(name, Colours.kMeans(px, k, 20));
    }

    public String name() {
        return name;
    }

    /** Distance (CIE76) from the pixel's colour to the nearest scene colour. */
    public double distance(int rgb) {
        return distance(ToyColour.lab(rgb));
    }

    double distance(double[] lab) {
        double best = Double.MAX_VALUE;
        for (double[] c : centres) {
            best = Math.min(best, Colours.dist(c, lab));
        }
        return best;
    }

    /** Mean distance of the pixels outside {@code region} (how well this scene explains the background). */
    public double backgroundFit(RgbImage img, boolean[] region) {
        double sum = 0;
        int n = 0;
        for (int y = 0; y < img.height(); y++) {
            for (int x = 0; x < img.width(); x++) {
                if (region == null || !region[y * img.width() + x]) {
                    sum += Math.min(50, distance(img.rgb(x, y)));
                    n++;
                }
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }
}
