package io.respproxy.health;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ReplicationInfoTest {

    private static final String OLD = "a".repeat(40);

    @Test
    void aPromotedNodeSaysHowMuchOfItsPreviousHistoryItHolds() {
        // What a replica of OLD's history answers once REPLICAOF NO ONE promoted it at offset 1422873.
        ReplicationInfo promoted = ReplicationInfo.parse("# Replication\r\nrole:master\r\nconnected_slaves:0\r\n"
                + "master_failover_state:no-failover\r\nmaster_replid:" + "b".repeat(40) + "\r\nmaster_replid2:" + OLD
                + "\r\nmaster_repl_offset:1422900\r\nsecond_repl_offset:1422874\r\n");
        assertEquals(1422874, promoted.secondOffset());
        assertEquals(1422873, promoted.heldOf(OLD));
        assertEquals(-1, promoted.heldOf("c".repeat(40)), "another history: nothing to tell");
        // A master that was never promoted has no previous history (Redis shows zeros and -1).
        ReplicationInfo first = ReplicationInfo.parse("role:master\r\nmaster_replid:" + OLD + "\r\nmaster_replid2:"
                + "0".repeat(40) + "\r\nmaster_repl_offset:500\r\nsecond_repl_offset:-1\r\n");
        assertEquals(-1, first.secondOffset());
        assertEquals(-1, first.heldOf(OLD), "its own history is not a previous one");
    }
}
