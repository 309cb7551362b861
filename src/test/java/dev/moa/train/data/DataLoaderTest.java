package dev.moa.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moa.image.ClipImageProcessor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Determinism, resume and epoch structure of {@link DataLoader}. */
class DataLoaderTest {

    /** Ten small entries with one subject each, at different places; counts loads. */
    static final class MemoryDataset implements SourceDataset {
        final List<SourceExample> examples = new ArrayList<>();
        final AtomicInteger loads = new AtomicInteger();

        MemoryDataset(int n) {
            for (int i = 0; i < n; i++) {
                int[] box = {2 + i, 3 + (i * 7) % 20, 20 + i, 25 + (i * 7) % 20};
                examples.add(PreprocessorTest.redOnBlue(48 + 4 * (i % 3), 48, box, "photo " + i + " of a box", "box"));
                examples.set(i, new SourceExample("e" + i, examples.get(i).image(), examples.get(i).caption(),
                        examples.get(i).subjects()));
            }
        }

        @Override
        public int size() {
            return examples.size();
        }

        @Override
        public String id(int index) {
            return examples.get(index).id();
        }

        @Override
        public SourceExample load(int index) {
            loads.incrementAndGet();
            return examples.get(index);
        }
    }

    static Preprocessor preprocessor() {
        return new Preprocessor(TestData.tokenizer(), PreprocessOptions.training().withResolution(32)
                .withReferenceProcessor(ClipImageProcessor.square(16)));
    }

    static void assertSameBatch(TrainingBatch a, TrainingBatch b) {
        assertEquals(a.step(), b.step());
        assertEquals(a.ids(), b.ids());
        assertEquals(a.captions(), b.captions());
        assertArrayEquals(a.images(), b.images(), "images of step " + a.step());
        assertArrayEquals(a.masks(), b.masks(), "masks of step " + a.step());
        assertArrayEquals(a.references(), b.references(), "references of step " + a.step());
        assertArrayEquals(a.inputIds(), b.inputIds());
        assertTrue(Arrays.deepEquals(a.positions(), b.positions()));
    }

    @Test
    void sameSeedSameBatchesWhateverTheThreads() throws IOException {
        MemoryDataset data = new MemoryDataset(10);
        List<TrainingBatch> a = new ArrayList<>(), b = new ArrayList<>();
        try (DataLoader la = DataLoader.builder(data, preprocessor()).batchSize(3).seed(42).threads(0).build();
             DataLoader lb = DataLoader.builder(data, preprocessor()).batchSize(3).seed(42).threads(3).prefetch(3).build()) {
            for (int i = 0; i < 8; i++) {
                a.add(la.next());
                b.add(lb.next());
            }
        }
        for (int i = 0; i < 8; i++) {
            assertEquals(i, a.get(i).step());
            assertSameBatch(a.get(i), b.get(i));
        }
        try (DataLoader other = DataLoader.builder(data, preprocessor()).batchSize(3).seed(43).threads(0).build()) {
            TrainingBatch o = other.next();
            assertFalse(Arrays.equals(o.images(), a.get(0).images()), "another seed, other batches");
        }
    }

    @Test
    void resumesExactlyAtAnyStep() throws IOException {
        MemoryDataset data = new MemoryDataset(10);
        List<TrainingBatch> run = new ArrayList<>();
        try (DataLoader l = DataLoader.builder(data, preprocessor()).batchSize(4).seed(7).threads(2).build()) {
            for (int i = 0; i < 9; i++) {
                run.add(l.next());
            }
            assertEquals(9, l.step());
            assertEquals(new DataLoader.State(7, 4, 9, 3, 6), l.state(), "slot 36 = epoch 3, position 6");
        }
        // a new loader started at step 5 (what a trainer resuming from a step-5 checkpoint builds)
        try (DataLoader resumed = DataLoader.builder(data, preprocessor()).batchSize(4).seed(7).startStep(5).threads(2).build()) {
            for (int i = 5; i < 9; i++) {
                assertSameBatch(run.get(i), resumed.next());
            }
            resumed.seek(2);
            assertSameBatch(run.get(2), resumed.next());
            assertSameBatch(run.get(3), resumed.next());
            assertSameBatch(run.get(7), resumed.batch(7));
            assertEquals(4, resumed.step(), "batch(step) does not move the loader");
        }
    }

