package dev.moa.train;

import dev.moa.image.ClipImageProcessor;
import dev.moa.text.ClipTokenizer;
import dev.moa.train.data.DataLoader;
import dev.moa.train.data.FfhqWildDataset;
import dev.moa.train.data.ManifestDataset;
import dev.moa.train.data.PreprocessOptions;
import dev.moa.train.data.Preprocessor;
import dev.moa.train.data.SourceDataset;
import dev.moa.train.data.TrainingExample;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Training batches from a data set on disk: FastComposer's FFHQ-wild layout (a folder with
 * {@code image_ids*.txt}; its train split, or all ids) or a JSONL manifest. Validation examples come from
 * the test split when there is one, preprocessed without augmentation or dropout.
 */
public final class LoaderBatches implements BatchSource {
    private final DataLoader loader;
    private final SourceDataset validationSet;
    private final Preprocessor validationPrep;
    private final long seed;
    private final String description;

    private LoaderBatches(DataLoader loader, SourceDataset validationSet, Preprocessor validationPrep, long seed,
            String description) {
        this.loader = loader;
        this.validationSet = validationSet;
        this.validationPrep = validationPrep;
        this.seed = seed;
        this.description = description;
    }

    /**
     * @param options training preprocessing (resolution, augmentation, dropout); the reference processor is
     *     replaced by the image encoder's
     */
    public static LoaderBatches open(Path data, ClipTokenizer tokenizer, ClipImageProcessor referenceProcessor,
            PreprocessOptions options, int batchSize, long seed) throws IOException {
        SourceDataset train;
        SourceDataset test;
        if (Files.isDirectory(data)) {
            boolean split = Files.exists(data.resolve(FfhqWildDataset.Split.TRAIN.fileName));
            boolean all = Files.exists(data.resolve(FfhqWildDataset.Split.ALL.fileName));
            if (!split && !all) {
                throw new NoSuchFileException(data.toString(), null,
                        "not an FFHQ-wild data folder (no image_ids_train.txt or image_ids.txt); use a folder in FastComposer's "
                                + "layout, a .jsonl manifest, or make one with ./moa make-synthetic-data");
            }
            FfhqWildDataset.Options o = FfhqWildDataset.Options.defaults().withSkipMissing(true);
            train = FfhqWildDataset.open(data, split ? FfhqWildDataset.Split.TRAIN : FfhqWildDataset.Split.ALL, o);
            test = Files.exists(data.resolve(FfhqWildDataset.Split.TEST.fileName))
                    ? FfhqWildDataset.open(data, FfhqWildDataset.Split.TEST, o) : train;
        } else if (Files.isRegularFile(data)) {
            train = ManifestDataset.open(data);
            test = train;
        } else {
            throw new NoSuchFileException(data.toString(), null, "training data not found");
        }
        if (train.size() == 0) {
            throw new IOException(data + ": the data set has no examples");
        }
        PreprocessOptions opts = options.withReferenceProcessor(referenceProcessor);
        Preprocessor prep = new Preprocessor(tokenizer, opts);
        DataLoader loader = DataLoader.builder(train, prep).batchSize(batchSize).seed(seed).skipBadEntries(true).build();
        Preprocessor eval = new Preprocessor(tokenizer, PreprocessOptions.evaluation().withResolution(opts.resolution())
                .withReferenceProcessor(referenceProcessor));
        return new LoaderBatches(loader, test, eval, seed, train.size() + " training examples from " + data
                + (test != train ? " (+" + test.size() + " for validation)" : ""));
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public String dataProblems() {
        return loader.warnings().toString();
    }

    public DataLoader loader() {
        return loader;
    }

    @Override
    public List<TrainingExample> batch(long index) {
        try {
            return loader.batch(index).examples();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public int batchSize() {
        return loader.batchSize();
    }

    @Override
    public List<TrainingExample> validationSamples(int count) {
        List<TrainingExample> out = new ArrayList<>();
        for (int i = 0; i < validationSet.size() && out.size() < count; i++) {
            try {
                TrainingExample x = validationPrep.prepare(validationSet.load(i), seed, 0, i);
                if (!x.subjects().isEmpty()) {
                    out.add(x);
                }
            } catch (IOException | RuntimeException e) {
                // a bad validation entry only costs a row of the sheet
            }
        }
        return out;
    }

    @Override
    public void close() {
        loader.close();
    }
}
