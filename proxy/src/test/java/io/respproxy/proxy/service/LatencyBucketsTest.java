package io.respproxy.proxy.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** LATENCY HISTOGRAM's buckets as Redis 7 reports them (powers of two from 1,024 ns). */
class LatencyBucketsTest {

    @Test
    void bucketsDoubleFrom1024NanosWithRedissLabels() {
        assertEquals(0, LatencyBuckets.bucket(0));
        assertEquals(0, LatencyBuckets.bucket(1031)); // 1,024 and the 1/128 of Redis's 2 significant digits
        assertEquals(1, LatencyBuckets.bucket(1032));
        assertEquals(1, LatencyBuckets.bucket(2063));
        assertEquals(2, LatencyBuckets.bucket(2064));
        assertEquals(5, LatencyBuckets.bucket(32_900)); // Redis's 33 µs
        assertEquals(LatencyBuckets.BUCKETS - 1, LatencyBuckets.bucket(LatencyBuckets.MAX_NANOS));
        // Redis's labels (its docs show "33"): 1, 2, 4, 8, 16, 33, 66, 132, ... 1056, ... 1082130.
        assertEquals(1, LatencyBuckets.labelMicros(0));
        assertEquals(33, LatencyBuckets.labelMicros(5));
        assertEquals(66, LatencyBuckets.labelMicros(6));
        assertEquals(1056, LatencyBuckets.labelMicros(10));
        assertEquals(1082130, LatencyBuckets.labelMicros(LatencyBuckets.BUCKETS - 1));
    }

    @Test
    void cumulativeCountsOfTheNonEmptyBucketsAndReset() {
        LatencyBuckets b = new LatencyBuckets();
        b.record(500);      // 1 µs bucket
        b.record(900);
        b.record(3_000);    // 4 µs
        b.record(100_000);  // 132 µs
        b.record(60_000_000_000L); // a minute: counted as Redis's one second, the last bucket
        assertEquals(5, b.calls());
        assertArrayEquals(new long[] {1, 2, 4, 3, 132, 4, 1082130, 5}, b.cumulative());
        b.reset();
        assertEquals(0, b.calls());
        assertArrayEquals(new long[0], b.cumulative());
    }
}
