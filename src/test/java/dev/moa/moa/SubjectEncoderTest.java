package dev.moa.moa;

import ai.djl.ndarray.NDManager;
import dev.moa.io.SafetensorsFile;
import dev.moa.testing.Close;
import dev.moa.testing.Fixtures;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Subject PNGs -> pad to square -> tiny-sd feature_extractor -> image encoder, against ref/moa_files. */
class SubjectEncoderTest {
    @Test
    void subjectFilesGiveTheReferenceEmbeddings() throws Exception {
        try (NDManager m = NDManager.newBaseManager();
                SafetensorsFile ref = Fixtures.ref("ref/moa_files/moa_files.safetensors")) {
            SubjectEncoder enc = SubjectEncoder.load(Fixtures.path("models/tiny-sd/image_encoder"), m);
            var emb = enc.embedFiles(List.of(Fixtures.path("ref/moa_files/pub_man.png"),
                    Fixtures.path("ref/moa_files/pub_woman.png")), m);
            Close.assertClose(ref.floats("image_embeds"), new long[] {2, 32}, emb.reshape(2, 32), 1e-4,
                    "moa_files image_embeds from PNG files");
        }
    }
}
