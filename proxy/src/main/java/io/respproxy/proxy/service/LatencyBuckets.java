package io.respproxy.proxy.service;

import java.util.concurrent.atomic.LongAdder;

/**
 * One command's LATENCY HISTOGRAM, as Redis 7 keeps it: calls, and counts in buckets that double
 * from 1,024 ns, each ending where Redis's histogram (HdrHistogram, 2 significant digits) ends it,
 * 1/128 past the power of two, and labelled as Redis labels it: 1, 2, 4, 8, 16, 33, 66, 132... µs.
 * Times are counted from 1,024 ns to one second, as Redis clamps them. Reset by CONFIG RESETSTAT.
 * Updated by every loop: two increments per call.
 */
public final class LatencyBuckets {

    static final long FIRST_NANOS = 1024;
    /** 1,024 ns x 2^20 is past one second, Redis's highest trackable value. */
    static final int BUCKETS = 21;

    private final LongAdder calls = new LongAdder();
    private final LongAdder[] counts = new LongAdder[BUCKETS];

    LatencyBuckets() {
        for (int i = 0; i < BUCKETS; i++) {
            counts[i] = new LongAdder();
        }
    }

    static final long MAX_NANOS = 1_000_000_000L;

    /** The highest time bucket {@code k} holds: 1,024 ns x 2^k and the 1/128 Redis's precision adds, less one. */
    static long upperNanos(int k) {
        long power = FIRST_NANOS << k;
        return power + (power >> 7) - 1;
    }

    /** The bucket a time falls in: the first whose upper bound it does not exceed. */
    static int bucket(long nanos) {
        if (nanos <= FIRST_NANOS) {
            return 0;
        }
        int k = Math.min(64 - Long.numberOfLeadingZeros((nanos - 1) / FIRST_NANOS), BUCKETS - 1);
        return k > 0 && nanos <= upperNanos(k - 1) ? k - 1 : k;
    }

    /** Redis's label for bucket {@code k}: its upper bound in whole microseconds. */
    static long labelMicros(int k) {
        return upperNanos(k) / 1000;
    }

    public void record(long nanos) {
        calls.increment();
        counts[bucket(Math.min(Math.max(0, nanos), MAX_NANOS))].increment();
    }

    public long calls() {
        return calls.sum();
    }

    /**
     * The non-empty buckets as Redis replies them: label, then the count at or below it
     * (cumulative), for each bucket where that count grows.
     */
    public long[] cumulative() {
        long[] out = new long[2 * BUCKETS];
        int n = 0;
        long sum = 0;
        for (int k = 0; k < BUCKETS; k++) {
            long c = counts[k].sum();
            if (c > 0) {
                sum += c;
                out[n++] = labelMicros(k);
                out[n++] = sum;
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }

    void reset() {
        calls.reset();
        for (LongAdder c : counts) {
            c.reset();
        }
    }
}
