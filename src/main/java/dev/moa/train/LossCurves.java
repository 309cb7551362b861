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

    /**
     * Draws every loss column of a generic trainer's {@code losses.csv} (the columns between {@code step} and
     * {@code grad_norm}) in its own panel; columns whose values are all positive and span more than two decades
     * get a log scale.
     */
    public static void writeColumns(Path csv, Path png, String title) throws IOException {
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        int n = lines.size() - 1;
        if (n < 1) {
            return;
        }
        String[] header = lines.get(0).split(",");
        int end = java.util.Arrays.asList(header).indexOf("grad_norm");
        if (end < 0) {
            end = header.length;
        }
        double[] step = new double[n];
        double[][] cols = new double[end - 1][n];
        for (int i = 0; i < n; i++) {
            String[] p = lines.get(i + 1).split(",");
            step[i] = Double.parseDouble(p[0]);
            for (int c = 1; c < end; c++) {
                cols[c - 1][i] = Double.parseDouble(p[c]);
            }
        }
        int smooth = Math.max(1, n / 50);
        Sheet sheet = new Sheet().gap(0);
        for (int c = 0; c < cols.length; c++) {
            double lo = Double.MAX_VALUE, hi = -Double.MAX_VALUE;
            for (double v : cols[c]) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            boolean log = lo > 0 && hi / lo > 100;
            sheet.row(new LinePlot().title((c == 0 ? title + ": " : "") + header[c + 1]).xLabel("optimizer step")
                    .logY(log).smooth(smooth).size(900, c == 0 ? 300 : 220).series(header[c + 1], step, cols[c]).render());
        }
        sheet.write(png, Map.of("Description", "training losses from " + csv.getFileName()));
    }

    /**
     * After a resume: keeps the header and the rows of steps up to {@code step} (later ones will be redone) and drops
     * rows that are cut off or unreadable, as a kill during a write or a full disk leaves them.
     *
     * @return how many unreadable rows were dropped
     */
    public static int truncate(Path csv, long step) throws IOException {
        if (!Files.exists(csv)) {
            return 0;
        }
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        List<String> keep = new java.util.ArrayList<>();
        int columns = -1, dropped = 0;
        for (String line : lines) {
            if (line.startsWith("step")) {
                columns = line.split(",", -1).length;
                keep.add(line);
                continue;
            }
            if (line.isBlank()) {
                continue;
            }
            String[] cells = line.split(",", -1);
            long s;
            try {
                s = Long.parseLong(cells[0]);
                for (int k = 1; k < cells.length; k++) {
                    if (!cells[k].isEmpty()) {
                        Double.parseDouble(cells[k]);
                    }
                }
            } catch (NumberFormatException e) {
                dropped++;
                continue;
            }
            if (columns > 0 && cells.length != columns) {
                dropped++;
            } else if (s <= step) {
                keep.add(line);
            }
        }
        dev.moa.io.AtomicFiles.writeString(csv, String.join("\n", keep) + "\n");
        return dropped;
    }
}
