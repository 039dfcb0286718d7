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

    @Test
    void anIdleConnectionIsReclaimedOnceAndOwedUntilSomeLoopClosesIt() {
        DedicatedLimit limit = new DedicatedLimit(2);
        assertTrue(limit.tryAcquire(A)); // in use
        assertTrue(limit.tryAcquire(A)); // a spare, idle in another loop
        limit.idle(A, 1);
        assertFalse(limit.payOwed(A), "nothing owed before a reclaim");
        assertTrue(limit.reclaimIdle(A, null), "at the cap, the idle spare makes room");
        assertEquals(3, limit.openTo(A), "counted over the cap until the spare closes");
        assertFalse(limit.reclaimIdle(A, null), "the one idle connection is already claimed");
        // The first loop to touch an idle connection to A closes it instead of reusing it.
        assertTrue(limit.payOwed(A));
        assertFalse(limit.payOwed(A), "paid once");
        limit.idle(A, -1);
        limit.release(A);
        assertEquals(2, limit.openTo(A));
        assertFalse(limit.reclaimIdle(A, null), "nothing idle any more");
    }
}
