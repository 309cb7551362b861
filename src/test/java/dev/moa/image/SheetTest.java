package dev.moa.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SheetTest {
    @TempDir
    Path dir;

    private static int countNot(RgbImage img, int x0, int y0, int x1, int y1, int colour) {
        int n = 0;
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                n += img.rgb(x, y) != colour ? 1 : 0;
            }
        }
        return n;
    }

    @Test
    void gridWithoutTextPlacesPicturesExactly() {
        RgbImage a = ResampleTest.pattern(10, 6), b = RgbImage.filled(4, 4, 0xFF0000), c = ResampleTest.pattern(8, 9);
        RgbImage s = new Sheet().gap(2).background(0x00FF00).row(a, b).row(c).render();
        // columns 10 and 4 wide, rows 6 and 9 high, gap 2 around and between
        assertEquals(2 + 10 + 2 + 4 + 2, s.width());
        assertEquals(2 + 6 + 2 + 9 + 2, s.height());
        assertEquals(a, s.crop(2, 2, 10, 6));
        assertEquals(b, s.crop(2 + 10 + 2, 2 + 1, 4, 4)); // centred vertically in the 6-high row
        assertEquals(c, s.crop(2 + 1, 2 + 6 + 2, 8, 9)); // centred horizontally in the 10-wide column
        assertEquals(0x00FF00, s.rgb(15, 2 + 6 + 2 + 3)); // empty cell
        assertEquals(0x00FF00, s.rgb(0, 0));
    }

    @Test
    void captionsAndLabelsAreDrawnOutsideThePictures() throws Exception {
        RgbImage p = RgbImage.filled(40, 30, 0x808080);
        Sheet sheet = new Sheet().columnTitles("reference", "prior", "personalized").row("seed 1", p, p, p)
                .row("seed 2", p, p);
        RgbImage s = sheet.render();
        // the first picture sits right of the labels and below the titles
        int left = -1, top = -1;
        for (int y = 0; y < s.height() && top < 0; y++) {
            for (int x = 0; x < s.width(); x++) {
                if (s.rgb(x, y) == 0x808080 && s.rgb(x + 39, y + 29) == 0x808080) {
                    left = x;
                    top = y;
                    break;
                }
            }
        }
        assertTrue(left > 8 && top > 8, "picture pushed by label and title: " + left + "," + top);
        assertEquals(p, s.crop(left, top, 40, 30));
        assertTrue(countNot(s, left, 0, s.width(), top, 0xFFFFFF) > 20, "titles drawn above");
        assertTrue(countNot(s, 0, top, left, top + 30, 0xFFFFFF) > 20, "label drawn left");
        Path out = dir.resolve("sheet.png");
        sheet.write(out, Map.of("what", "test sheet"));
        assertEquals(s, Images.read(out));
        assertThrows(IllegalStateException.class, () -> new Sheet().render());
    }
}
