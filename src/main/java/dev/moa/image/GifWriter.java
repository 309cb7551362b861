package dev.moa.image;

import dev.moa.io.AtomicFiles;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;

/**
 * Writes animated GIFs (e.g. the denoising trajectory of a sample): every frame shown for the same
 * delay, looping forever through the NETSCAPE2.0 application extension. ImageIO's GIF encoder reduces
 * each frame to its own 256-colour palette. Written atomically, like every output.
 */
public final class GifWriter {
    private GifWriter() {}

    /** Writes {@code frames} (all the same size) to {@code path}, each shown {@code delayMillis}, looping forever. */
    public static void write(Path path, List<RgbImage> frames, int delayMillis) throws IOException {
        write(path, frames, delayMillis, 0);
    }

    /**
     * As {@link #write(Path, List, int)} with a loop count: 0 loops forever, n plays n + 1 times (the
     * NETSCAPE2.0 convention). GIF stores delays in hundredths of a second, so {@code delayMillis} is
     * rounded to that.
     */
    public static void write(Path path, List<RgbImage> frames, int delayMillis, int loops) throws IOException {
        if (frames.isEmpty()) {
            throw new IllegalArgumentException("a GIF needs at least one frame");
        }
        if (delayMillis < 0 || loops < 0 || loops > 0xFFFF) {
            throw new IllegalArgumentException("bad delay " + delayMillis + " ms or loop count " + loops);
        }
        RgbImage first = frames.get(0);
        for (RgbImage f : frames) {
            if (f.width() != first.width() || f.height() != first.height()) {
                throw new IllegalArgumentException("GIF frames must have one size: " + first + " vs " + f);
            }
        }
        int centis = Math.min(0xFFFF, (delayMillis + 5) / 10);
        AtomicFiles.writeVia(path, tmp -> {
            ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
            try (ImageOutputStream out = ImageIO.createImageOutputStream(tmp.toFile())) {
                writer.setOutput(out);
                writer.prepareWriteSequence(null);
                ImageWriteParam param = writer.getDefaultWriteParam();
                for (int i = 0; i < frames.size(); i++) {
                    BufferedImage img = frames.get(i).toBufferedImage();
                    IIOMetadata meta = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(img),
                            param);
                    configure(meta, centis, i == 0 ? loops : -1);
                    writer.writeToSequence(new IIOImage(img, null, meta), param);
                }
                writer.endWriteSequence();
            } finally {
                writer.dispose();
            }
        });
    }

    /** Sets the frame delay and, on the first frame ({@code loops >= 0}), the looping extension. */
    private static void configure(IIOMetadata meta, int centis, int loops) throws IOException {
        String format = meta.getNativeMetadataFormatName(); // javax_imageio_gif_image_1.0
        IIOMetadataNode root = (IIOMetadataNode) meta.getAsTree(format);
        IIOMetadataNode gce = node(root, "GraphicControlExtension");
        gce.setAttribute("disposalMethod", "none");
        gce.setAttribute("userInputFlag", "FALSE");
        gce.setAttribute("transparentColorFlag", "FALSE");
        gce.setAttribute("delayTime", Integer.toString(centis));
        gce.setAttribute("transparentColorIndex", "0");
        if (loops >= 0) {
            IIOMetadataNode apps = node(root, "ApplicationExtensions");
            IIOMetadataNode app = new IIOMetadataNode("ApplicationExtension");
            app.setAttribute("applicationID", "NETSCAPE");
            app.setAttribute("authenticationCode", "2.0");
            app.setUserObject(new byte[] {1, (byte) (loops & 0xFF), (byte) (loops >> 8)});
            apps.appendChild(app);
        }
        meta.setFromTree(format, root);
    }

    private static IIOMetadataNode node(IIOMetadataNode root, String name) {
        for (int i = 0; i < root.getLength(); i++) {
            if (root.item(i).getNodeName().equals(name)) {
                return (IIOMetadataNode) root.item(i);
            }
        }
        IIOMetadataNode n = new IIOMetadataNode(name);
        root.appendChild(n);
        return n;
    }
}
