package dev.moa.toy;

import dev.moa.image.RgbImage;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/** Captioned picture tiles for contact sheets of the toy world and of training samples. */
public final class ToySheets {
    private ToySheets() {}

    /** Nearest-neighbour upscaling by an integer factor. */
    public static RgbImage upscale(RgbImage img, int factor) {
        int w = img.width() * factor, h = img.height() * factor;
        byte[] out = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    out[(y * w + x) * 3 + c] = (byte) img.get(x / factor, y / factor, c);
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    /** The picture upscaled {@code factor} times with caption lines (wrapped to the tile's width) below it. */
    public static RgbImage tile(RgbImage img, int factor, String caption) {
        RgbImage big = upscale(img, factor);
        int w = Math.max(big.width(), 120);
        Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 10);
        BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        List<String> lines;
        FontMetrics fm;
        try {
            Graphics2D g0 = probe.createGraphics();
            g0.setFont(font);
            fm = g0.getFontMetrics();
            g0.dispose();
            lines = wrap(caption == null ? "" : caption, fm, w - 4);
        } catch (Throwable e) {   // no fonts in this JVM: pictures only
            fm = null;
            lines = List.of();
        }
        int lineH = fm == null ? 0 : fm.getHeight();
        int h = big.height() + 2 + lines.size() * lineH;
        BufferedImage canvas = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, w, h);
            g.drawImage(big.toBufferedImage(), (w - big.width()) / 2, 0, null);
            if (fm != null) {
                g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
                g.setFont(font);
                g.setColor(new Color(0x202020));
                for (int i = 0; i < lines.size(); i++) {
                    g.drawString(lines.get(i), 2, big.height() + 2 + i * lineH + fm.getAscent());
                }
            }
        } finally {
            g.dispose();
        }
        return RgbImage.fromBufferedImage(canvas);
    }

    private static List<String> wrap(String text, FontMetrics fm, int width) {
        List<String> out = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            String next = line.length() == 0 ? word : line + " " + word;
            if (fm.stringWidth(next) > width && line.length() > 0) {
                out.add(line.toString());
                line = new StringBuilder(word);
            } else {
                line = new StringBuilder(next);
            }
        }
        if (line.length() > 0) {
            out.add(line.toString());
        }
        return out;
    }

    /** The subjects' masks: white for the first, then red and blue, in the caption's order. */
    public static RgbImage maskImage(ToyPicture p) {
        int s = p.image().width();
        byte[] b = new byte[s * s * 3];
        int[] colours = {0xFFFFFF, 0xFF6060, 0x60A0FF};   // one colour per subject, in the caption's order
        for (int k = 0; k < p.parts().size(); k++) {
            byte[] m = p.parts().get(k).mask();
            int c = colours[k % colours.length];
            for (int i = 0; i < s * s; i++) {
                if (m[i] != 0) {
                    b[i * 3] = (byte) (c >> 16);
                    b[i * 3 + 1] = (byte) (c >> 8);
                    b[i * 3 + 2] = (byte) c;
                }
            }
        }
        return new RgbImage(s, s, b);
    }
}
