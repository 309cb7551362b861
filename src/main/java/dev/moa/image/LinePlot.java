package dev.moa.image;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A small line chart (loss curves): several named series over a shared x axis, optional log-scale y,
 * optional moving-average smoothing (raw values drawn faintly behind). Headless Java2D.
 */
public final class LinePlot {
    private record Series(String name, double[] x, double[] y, Color color) {}

    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
            new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b)};

    private final List<Series> series = new ArrayList<>();
    private String title = "";
    private String xLabel = "";
    private boolean logY;
    private int smooth = 1;
    private int width = 900;
    private int height = 480;

    public LinePlot title(String t) {
        this.title = t;
        return this;
    }

    public LinePlot xLabel(String l) {
        this.xLabel = l;
        return this;
    }

    public LinePlot logY(boolean on) {
        this.logY = on;
        return this;
    }

    /** Moving-average window drawn on top of the raw values (1 = none). */
    public LinePlot smooth(int window) {
        this.smooth = Math.max(1, window);
        return this;
    }

    public LinePlot size(int w, int h) {
        this.width = w;
        this.height = h;
        return this;
    }

    public LinePlot series(String name, double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("series " + name + ": " + x.length + " x values, " + y.length + " y values");
        }
        series.add(new Series(name, x, y, PALETTE[series.size() % PALETTE.length]));
        return this;
    }

    private double ty(double v) {
        return logY ? Math.log10(Math.max(v, 1e-12)) : v;
    }

    public RgbImage render() {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        int left = 70;
        int right = 20;
        int top = 40;
        int bottom = 50;
        double xmin = Double.MAX_VALUE;
        double xmax = -Double.MAX_VALUE;
        double ymin = Double.MAX_VALUE;
        double ymax = -Double.MAX_VALUE;
        for (Series s : series) {
            for (int i = 0; i < s.x.length; i++) {
                if (Double.isFinite(s.y[i]) && (!logY || s.y[i] > 0)) {
                    xmin = Math.min(xmin, s.x[i]);
                    xmax = Math.max(xmax, s.x[i]);
                    ymin = Math.min(ymin, ty(s.y[i]));
                    ymax = Math.max(ymax, ty(s.y[i]));
                }
            }
        }
        if (xmin > xmax) {
            xmin = 0;
            xmax = 1;
            ymin = 0;
            ymax = 1;
        }
        if (xmax == xmin) {
            xmax = xmin + 1;
        }
        if (ymax == ymin) {
            ymax = ymin + 1;
        }
        double pad = (ymax - ymin) * 0.05;
        ymin -= pad;
        ymax += pad;
        int pw = width - left - right;
        int ph = height - top - bottom;
        boolean fonts = hasFonts(g);
        g.setColor(new Color(0xe0e0e0));
        for (int k = 0; k <= 5; k++) {
            int yy = top + ph - k * ph / 5;
            g.drawLine(left, yy, left + pw, yy);
            if (fonts) {
                double v = ymin + (ymax - ymin) * k / 5;
                g.setColor(Color.DARK_GRAY);
                g.drawString(fmt(logY ? Math.pow(10, v) : v), 5, yy + 4);
                g.setColor(new Color(0xe0e0e0));
            }
        }
        g.setColor(Color.DARK_GRAY);
        g.drawRect(left, top, pw, ph);
        if (fonts) {
            g.setFont(g.getFont().deriveFont(Font.BOLD, 15f));
            g.drawString(title, left, 25);
            g.setFont(g.getFont().deriveFont(Font.PLAIN, 12f));
            g.drawString(fmt(xmin), left, top + ph + 18);
            String xm = fmt(xmax);
            g.drawString(xm, left + pw - g.getFontMetrics().stringWidth(xm), top + ph + 18);
            g.drawString(xLabel, left + pw / 2 - g.getFontMetrics().stringWidth(xLabel) / 2, top + ph + 38);
            if (logY) {
                g.drawString("log scale", left + 8, top + ph - 8);
            }
        }
        int legendY = top + 18;
        for (Series s : series) {
            double[] sm = movingAverage(s.y, smooth);
            if (smooth > 1) {
                g.setColor(new Color(s.color.getRed(), s.color.getGreen(), s.color.getBlue(), 60));
                g.setStroke(new BasicStroke(1f));
                drawLine(g, s.x, s.y, xmin, xmax, ymin, ymax, left, top, pw, ph);
            }
            g.setColor(s.color);
            g.setStroke(new BasicStroke(2f));
            drawLine(g, s.x, sm, xmin, xmax, ymin, ymax, left, top, pw, ph);
            if (fonts) {
                g.fillRect(left + pw - 170, legendY - 9, 12, 12);
                g.setColor(Color.DARK_GRAY);
                g.drawString(s.name, left + pw - 152, legendY + 2);
            }
            legendY += 18;
        }
        g.dispose();
        return RgbImage.fromBufferedImage(img);
    }

    private void drawLine(Graphics2D g, double[] x, double[] y, double xmin, double xmax, double ymin, double ymax,
            int left, int top, int pw, int ph) {
        int px = -1;
        int py = -1;
        for (int i = 0; i < x.length; i++) {
            if (!Double.isFinite(y[i]) || (logY && y[i] <= 0)) {
                px = -1;
                continue;
            }
            int cx = left + (int) Math.round((x[i] - xmin) / (xmax - xmin) * pw);
            int cy = top + ph - (int) Math.round((ty(y[i]) - ymin) / (ymax - ymin) * ph);
            if (px >= 0) {
                g.drawLine(px, py, cx, cy);
            }
            px = cx;
            py = cy;
        }
    }

    static double[] movingAverage(double[] y, int w) {
        if (w <= 1) {
            return y;
        }
        double[] out = new double[y.length];
        double sum = 0;
        int n = 0;
        for (int i = 0; i < y.length; i++) {
            sum += y[i];
            n++;
            if (i >= w) {
                sum -= y[i - w];
                n--;
            }
            out[i] = sum / n;
        }
        return out;
    }

    private static boolean hasFonts(Graphics2D g) {
        try {
            return g.getFontMetrics().getHeight() > 0;
        } catch (RuntimeException | Error e) {
            return false;
        }
    }

    private static String fmt(double v) {
        double a = Math.abs(v);
        if (a != 0 && (a < 1e-3 || a >= 1e5)) {
            return String.format("%.2e", v);
        }
        return a >= 100 ? String.format("%.0f", v) : String.format("%.3g", v);
    }

    public void write(Path path, Map<String, String> text) throws IOException {
        PngWriter.write(path, render(), text);
    }
}
