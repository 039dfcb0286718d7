package io.respproxy.proxy.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

    @Test
    void aValueOnABoundCountsInThatBucketAndCountsAreCumulative() {
        LatencyHistogram h = new LatencyHistogram();
        h.observeNanos(TimeUnit.MICROSECONDS.toNanos(50)); // le=0.00005 exactly
        h.observeNanos(TimeUnit.MICROSECONDS.toNanos(51)); // le=0.0001
        h.observeNanos(TimeUnit.MILLISECONDS.toNanos(3)); // le=0.005
        h.observeNanos(TimeUnit.SECONDS.toNanos(60)); // +Inf
        h.observeNanos(-5); // two clocks disagreeing: zero
        LatencyHistogram.Snapshot s = h.snapshot();
        double[] bounds = LatencyHistogram.boundsSeconds();
        assertEquals(bounds.length + 1, s.cumulative().length);
        assertEquals(2, s.cumulative()[0], "0 and 50 us");
        assertEquals(3, s.cumulative()[1]);
        assertEquals(3, s.cumulative()[5], "le=0.0025");
        assertEquals(4, s.cumulative()[6], "le=0.005");
        assertEquals(4, s.cumulative()[bounds.length - 1], "le=10");
        assertEquals(5, s.count());
        assertEquals(60.003101, s.sumSeconds(), 1e-9);
    }

    @Test
    void boundsAreTheDocumentedOnes() {
        assertArrayEquals(new double[] {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                0.1, 0.25, 0.5, 1, 2.5, 5, 10}, LatencyHistogram.boundsSeconds());
    }
}
