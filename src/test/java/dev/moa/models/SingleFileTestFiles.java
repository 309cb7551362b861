package dev.moa.models;

import dev.moa.io.DType;
import dev.moa.io.SafetensorsFile;
import dev.moa.io.SafetensorsWriter;
import dev.moa.testing.Fixtures;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/** Variants of the single-file fixture for tests: tensors renamed or dropped, small extra tensors added. */
final class SingleFileTestFiles {
    private SingleFileTestFiles() {}

    /**
     * Writes the fixture's tensors under {@code rename}'s names (null drops one) plus one-element F32 tensors
     * named {@code extra}.
     */
    static Path variant(Path out, UnaryOperator<String> rename, String... extra) throws Exception {
        SafetensorsWriter w = new SafetensorsWriter();
        try (SafetensorsFile f = SafetensorsFile.open(Fixtures.path(SingleFileWeightsTest.FILE))) {
            for (String k : f.keys()) {
                String name = rename.apply(k);
                if (name != null) {
                    w.add(name, f.info(k).dtype(), f.info(k).shape(), copy(f.bytes(k)));
                }
            }
        }
        for (String k : extra) {
            w.add(k, DType.F32, new long[] {1}, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN));
        }
        w.write(out);
        return out;
    }

    private static ByteBuffer copy(ByteBuffer b) {
        ByteBuffer c = ByteBuffer.allocate(b.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        c.put(b.duplicate());
        return c.flip();
    }
}