    @Test
    void everyEpochVisitsEveryEntryOnceInANewOrder() throws IOException {
        MemoryDataset data = new MemoryDataset(10);
        try (DataLoader l = DataLoader.builder(data, preprocessor()).batchSize(5).seed(3).threads(0).build()) {
            List<List<String>> epochs = new ArrayList<>();
            for (int e = 0; e < 3; e++) {
                List<String> ids = new ArrayList<>(l.next().ids());
                ids.addAll(l.next().ids());
                List<String> sorted = new ArrayList<>(ids);
                sorted.sort(null);
                assertEquals(List.of("e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8", "e9"), sorted, "epoch " + e);
                epochs.add(ids);
            }
            assertNotEquals(epochs.get(0), epochs.get(1));
            assertNotEquals(epochs.get(1), epochs.get(2));
            assertEquals(2, l.stepsPerEpoch());
            assertEquals(3.0, l.epochAt(6));
        }
        // batches run across epoch boundaries: B = 4 over 10 entries; the same entry in two epochs gets other crops
        try (DataLoader l = DataLoader.builder(data, preprocessor()).batchSize(4).seed(3).threads(0).shuffle(false).build()) {
            List<String> ids = new ArrayList<>();
            Map<String, List<float[]>> pictures = new HashMap<>();
            for (int s = 0; s < 5; s++) {
                TrainingBatch b = l.next();
                ids.addAll(b.ids());
                for (TrainingExample e : b.examples()) {
                    pictures.computeIfAbsent(e.id(), k -> new ArrayList<>()).add(e.image());
                }
            }
            assertEquals(List.of("e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8", "e9", "e0", "e1", "e2", "e3", "e4",
                    "e5", "e6", "e7", "e8", "e9"), ids, "file order without shuffling");
            int differ = 0;
            for (List<float[]> p : pictures.values()) {
                differ += Arrays.equals(p.get(0), p.get(1)) ? 0 : 1;
            }
            assertTrue(differ >= 5, "epochs draw new randomness for the same entry: " + differ + " of 10 differ");
        }
    }

    @Test
    void prefetchesAheadWithThreadsAndStopsOnClose() throws Exception {
        MemoryDataset data = new MemoryDataset(10);
        DataLoader l = DataLoader.builder(data, preprocessor()).batchSize(2).seed(1).threads(2).prefetch(3).build();
        l.next();
        long deadline = System.nanoTime() + 30_000_000_000L;   // only a bound for a very loaded machine
        while (data.loads.get() < 8 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(data.loads.get() >= 8, "batches 1..3 prepared ahead: " + data.loads.get() + " loads");
        l.close();
        assertThrows(IllegalStateException.class, l::next);
    }

    @Test
    void failuresPropagateWithoutSkipping() throws IOException {
        SourceDataset broken = new SourceDataset() {
            @Override
            public int size() {
                return 3;
            }

            @Override
            public String id(int index) {
                return "b" + index;
            }

            @Override
            public SourceExample load(int index) throws IOException {
                throw new DataFormatException("cannot read /data/b" + index + ".jpg: corrupt");
            }
        };
        try (DataLoader l = DataLoader.builder(broken, preprocessor()).batchSize(1).threads(1).build()) {
            IOException e = assertThrows(IOException.class, l::next);
            assertTrue(e.getMessage().contains(".jpg: corrupt"), e.getMessage());
            assertEquals(0, l.step(), "a failed step is not consumed");
        }
        try (DataLoader l = DataLoader.builder(broken, preprocessor()).batchSize(1).threads(0).skipBadEntries(true)
                .warnings(new DataWarnings(0)).build()) {
            IOException e = assertThrows(IOException.class, l::next);
            assertTrue(e.getMessage().contains("no entry"), e.getMessage());
        }
    }
}
