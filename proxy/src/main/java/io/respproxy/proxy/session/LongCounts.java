package io.respproxy.proxy.session;

import java.util.Arrays;

/**
 * Positive counts by {@code long} key, without boxing: an open-addressing table with linear
 * probing, a key leaving when its count reaches zero (the entries after it shift back, so lookups
 * never cross tombstones). Sized for a handful of keys (a client's writes in flight) and grows as
 * needed. Not thread-safe: one event loop owns it.
 */
final class LongCounts {

    private static final long EMPTY = Long.MIN_VALUE;

    private long[] keys;
    private int[] counts;
    private int size;

    LongCounts() {
        keys = new long[8];
        counts = new int[8];
        Arrays.fill(keys, EMPTY);
    }

    /** The count of {@code key}, 0 when absent. */
    int get(long key) {
        int i = find(key);
        return i < 0 ? 0 : counts[i];
    }

    /** Adds one to {@code key}'s count; returns the new count. */
    int increment(long key) {
        int mask = keys.length - 1;
        for (int i = index(key, mask); ; i = (i + 1) & mask) {
            if (keys[i] == key) {
                return ++counts[i];
            }
            if (keys[i] == EMPTY) {
                keys[i] = key;
                counts[i] = 1;
                if (++size * 2 > keys.length) {
                    grow();
                }
                return 1;
            }
        }
    }

    /** Takes one from {@code key}'s count (nothing when absent); returns the new count. */
    int decrement(long key) {
        int i = find(key);
        if (i < 0) {
            return 0;
        }
        int c = --counts[i];
        if (c == 0) {
            remove(i);
        }
        return c;
    }

    boolean isEmpty() {
        return size == 0;
    }

    private int find(long key) {
        int mask = keys.length - 1;
        for (int i = index(key, mask); ; i = (i + 1) & mask) {
            if (keys[i] == key) {
                return i;
            }
            if (keys[i] == EMPTY) {
                return -1;
            }
        }
    }

    /** Empties slot {@code i} and shifts back the entries of its probe chain that may move into it. */
    private void remove(int i) {
        int mask = keys.length - 1;
        size--;
        int hole = i;
        for (int j = (i + 1) & mask; keys[j] != EMPTY; j = (j + 1) & mask) {
            int home = index(keys[j], mask);
            // j's entry may fill the hole when its home is not cyclically within (hole, j].
            if (((j - home) & mask) >= ((j - hole) & mask)) {
                keys[hole] = keys[j];
                counts[hole] = counts[j];
                hole = j;
            }
        }
        keys[hole] = EMPTY;
        counts[hole] = 0;
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldCounts = counts;
        keys = new long[oldKeys.length * 2];
        counts = new int[oldKeys.length * 2];
        Arrays.fill(keys, EMPTY);
        int mask = keys.length - 1;
        for (int k = 0; k < oldKeys.length; k++) {
            if (oldKeys[k] != EMPTY) {
                int i = index(oldKeys[k], mask);
                while (keys[i] != EMPTY) {
                    i = (i + 1) & mask;
                }
                keys[i] = oldKeys[k];
                counts[i] = oldCounts[k];
            }
        }
    }

    private static int index(long key, int mask) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }
}
