package io.respproxy.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.Shard;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VerifiedShardBuilderTest {

    static final NodeAddress M = new NodeAddress("127.0.0.1", 7001);
    static final NodeAddress R1 = new NodeAddress("127.0.0.1", 7002);
    static final NodeAddress R2 = new NodeAddress("127.0.0.1", 7003);
    static final String OLD = "a".repeat(40);
    static final String NEW = "b".repeat(40);

    final VerifiedShardBuilder builder = new VerifiedShardBuilder(
            new HealthSettings(Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 3, Duration.ofSeconds(10), 0),
            "the Sentinels");

    static NodeState master(NodeAddress a, String replid, String replid2, String... replicaLines) {
        StringBuilder sb = new StringBuilder("role:master\r\nmaster_replid:" + replid + "\r\nmaster_replid2:"
                + (replid2 == null ? "0".repeat(40) : replid2) + "\r\nmaster_repl_offset:5000\r\nsecond_repl_offset:"
                + (replid2 == null ? -1 : 4001) + "\r\nconnected_slaves:" + replicaLines.length + "\r\n");
        for (int i = 0; i < replicaLines.length; i++) {
            sb.append("slave").append(i).append(':').append(replicaLines[i]).append("\r\n");
        }
        return new NodeState(a, true, ReplicationInfo.parse(sb.toString()), null);
    }

    static NodeState replica(NodeAddress a) {
        return new NodeState(a, true, ReplicationInfo.parse("role:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:7001\r\n"
                + "master_link_status:up\r\nmaster_sync_in_progress:0\r\nslave_repl_offset:5000\r\nmaster_replid:" + OLD
                + "\r\n"), null);
    }

    /** The master's own list counts the replicas in sync; the Sentinels' list is what is known. */
    @Test
    void theMasterWithItsReplicasInSync() {
        Shard s = builder.build("m", M, null, List.of(R1, R2), Map.of(), Map.of(
                M, master(M, OLD, null, "ip=127.0.0.1,port=7002,state=online,offset=5000,lag=0"),
                R1, replica(R1), R2, replica(R2)));
        assertEquals(M, s.master());
        assertEquals(1, s.replicasInSync());
        assertEquals(2, s.replicasKnown());
    }

    /**
     * A named replica says role:master and continues the master's history: someone promoted it and
     * the Sentinels have not said so yet (or cannot be heard). No write goes to the old master,
     * whose further writes the promotion discards.
     */
    @Test
    void aReplicaPromotedFromTheMastersHistoryStopsWritesToIt() {
        Map<NodeAddress, NodeState> states = Map.of(M, master(M, OLD, null), R1, master(R1, NEW, OLD), R2, replica(R2));
        assertEquals(R1, VerifiedShardBuilder.promotedFrom(M, List.of(R1, R2), states));
        Shard s = builder.build("m", M, null, List.of(R1, R2), Map.of(), states);
        assertFalse(s.hasMaster());
        assertTrue(s.noMasterReason().startsWith(R1 + " was promoted from " + M + "'s history"), s.noMasterReason());
        // The other way round (the old master not demoted yet after the Sentinels named the new one):
        // the new master's history continues the old one's, not the reverse.
        assertNull(VerifiedShardBuilder.promotedFrom(R1, List.of(M, R2), states));
        assertEquals(R1, builder.build("m", R1, null, List.of(M, R2), Map.of(), states).master());
    }
}
