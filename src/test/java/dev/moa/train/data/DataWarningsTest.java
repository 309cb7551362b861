package dev.moa.train.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each data problem is told once, however many epochs meet it, and summed up with its count. */
class DataWarningsTest {
    @Test
    void aProblemMetEveryEpochIsToldOnceAndCounted() {
        List<String> told = new ArrayList<>();
        DataWarnings w = new DataWarnings(2, told::add);
        for (int epoch = 0; epoch < 3; epoch++) {
            w.add(DataWarnings.Kind.EMPTY_MASK, "img/7 subject 'dog'");
            w.add(DataWarnings.Kind.WORD_NOT_IN_CAPTION, "img/9 subject 'cat' in \"a dog\"");
        }
        w.add(DataWarnings.Kind.EMPTY_MASK, "img/8 subject 'man'");
        w.add(DataWarnings.Kind.EMPTY_MASK, "img/11 subject 'man'");   // third distinct one: counted only
        assertEquals(List.of("img/7 subject 'dog': subject mask is empty; subject dropped",
                "img/9 subject 'cat' in \"a dog\": subject word not found in the caption; subject dropped",
                "img/8 subject 'man': subject mask is empty; subject dropped (further problems of this kind are only"
                        + " counted)"), told);
        assertEquals(5, w.count(DataWarnings.Kind.EMPTY_MASK));
        assertEquals(3, w.distinct(DataWarnings.Kind.EMPTY_MASK));
        assertTrue(w.toString().contains("3 entries: subject mask is empty; subject dropped (met 5 times)"), w.toString());
        assertTrue(w.toString().contains("1 entry: subject word not found"), w.toString());
    }
}
