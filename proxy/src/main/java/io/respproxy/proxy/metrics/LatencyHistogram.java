package io.respproxy.proxy.metrics;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * A latency histogram with fixed buckets, in the shape Prometheus wants (cumulative counts per
 * upper bound, a sum, a count). Recording is a bucket search over a short array and two
 * {@link LongAdder} adds: no lock, no allocation, no clock read (the caller measured already).
 * Dropwizard's histograms estimate quantiles from a reservoir that takes a lock (exponentially
 * decaying) or allocates (sliding windows) per update, which the data path cannot afford.
 */
public final class LatencyHistogram {

    /** Upper bounds in seconds: Redis commands take tens of microseconds; failovers take seconds. */
    private static final double[] BOUNDS_SECONDS = {
        0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    };
    private static final long[] BOUNDS_NANOS = new long[BOUNDS_SECONDS.length];

    static {
        for (int i = 0; i < BOUNDS_SECONDS.length; i++) {
            BOUNDS_NANOS[i] = Math.round(BOUNDS_SECONDS[i] * TimeUnit.SECONDS.toNanos(1));
        }
    }

    /** Per bucket (not cumulative); the last one is above every bound (+Inf). */
    private final LongAdder[] buckets = new LongAdder[BOUNDS_NANOS.length + 1];
    private final LongAdder sumNanos = new LongAdder();

    public LatencyHistogram() {
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = new LongAdder();
        }
    }

    /** Records one duration; a negative one (clocks read on two threads) counts as zero. */
    public void observeNanos(long nanos) {
        long n = Math.max(0, nanos);
        int i = 0;
        while (i < BOUNDS_NANOS.length && n > BOUNDS_NANOS[i]) {
            i++;
        }
        buckets[i].increment();
        sumNanos.add(n);
    }

    /** The bucket bounds in seconds (Prometheus {@code le}), +Inf excluded. */
    public static double[] boundsSeconds() {
        return BOUNDS_SECONDS.clone();
    }

    /**
     * What was recorded so far. Read while others record: each bucket is exact as of its own
     * read, and the count is the sum of the buckets read, so buckets and count always agree.
     */
    public Snapshot snapshot() {
        long[] cumulative = new long[buckets.length];
        long total = 0;
        for (int i = 0; i < buckets.length; i++) {
            total += buckets[i].sum();
            cumulative[i] = total;
        }
        return new Snapshot(cumulative, sumNanos.sum() / 1e9);
    }

    /**
     * @param cumulative observations at or under each bound, the last entry being the count (+Inf)
     * @param sumSeconds the sum of all observations
     */
    public record Snapshot(long[] cumulative, double sumSeconds) {
        public long count() {
            return cumulative[cumulative.length - 1];
        }
    }
}
