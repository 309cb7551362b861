package dev.moa.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.moa.io.DType;
import dev.moa.io.SafetensorsFile;
import dev.moa.io.SafetensorsWriter;
import dev.moa.io.TensorInfo;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code moa convert}: a copy of a model folder (diffusers pipeline, component folder or MoA checkpoint) with every
 * floating-point safetensors tensor stored as fp16 or fp32. The loaders widen fp16 weights to the compute precision,
 * so an fp16 copy behaves like the original within fp16's rounding and takes half the space.
 */
@Command(name = "convert", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Copy a model folder with its safetensors weights stored as fp16 (half the size) or fp32.",
                "Other files are copied unchanged; the copy is written under a temporary name and then renamed."})
final class ConvertCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--input", required = true, paramLabel = "DIR", description = "model folder to copy")
    Path input;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "new folder (must not exist)")
    Path output;

    @Option(names = "--dtype", defaultValue = "fp16", description = "fp16 or fp32 (default ${DEFAULT-VALUE})")
    String dtype;

    @Option(names = {"-q", "--quiet"}, description = "no progress output")
    boolean quiet;

    /** fp16's largest finite value. */
    static final float FP16_MAX = 65504f;

    @Override
    public Integer call() throws Exception {
        DataType target = switch (dtype) {
            case "fp16" -> DataType.FLOAT16;
            case "fp32" -> DataType.FLOAT32;
            default -> throw new ParameterException(spec.commandLine(), "--dtype must be fp16 or fp32, got '" + dtype + "'");
        };
        if (!Files.isDirectory(input)) {
            throw new NoSuchFileException(input.toString(), null, "model folder not found");
        }
        if (Files.exists(output)) {
            throw new FileAlreadyExistsException(output.toString(), null, "already exists; choose a new folder");
        }
        Path abs = output.toAbsolutePath();
        Path tmp = abs.resolveSibling(abs.getFileName() + ".partial");
        dev.moa.io.AtomicFiles.deleteTree(tmp);
        List<Path> files;
        try (Stream<Path> s = Files.walk(input)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        long before = 0, after = 0;
        for (Path f : files) {
            Path rel = input.relativize(f);
            Path dest = tmp.resolve(rel.toString());
            Files.createDirectories(dest.getParent());
            before += Files.size(f);
            if (f.getFileName().toString().endsWith(".safetensors")) {
                convert(f, dest, target);
            } else {
                Files.copy(f, dest);
            }
            after += Files.size(dest);
            if (!quiet) {
                System.err.printf("  %s: %.1f MB -> %.1f MB%n", rel, Files.size(f) / 1e6, Files.size(dest) / 1e6);
            }
        }
        Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
        System.out.printf("%s: %d files, %.1f MB -> %.1f MB (%s)%n", output, files.size(), before / 1e6, after / 1e6, dtype);
        return 0;
    }

    /** Rewrites one safetensors file with its floating-point tensors in {@code target}; errors name file and key. */
    static void convert(Path from, Path to, DataType target) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        try (SafetensorsFile f = SafetensorsFile.open(from); NDManager m = NDManager.newBaseManager()) {
            f.metadata().forEach(w::metadata);
            for (String key : f.keys()) {
                TensorInfo t = f.info(key);
                boolean floating = t.dtype() == DType.F32 || t.dtype() == DType.F16 || t.dtype() == DType.BF16
                        || t.dtype() == DType.F64;
                if (!floating) {
                    w.add(key, t.dtype(), t.shape(), f.bytes(key));
                    continue;
                }
                try (NDArray a = f.load(key, m, true)) {
                    if (target == DataType.FLOAT16 && a.abs().max().getFloat() > FP16_MAX) {
                        throw new IOException(from + ": tensor '" + key + "' has values beyond fp16's range (65504);"
                                + " keep this file in fp32 (--dtype fp32)");
                    }
                    try (NDArray c = a.toType(target, false)) {
                        w.add(key, c);
                    }
                }
            }
        }
        w.write(to);
    }
}
