package dev.moa.toy;

import dev.moa.image.ClipImageProcessor;
import dev.moa.moa.SubjectPrompt;
import dev.moa.text.ClipTokenizer;
import dev.moa.train.BatchSource;
import dev.moa.train.data.SubjectSample;
import dev.moa.train.data.TrainingExample;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * MoA training examples drawn from the toy world on the fly: a scene picture of a training identity, its class
 * caption ("a photo of a disc on a beach") with the class word bound to the subject, the subject's true mask, and a
 * separately rendered reference of the same identity (another pose, plain or noise background) through the image
 * encoder's preprocessing. Batch i is a pure function of (world seed, i), so resuming is exact and nothing is
 * stored. A share of examples is unconditional (empty caption, no subject), as classifier-free guidance needs.
 */
public final class ToyMoaBatches implements BatchSource {
    private final ToyWorld world;
    private final ClipTokenizer tokenizer;
    private final ClipImageProcessor processor;
    private final int batchSize;
    private final double uncondProb;

    public ToyMoaBatches(ToyWorld world, ClipTokenizer tokenizer, ClipImageProcessor processor, int batchSize,
            double uncondProb) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1");
        }
        this.world = world;
        this.tokenizer = tokenizer;
        this.processor = processor.withPadToSquare(true);
        this.batchSize = batchSize;
        this.uncondProb = uncondProb;
    }

    @Override
    public String description() {
        return "toy world (seed " + world.seed() + ", up to " + world.maxSubjects() + " subject"
                + (world.maxSubjects() == 1 ? "" : "s") + " per picture): pictures rendered on the fly, training"
                + " identities only, " + ToyWorld.SIZE + " px, references rendered separately";
    }

    @Override
    public List<TrainingExample> batch(long index) {
        List<TrainingExample> out = new ArrayList<>(batchSize);
        for (int k = 0; k < batchSize; k++) {
            long i = index * batchSize + k;
            ToyPicture scene = world.scene(i);
            boolean uncond = new SplittableRandom(world.seed() * 1_000_003 + i).nextDouble() < uncondProb;
            List<ToyPicture> refs = new ArrayList<>();
            for (int j = 0; j < scene.parts().size(); j++) {
                // the first subject's reference index is part 1's, so its batches are unchanged
                refs.add(world.reference(scene.parts().get(j).identity(), j == 0 ? i : i + j * 1_000_000_007L));
            }
            out.add(example("toy-" + i, scene, refs, uncond));
        }
        return out;
    }

    @Override
    public int batchSize() {
        return batchSize;
    }

    /** Held-out identities on fixed scene draws (never trained on). */
    @Override
    public List<TrainingExample> validationSamples(int count) {
        List<TrainingExample> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ToyIdentity id = world.heldOutIdentity(i);
            out.add(example("toy-held-out-" + i, world.scene(id, 9_000_000 + i), List.of(world.reference(id, 9_100_000 + i)),
                    false));
        }
        return out;
    }

    /** One example: every subject of the scene bound to its class word, with its own mask and reference. */
    private TrainingExample example(String id, ToyPicture scene, List<ToyPicture> references, boolean uncond) {
        int r = ToyWorld.SIZE;
        if (uncond) {
            return new TrainingExample(id, scene.chwSigned(), r, "", tokenizer.encodePadded(""), List.of(),
                    processor.outHeight(), true, false);
        }
        String caption = scene.caption();
        List<String> words = scene.parts().stream().map(p -> p.identity().classWord()).toList();
        SubjectPrompt bound = SubjectPrompt.bind(tokenizer, caption, words);
        List<SubjectSample> subjects = new ArrayList<>();
        for (int k = 0; k < words.size(); k++) {
            byte[] own = scene.parts().get(k).mask();
            float[] mask = new float[r * r];
            for (int p = 0; p < mask.length; p++) {
                mask[p] = own[p] != 0 ? 1f : 0f;
            }
            subjects.add(new SubjectSample(words.get(k), bound.positions()[k], mask,
                    processor.preprocess(references.get(k).image()), k));
        }
        return new TrainingExample(id, scene.chwSigned(), r, caption, tokenizer.encodePadded(caption), subjects,
                processor.outHeight(), false, false);
    }
}
