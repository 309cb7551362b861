package dev.moa.image;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A contact sheet: rows of pictures on a grid, with optional titles above the columns (e.g.
 * "reference | prior | personalized") and labels left of the rows (e.g. "seed 7"). Each column is as
 * wide as its widest picture, each row as tall as its tallest; pictures are centred in their cells and
 * copied pixel for pixel (never rescaled). A row may have fewer pictures than others (empty cells).
 *
 * <p>Text is drawn with Java2D's sans-serif font, which works headless. Should the JVM have no usable
 * font at all, the sheet is drawn without text rather than failing.
 */
public final class Sheet {
    private final List<String> columnTitles = new ArrayList<>();
    private final List<String> rowLabels = new ArrayList<>();
    private final List<List<RgbImage>> rows = new ArrayList<>();
    private int gap = 8;
    private int background = 0xFFFFFF;
    private int textColor = 0x202020;
    private int fontSize = 14;

    /** Titles drawn above the columns, left to right. */
    public Sheet columnTitles(String... titles) {
        columnTitles.clear();
        columnTitles.addAll(Arrays.asList(titles));
        return this;
    }

    /** Rows added so far. */
    public int rows() {
        return rows.size();
    }

    /** Adds a row of pictures without a label. */
    public Sheet row(RgbImage... images) {
        return row(null, Arrays.asList(images));
    }

    /** Adds a row of pictures with a label drawn to its left ({@code null} for none). */
    public Sheet row(String label, RgbImage... images) {
        return row(label, Arrays.asList(images));
    }

    /** Adds a row of pictures with a label drawn to its left ({@code null} for none); null pictures leave empty cells. */
    public Sheet row(String label, List<RgbImage> images) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("a sheet row needs at least one picture");
        }
        rows.add(new ArrayList<>(images));
        rowLabels.add(label);
        return this;
    }

    /** Space in pixels between cells and around the sheet (default 8). */
    public Sheet gap(int pixels) {
        if (pixels < 0) {
            throw new IllegalArgumentException("gap must be >= 0");
        }
        gap = pixels;
        return this;
    }

    /** Background colour {@code 0xRRGGBB} (default white). */
    public Sheet background(int rgb) {
        background = rgb & 0xFFFFFF;
        return this;
    }

    /** Text colour {@code 0xRRGGBB} (default near black). */
    public Sheet textColor(int rgb) {
        textColor = rgb & 0xFFFFFF;
        return this;
    }

    /** Font size in pixels (default 14). */
    public Sheet fontSize(int pixels) {
        if (pixels <= 0) {
            throw new IllegalArgumentException("font size must be > 0");
        }
        fontSize = pixels;
        return this;
    }

    /** Draws the sheet. */
    public RgbImage render() {
        if (rows.isEmpty()) {
            throw new IllegalStateException("the sheet has no rows");
        }
        int ncol = columnTitles.size();
        for (List<RgbImage> r : rows) {
            ncol = Math.max(ncol, r.size());
        }
        int[] colW = new int[ncol];
        int[] rowH = new int[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            List<RgbImage> r = rows.get(i);
            for (int j = 0; j < r.size(); j++) {
                RgbImage img = r.get(j);
                if (img != null) {
                    colW[j] = Math.max(colW[j], img.width());
                    rowH[i] = Math.max(rowH[i], img.height());
                }
            }
        }
        for (int j = 0; j < ncol; j++) {
            colW[j] = Math.max(colW[j], 1);
        }
        boolean titles = columnTitles.stream().anyMatch(t -> t != null && !t.isEmpty());
        boolean labels = rowLabels.stream().anyMatch(t -> t != null && !t.isEmpty());
        Font font = new Font(Font.SANS_SERIF, Font.PLAIN, fontSize);
        FontMetrics fm = metrics(font);
        boolean text = fm != null && (titles || labels);
        int titleH = text && titles ? fm.getHeight() + gap / 2 : 0;
        int labelW = 0;
        if (text && labels) {
            for (String l : rowLabels) {
                if (l != null) {
                    labelW = Math.max(labelW, fm.stringWidth(l));
                }
            }
            labelW = Math.min(labelW, 400) + gap;
        }
        int width = gap + labelW + Arrays.stream(colW).sum() + gap * ncol;
        int height = gap + titleH + Arrays.stream(rowH).map(h -> Math.max(h, 1)).sum() + gap * rows.size();

        BufferedImage canvas = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas.createGraphics();
        try {
            g.setColor(new Color(background));
            g.fillRect(0, 0, width, height);
            int y = gap + titleH;
            for (int i = 0; i < rows.size(); i++) {
                int x = gap + labelW;
                List<RgbImage> r = rows.get(i);
                for (int j = 0; j < ncol; j++) {
                    RgbImage img = j < r.size() ? r.get(j) : null;
                    if (img != null) {
                        img.copyTo(canvas.getRaster(), x + (colW[j] - img.width()) / 2, y + (rowH[i] - img.height()) / 2);
                    }
                    x += colW[j] + gap;
                }
                y += Math.max(rowH[i], 1) + gap;
            }
            if (text) {
                drawText(g, font, fm, colW, rowH, labelW, titleH);
            }
        } finally {
            g.dispose();
        }
        return RgbImage.fromBufferedImage(canvas);
    }

    private static FontMetrics metrics(Font font) {
        try {
            BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = probe.createGraphics();
            try {
                FontMetrics fm = g.getFontMetrics(font);
                fm.stringWidth("Ag"); // forces the font to load
                return fm;
            } finally {
                g.dispose();
            }
        } catch (RuntimeException | LinkageError | InternalError e) {
            return null; // no usable font on this JVM: draw without text
        }
    }

    private void drawText(Graphics2D g, Font font, FontMetrics fm, int[] colW, int[] rowH, int labelW, int titleH) {
        try {
            g.setFont(font);
            g.setColor(new Color(textColor));
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            int x = gap + labelW;
            for (int j = 0; j < colW.length; j++) {
                String t = j < columnTitles.size() ? columnTitles.get(j) : null;
                if (t != null && !t.isEmpty()) {
                    String s = fit(fm, t, colW[j]);
                    g.drawString(s, x + (colW[j] - fm.stringWidth(s)) / 2, gap + fm.getAscent());
                }
                x += colW[j] + gap;
            }
            int y = gap + titleH;
            for (int i = 0; i < rowH.length; i++) {
                String l = rowLabels.get(i);
                if (l != null && !l.isEmpty()) {
                    String s = fit(fm, l, labelW - gap);
                    g.drawString(s, gap, y + Math.max(rowH[i], 1) / 2 + (fm.getAscent() - fm.getDescent()) / 2);
                }
                y += Math.max(rowH[i], 1) + gap;
            }
        } catch (RuntimeException | LinkageError | InternalError e) {
            // a broken font set-up costs the captions, not the picture
        }
    }

    /** {@code s}, shortened with an ellipsis to fit {@code width} pixels. */
    private static String fit(FontMetrics fm, String s, int width) {
        if (fm.stringWidth(s) <= width) {
            return s;
        }
        for (int n = s.length() - 1; n > 0; n--) {
            String t = s.substring(0, n) + "\u2026";
            if (fm.stringWidth(t) <= width) {
                return t;
            }
        }
        return "";
    }

    /** Renders and writes the sheet as a PNG (atomically) with {@code text} chunks. */
    public void write(Path path, Map<String, String> text) throws IOException {
        PngWriter.write(path, render(), text);
    }
}
