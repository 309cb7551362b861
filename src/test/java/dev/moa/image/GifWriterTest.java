package dev.moa.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Node;

class GifWriterTest {
    @TempDir
    Path dir;

    @Test
    void framesDelayAndLoop() throws Exception {
        List<RgbImage> frames = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            frames.add(RgbImage.filled(12, 9, (i * 50) << 16 | (255 - i * 50)));
        }
        Path p = dir.resolve("steps.gif");
        GifWriter.write(p, frames, 250);
        byte[] bytes = Files.readAllBytes(p);
        assertTrue(new String(bytes, StandardCharsets.ISO_8859_1).contains("NETSCAPE2.0"), "loop extension");
        ImageReader r = ImageIO.getImageReadersByFormatName("gif").next();
        try (ImageInputStream in = ImageIO.createImageInputStream(p.toFile())) {
            r.setInput(in);
            assertEquals(5, r.getNumImages(true));
            for (int i = 0; i < 5; i++) {
                Node gce = find(r.getImageMetadata(i).getAsTree("javax_imageio_gif_image_1.0"), "GraphicControlExtension");
                assertEquals("25", gce.getAttributes().getNamedItem("delayTime").getNodeValue());
                RgbImage f = RgbImage.fromBufferedImage(r.read(i));
                assertEquals(12, f.width());
                int want = frames.get(i).rgb(0, 0);
                assertTrue(Math.abs((f.rgb(5, 5) >> 16) - (want >> 16)) < 16, "frame " + i + " colour");
            }
        } finally {
            r.dispose();
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(p), s.toList(), "no temporary files left");
        }
    }

    @Test
    void rejectsMixedSizesAndNoFrames() {
        Path p = dir.resolve("bad.gif");
        assertThrows(IllegalArgumentException.class, () -> GifWriter.write(p, List.of(), 100));
        assertThrows(IllegalArgumentException.class,
                () -> GifWriter.write(p, List.of(RgbImage.filled(2, 2, 0), RgbImage.filled(3, 2, 0)), 100));
        assertTrue(Files.notExists(p));
    }

    private static Node find(Node n, String name) {
        for (Node c = n.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c.getNodeName().equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no " + name);
    }
}
