package io.respproxy.proxy.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.routing.NodeAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class WriteOrderTest {

    private static final NodeAddress A = new NodeAddress("127.0.0.1", 7001);
    private static final NodeAddress B = new NodeAddress("127.0.0.1", 7002);

    @Test
    void oneShardModesOrderEveryWriteAcrossNodes() {
        WriteOrder w = new WriteOrder();
        w.sent(A, -1);
        assertTrue(w.mayWriteTo(A, -1), "the same node keeps the order itself");
        assertFalse(w.mayWriteTo(B, -1), "the master changed with a write unanswered on the old one");
        assertTrue(w.blocking());
        w.answered(A, -1);
        assertFalse(w.blocking());
        assertTrue(w.mayWriteTo(B, -1));
    }

    @Test
    void clusterWritesAreOrderedPerSlot() {
        WriteOrder w = new WriteOrder();
        w.sent(A, 10);
        w.sent(A, 10);
        assertTrue(w.mayWriteTo(B, 20), "another slot on another shard goes in parallel");
        w.sent(B, 20);
        assertFalse(w.mayWriteTo(B, 10), "slot 10 moved to B with writes unanswered on A");
        assertTrue(w.othersInFlight(A, 10));
        w.moved(A, B, 10); // one of them was redirected to B
        assertFalse(w.mayWriteTo(B, 10), "one is still on A");
        w.answered(A, 10);
        assertTrue(w.mayWriteTo(B, 10));
        assertFalse(w.othersInFlight(B, 10));
        assertEquals(List.of(A, B), w.takeWrittenSinceWait());
        assertEquals(List.of(), w.takeWrittenSinceWait());
    }
}
