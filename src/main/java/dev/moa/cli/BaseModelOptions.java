package dev.moa.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The frozen base model and image encoder MoA is made for (moa-init, train). */
final class BaseModelOptions {
    @Option(names = "--base", required = true, paramLabel = "DIR|FILE", description = "base SD 1.x model (folder or single file)")
    Path base;

    @Option(names = "--image-encoder", required = true, paramLabel = "DIR",
            description = "CLIP image encoder folder (its config.json gives the embedding size)")
    Path imageEncoder;
}
