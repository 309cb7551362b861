package dev.moa.train;

import dev.moa.image.LinePlot;
import dev.moa.image.RgbImage;
import dev.moa.image.Sheet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Draws the loss curves of a {@code losses.csv} (total, diffusion, router, object; log scale, smoothed). */
public final class LossCurves {
    private LossCurves() {}

    public static void write(Path csv, Path png, String title) throws IOException {
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        int n = lines.size() - 1;
        if (n < 1) {
            return;
        }
        double[] step = new double[n];
        double[][] cols = new double[4][n];
        for (int i = 0; i < n; i++) {
            String[] p = lines.get(i + 1).split(",");
            step[i] = Double.parseDouble(p[0]);
            for (int c = 0; c < 4; c++) {
                cols[c][i] = Double.parseDouble(p[1 + c]);
            }
        }
        int smooth = Math.max(1, n / 50);
        // three panels: the object loss is signed (negative = attention on the subject), the router loss spans decades
        RgbImage a = new LinePlot().title(title + ": total and masked diffusion loss").xLabel("optimizer step")
                .smooth(smooth).size(900, 300).series("total", step, cols[0]).series("diffusion (masked)", step, cols[1])
                .render();
        RgbImage b = new LinePlot().title("router loss (background routed to the prior)").xLabel("optimizer step")
                .logY(true).smooth(smooth).size(900, 260).series("router", step, cols[2]).render();
        RgbImage c = new LinePlot().title("object loss (attention outside minus inside the subject)").xLabel("optimizer step")
                .smooth(smooth).size(900, 260).series("object", step, cols[3]).render();
        new Sheet().gap(0).row(a).row(b).row(c)
                .write(png, Map.of("Description", "MoA training losses from " + csv.getFileName()));
    }
}
