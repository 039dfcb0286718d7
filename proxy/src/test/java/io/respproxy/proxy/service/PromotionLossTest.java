package io.respproxy.proxy.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.respproxy.health.ReplicationInfo;
import io.respproxy.routing.NodeAddress;
import org.junit.jupiter.api.Test;

class PromotionLossTest {

    private static final NodeAddress OLD = new NodeAddress("127.0.0.1", 7001);
    private static final NodeAddress NEW = new NodeAddress("127.0.0.1", 7002);
    private static final String A = "a".repeat(40);
    private static final String B = "b".repeat(40);

    private final ServiceRuntime.ServiceStats stats = new ServiceRuntime.ServiceStats();
    private final PromotionLoss loss = new PromotionLoss("s1", stats, false);

    private static ReplicationInfo master(String replid, long offset, String replid2, long secondOffset) {
        return ReplicationInfo.parse("role:master\r\nmaster_replid:" + replid + "\r\nmaster_replid2:"
                + (replid2 == null ? "0".repeat(40) : replid2) + "\r\nmaster_repl_offset:" + offset
                + "\r\nsecond_repl_offset:" + secondOffset + "\r\n");
    }

    private static ReplicationInfo replicaOf(String replid, long offset) {
        return ReplicationInfo.parse("role:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:7001\r\n"
                + "master_link_status:up\r\nslave_repl_offset:" + offset + "\r\nmaster_replid:" + replid + "\r\n");
    }

    /** The old master answers at offset 1000 with 300 bytes acknowledged before the question. */
    private void oldMasterAnswered() {
        loss.acknowledged(OLD, 300);
        loss.observed(OLD, master(A, 1000, null, -1), loss.mark(OLD));
    }

    @Test
    void writesAcknowledgedAfterTheLastAnswerThatThePromotedNodeLacksAreCounted() {
        oldMasterAnswered();
        loss.acknowledged(OLD, 500); // after the answer: the history reached 1000 + 500
        loss.failover(OLD, NEW);
        loss.observed(NEW, replicaOf(A, 1200), loss.mark(NEW)); // not promoted yet: nothing to tell
        assertEquals(0, stats.discardedBytes.sum());
        // Promoted at offset 1300: second_repl_offset 1301.
        loss.observed(NEW, master(B, 1300, A, 1301), loss.mark(NEW));
        assertEquals(1500 - 1300, stats.discardedBytes.sum());
        assertEquals(1, stats.discardingFailovers.sum());
        loss.observed(NEW, master(B, 1400, A, 1301), loss.mark(NEW));
        assertEquals(200, stats.discardedBytes.sum(), "reported once");
    }

    @Test
    void aPromotedNodeThatHasEverythingDiscardedNothing() {
        oldMasterAnswered();
        loss.failover(OLD, NEW);
        loss.observed(NEW, master(B, 1100, A, 1001), loss.mark(NEW));
        assertEquals(0, stats.discardedBytes.sum());
        assertEquals(0, stats.discardingFailovers.sum());
    }

    @Test
    void anOlderAnswerOfTheSameHistoryDoesNotReplaceANewerOne() {
        long early = loss.mark(OLD);
        loss.acknowledged(OLD, 100);
        long late = loss.mark(OLD);
        loss.observed(OLD, master(A, 2100, null, -1), late);
        loss.observed(OLD, master(A, 2000, null, -1), early); // a probe asked before the role check
        loss.failover(OLD, NEW);
        loss.observed(NEW, master(B, 2100, A, 2001), loss.mark(NEW));
        assertEquals(100, stats.discardedBytes.sum());
    }

    @Test
    void aNodeOfAnotherHistoryTellsNothing() {
        oldMasterAnswered();
        loss.failover(OLD, NEW);
        loss.observed(NEW, master(B, 5000, "c".repeat(40), 10), loss.mark(NEW));
        assertEquals(0, stats.discardedBytes.sum());
        assertEquals(0, stats.discardingFailovers.sum());
    }

    @Test
    void writesAcknowledgedWhileTheAnswerWasOnItsWayAreNotCountedAsDiscarded() {
        loss.acknowledged(OLD, 300);
        long asked = loss.mark(OLD);
        loss.acknowledged(OLD, 40); // the offset in the answer may or may not hold these
        loss.observed(OLD, master(A, 1000, null, -1), asked);
        loss.failover(OLD, NEW);
        loss.observed(NEW, master(B, 1100, A, 1001), loss.mark(NEW)); // it holds 1000: perhaps all
        assertEquals(0, stats.discardedBytes.sum());
        assertEquals(0, stats.discardingFailovers.sum());
    }

    /**
     * The sequence: B continued A's history at 1001 (first failover), C continued B's at
     * 2001 (second); the third promotes the original master, which never synced from B or C and
     * still has history A, up to 1500. Of C's history, which reached 3000, it holds only what the
     * chain shares with A: up to 1000.
     */
    @Test
    void aNodePromotedFromAnOlderHistoryHoldsOnlyWhatTheChainShares() {
        NodeAddress c = new NodeAddress("127.0.0.1", 7003);
        String cid = "c".repeat(40);
        String d = "d".repeat(40);
        loss.observed(NEW, master(B, 2000, A, 1001), loss.mark(NEW)); // B continued A at 1001
        loss.observed(c, master(cid, 3000, B, 2001), loss.mark(c)); // C continued B at 2001
        loss.failover(c, OLD);
        loss.observed(OLD, master(d, 1500, A, 1501), loss.mark(OLD)); // the original master, promoted again
        assertEquals(3000 - 1000, stats.discardedBytes.sum());
        assertEquals(-1, loss.heldAlongLineage(master(d, 10, "e".repeat(40), 11), cid), "an unrelated history");
        assertEquals(1499, loss.heldAlongLineage(master(d, 1500, B, 1500), cid), "B's history up to 1499: all C holds of it");
        assertEquals(2000, loss.heldAlongLineage(master(d, 2500, B, 2400), cid), "no further than where C left B");
    }
}
