package dev.moa.text;

import java.util.Arrays;

/**
 * Merge rules keyed by the ids of the two symbols: (left, right) -> (rank, merged id). An open-addressing
 * table of primitive longs, because ~49k boxed entries would dominate load time and garbage.
 */
final class PairTable {
    static final long ABSENT = -1L;
    private static final long EMPTY = -1L; // no real key: ids are never negative

    private long[] keys;
    private long[] values;
    private int size;

    PairTable(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new long[cap];
        values = new long[cap];
        Arrays.fill(keys, EMPTY);
    }

    /** Adds or replaces a rule (a later duplicate wins, as in HF and openai/CLIP, which build a dict). */
    void put(int left, int right, int rank, int mergedId) {
        if ((size + 1) * 2 > keys.length) {
            grow();
        }
        insert(key(left, right), ((long) rank << 32) | (mergedId & 0xFFFFFFFFL));
    }

    /** The packed rule for (left, right), or {@link #ABSENT}; unpack with {@link #rank} / {@link #mergedId}. */
    long get(int left, int right) {
        long k = key(left, right);
        int mask = keys.length - 1;
        for (int i = slot(k, mask); ; i = (i + 1) & mask) {
            long cur = keys[i];
            if (cur == k) {
                return values[i];
            }
            if (cur == EMPTY) {
                return ABSENT;
            }
        }
    }

    static int rank(long rule) {
        return (int) (rule >>> 32);
    }

    static int mergedId(long rule) {
        return (int) rule;
    }

    private void insert(long k, long v) {
        int mask = keys.length - 1;
        for (int i = slot(k, mask); ; i = (i + 1) & mask) {
            if (keys[i] == k) {
                values[i] = v;
                return;
            }
            if (keys[i] == EMPTY) {
                keys[i] = k;
                values[i] = v;
                size++;
                return;
            }
        }
    }

    private void grow() {
        long[] oldKeys = keys;
        long[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new long[oldKeys.length * 2];
        Arrays.fill(keys, EMPTY);
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY) {
                insert(oldKeys[i], oldValues[i]);
            }
        }
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private static int slot(long k, int mask) {
        long h = k * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29)) & mask;
    }
}
