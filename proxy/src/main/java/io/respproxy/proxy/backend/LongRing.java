package io.respproxy.proxy.backend;

/**
 * A growable ring of longs kept in step with a connection's FIFO of pending replies: the time
 * each request was written. An array, not boxed values: nothing is allocated per request once it
 * has grown to the connection's usual depth. One event loop only.
 */
final class LongRing {

    private long[] items = new long[16];
    private int head;
    private int size;

    int size() {
        return size;
    }

    void addLast(long v) {
        grow();
        items[(head + size) & (items.length - 1)] = v;
        size++;
    }

    void addFirst(long v) {
        grow();
        head = (head - 1) & (items.length - 1);
        items[head] = v;
        size++;
    }

    /** The oldest entry, kept; 0 when empty. */
    long peekFirst() {
        return size == 0 ? 0 : items[head];
    }

    /** The oldest entry, removed; 0 when empty. */
    long pollFirst() {
        if (size == 0) {
            return 0;
        }
        long v = items[head];
        head = (head + 1) & (items.length - 1);
        size--;
        return v;
    }

    /** Sets the newest {@code count} entries to {@code v}. */
    void setLast(int count, long v) {
        int n = Math.min(count, size);
        for (int i = size - n; i < size; i++) {
            items[(head + i) & (items.length - 1)] = v;
        }
    }

    void clear() {
        head = 0;
        size = 0;
    }

    private void grow() {
        if (size < items.length) {
            return;
        }
        long[] bigger = new long[items.length * 2];
        for (int i = 0; i < size; i++) {
            bigger[i] = items[(head + i) & (items.length - 1)];
        }
        items = bigger;
        head = 0;
    }
}
