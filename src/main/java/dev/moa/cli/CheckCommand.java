package dev.moa.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.moa.image.Images;
import dev.moa.image.RgbImage;
import dev.moa.models.ClipTextModel;
import dev.moa.moa.SubjectEncoder;
import dev.moa.tensor.Ops;
import dev.moa.text.ClipTokenizer;
import dev.moa.text.Encoding;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code moa check}: a quick, generation-free check of the installation: tokenizes and encodes a prompt,
 * encodes a subject photo, and prints what it did.
 */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Encode a prompt and a subject photo with a model's CLIP encoders and report what happened.")
final class CheckCommand implements Callable<Integer> {

    @Option(names = "--model", paramLabel = "DIR", description = "diffusers model folder (default: the toy world, models/toy-world)")
    Path model;

    @Option(names = {"-p", "--prompt"}, defaultValue = "a photo of a heart <|image|> on a beach",
            description = "prompt to encode (default: \"${DEFAULT-VALUE}\")")
    String prompt;

    @Option(names = "--image", paramLabel = "FILE", description = "subject photo (default: a held-out toy-world heart, eval/toy/refs/h000.png)")
    Path image;

    @Option(names = "--image-encoder", paramLabel = "DIR", description = "CLIP image encoder folder (default: <model>/image_encoder)")
    Path imageEncoder;

    @Override
    public Integer call() throws Exception {
        Path dir = model != null ? model : Defaults.toyWorld();
        Path photo = image != null ? image : Defaults.toySubject();
        Path enc = imageEncoder != null ? imageEncoder : dir.resolve("image_encoder");
        Engine engine = Engine.getEngine("PyTorch");
        System.out.printf("engine     %s %s, ops: %s, threads: %d%n", engine.getEngineName(), engine.getVersion(),
                Ops.get().name(), ai.djl.pytorch.jni.JniUtils.getNumThreads());
        try (NDManager m = NDManager.newBaseManager()) {
            long t0 = System.nanoTime();
            ClipTokenizer tok = ClipTokenizer.fromFolder(dir.resolve("tokenizer"));
            String clean = prompt.replace(" <|image|>", "").replace("<|image|>", "");
            Encoding e = tok.encodeDetailedPadded(clean);
            int n = tok.encode(clean).length;
            System.out.printf("tokenizer  %d-token vocabulary; \"%s\" -> %d tokens%s%n", tok.vocabSize(), clean, n,
                    e.truncated() ? " (truncated to " + tok.maxLength() + ")" : "");
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < Math.min(n, tok.maxLength()); i++) {
                sb.append(tok.token(e.id(i))).append(i + 1 < n ? " " : "");
            }
            System.out.println("           " + sb);
            ClipTextModel te = ClipTextModel.load(dir.resolve("text_encoder"), m);
            NDArray ids = m.create(e.ids()).reshape(1, -1).toType(DataType.INT64, false);
            NDArray emb = te.encode(ids, 0);
            System.out.printf("text       %s -> embeddings %s, mean %.4f, std %.4f%n", dir.resolve("text_encoder"),
                    emb.getShape(), emb.mean().getFloat(), std(emb));
            if (Files.isDirectory(enc)) {
                SubjectEncoder se = SubjectEncoder.load(enc, m);
                RgbImage img = Images.read(photo);
                NDArray f = se.embed(List.of(img), m);
                System.out.printf("image      %s (%dx%d) -> padded to square, %dx%d CLIP input -> image_embeds %s, norm %.4f%n",
                        photo, img.width(), img.height(), se.processor().outWidth(), se.processor().outHeight(),
                        f.getShape(), f.norm().getFloat());
            } else {
                System.out.println("image      (no image encoder at " + enc + "; skipped)");
            }
            System.out.printf("ok in %.2f s%n", (System.nanoTime() - t0) / 1e9);
        }
        return 0;
    }

    private static float std(NDArray x) {
        NDArray c = x.sub(x.mean());
        return (float) Math.sqrt(c.mul(c).mean().getFloat());
    }
}
