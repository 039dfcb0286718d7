package io.respproxy.proxy.metrics;

/**
 * The last {@link System#nanoTime()} read on one event loop, shared by everything that measures
 * there: the data path already reads the clock once per backend reply (for its stall check), so
 * latencies are taken from that reading instead of a second one. Whoever reads the clock on the
 * loop for its own reasons stores it here ({@link #set}); a measurement made where nobody has read
 * it lately ({@link #tick}) reads it once. Owned by one event loop: plain fields, no fences.
 */
public final class LoopClock {

    private long now = System.nanoTime();

    /** The latest reading on this loop. */
    public long now() {
        return now;
    }

    /** Reads the clock, keeps and returns the reading. */
    public long tick() {
        now = System.nanoTime();
        return now;
    }

    /** Keeps a reading taken by the caller. */
    public void set(long nanos) {
        now = nanos;
    }
}
