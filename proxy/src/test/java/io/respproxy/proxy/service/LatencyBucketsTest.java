package io.respproxy.proxy.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** LATENCY HISTOGRAM's buckets as Redis 7 reports them (powers of two from 1,024 ns). */
class LatencyBucketsTest {

    @Test
    void bucketsDoubleFrom1024NanosWithRedissLabels() {
        assertEquals(0, LatencyBuckets.bucket(0));
        assertEquals(0, LatencyBuckets.bucket(1024));
        assertEquals(1, LatencyBuckets.bucket(1025));
        assertEquals(1, LatencyBuckets.bucket(2048));
        assertEquals(2, LatencyBuckets.bucket(2049));
        assertEquals(LatencyBuckets.BUCKETS - 1, LatencyBuckets.bucket(60_000_000_000L)); // a minute: the last
        assertEquals(1, LatencyBuckets.labelMicros(0));
        assertEquals(65, LatencyBuckets.labelMicros(6));
        assertEquals(1048, LatencyBuckets.labelMicros(10));
    }

    @Test
    void cumulativeCountsOfTheNonEmptyBucketsAndReset() {
        LatencyBuckets b = new LatencyBuckets();
        b.record(500);      // 1 µs bucket
        b.record(900);
        b.record(3_000);    // 4 µs
        b.record(100_000);  // 131 µs
        assertEquals(4, b.calls());
        assertArrayEquals(new long[] {1, 2, 4, 3, 131, 4}, b.cumulative());
        b.reset();
        assertEquals(0, b.calls());
        assertArrayEquals(new long[0], b.cumulative());
    }
}
