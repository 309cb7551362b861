package dev.moa.text;

import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-level BPE over one pre-token ("word"). Each UTF-8 byte starts as its own symbol, the last one with the
 * {@code </w>} suffix; then the adjacent pair with the lowest merge rank is merged, leftmost first on ties,
 * until no pair has a rule. This is the order HF's priority queue and openai/CLIP's loop both produce.
 */
final class Bpe {
    /** Bounded like HF's word cache: prompts repeat a small set of words, arbitrary input must not grow it. */
    private static final int CACHE_CAPACITY = 10_000;
    /** Marks a position whose symbol was merged into its left neighbour (ids are never negative). */
    private static final int REMOVED = -1;

    private final int[] byteIds;    // id of the table symbol of each byte, -1 if the vocab lacks it
    private final int[] byteEndIds; // the same with "</w>", used for the word's last byte
    private final PairTable merges;
    private final int unkId;
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    Bpe(int[] byteIds, int[] byteEndIds, PairTable merges, int unkId) {
        this.byteIds = byteIds;
        this.byteEndIds = byteEndIds;
        this.merges = merges;
        this.unkId = unkId;
    }

    /** The ids of one pre-token (non-empty, already normalized). The returned array must not be modified. */
    int[] encode(String word) {
        int[] cached = cache.get(word);
        if (cached != null) {
            return cached;
        }
        int[] ids = merge(ByteLevel.utf8(word));
        if (cache.size() < CACHE_CAPACITY) {
            cache.put(word, ids);
        }
        return ids;
    }

    private int[] merge(byte[] bytes) {
        int n = bytes.length;
        int[] sym = new int[n];   // current symbol id at each original position; REMOVED once merged away
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0; i < n; i++) {
            int id = (i == n - 1 ? byteEndIds : byteIds)[bytes[i] & 0xFF];
            sym[i] = id >= 0 ? id : unkId; // HF: unknown symbols become unk, one each (fuse_unk false)
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        // (rank << 32 | left position): natural long order = lowest rank, then leftmost
        PriorityQueue<Long> queue = new PriorityQueue<>();
        for (int i = 0; i + 1 < n; i++) {
            offer(queue, sym[i], sym[i + 1], i);
        }
        int alive = n;
        while (!queue.isEmpty()) {
            long top = queue.poll();
            int pos = (int) top;
            int rank = (int) (top >>> 32);
            int right = sym[pos] == REMOVED ? -1 : next[pos];
            if (right < 0) {
                continue;
            }
            long rule = merges.get(sym[pos], sym[right]);
            if (rule == PairTable.ABSENT || PairTable.rank(rule) != rank) {
                continue; // stale: one side was merged with something else since this entry was queued
            }
            sym[pos] = PairTable.mergedId(rule);
            sym[right] = REMOVED;
            next[pos] = next[right];
            if (next[pos] >= 0) {
                prev[next[pos]] = pos;
            }
            alive--;
            if (prev[pos] >= 0) {
                offer(queue, sym[prev[pos]], sym[pos], prev[pos]);
            }
            if (next[pos] >= 0) {
                offer(queue, sym[pos], sym[next[pos]], pos);
            }
        }
        int[] out = new int[alive];
        for (int i = 0, k = 0; i >= 0 && k < alive; i = next[i]) {
            out[k++] = sym[i];
        }
        return out;
    }

    private void offer(PriorityQueue<Long> queue, int left, int right, int pos) {
        long rule = merges.get(left, right);
        if (rule != PairTable.ABSENT) {
            queue.add(((long) PairTable.rank(rule) << 32) | pos);
        }
    }
}
