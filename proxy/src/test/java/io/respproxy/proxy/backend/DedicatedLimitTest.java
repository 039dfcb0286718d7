package io.respproxy.proxy.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.routing.NodeAddress;
import org.junit.jupiter.api.Test;

class DedicatedLimitTest {

    private static final NodeAddress A = new NodeAddress("127.0.0.1", 6379);
    private static final NodeAddress B = new NodeAddress("127.0.0.1", 6380);

    @Test
    void theCapIsPerNode() {
        DedicatedLimit limit = new DedicatedLimit(2);
        assertTrue(limit.tryAcquire(A));
        assertTrue(limit.tryAcquire(A));
        assertFalse(limit.tryAcquire(A));
        assertEquals(2, limit.openTo(A), "a refusal counts nothing");
        assertTrue(limit.tryAcquire(B), "another node has its own count");
        limit.release(A);
        assertTrue(limit.tryAcquire(A));
    }

    @Test
    void zeroAllowsNone() {
        DedicatedLimit limit = new DedicatedLimit(0);
        assertFalse(limit.tryAcquire(A));
        assertEquals(0, limit.openTo(A));
    }
}
