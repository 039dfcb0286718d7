package io.respproxy.proxy.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.Shard;
import io.respproxy.routing.Topology;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which changes of a shard's master are failovers: a promoted replica's, not a resharding's, even
 * when the resharding empties the node that served the shard's lowest slot.
 */
class ShardMasterChangesTest {

    private static final NodeAddress A = new NodeAddress("127.0.0.1", 7001);
    private static final NodeAddress B = new NodeAddress("127.0.0.1", 7002);
    /** A's replica. */
    private static final NodeAddress A_REPLICA = new NodeAddress("127.0.0.1", 7003);
    /** A master that joined the cluster. */
    private static final NodeAddress D = new NodeAddress("127.0.0.1", 7004);

    private final ServiceRuntime.ServiceStats stats = new ServiceRuntime.ServiceStats();
    private final List<String> left = new ArrayList<>();
    private final ShardMasterChanges changes = new ShardMasterChanges("s1", stats,
            (node, early) -> left.add(node + (early ? " early" : "")), new PromotionLoss("s1", stats, false));

    @Test
    void aJoinedNodeThatTakesAShardsLowestSlotAndGivesItBackIsNoFailover() {
        changes.seen(cluster(A, 0, 8191, B, 8192, 16383));
        // D takes slot 0, the lowest of A's shard, then another, then gives both back and is empty
        changes.seen(cluster(D, 0, 0, A, 1, 8191, B, 8192, 16383));
        changes.seen(cluster(D, 0, 0, A, 1, 8191, B, 8192, 9999, D, 10000, 10000, B, 10001, 16383));
        changes.seen(cluster(D, 0, 0, A, 1, 8191, B, 8192, 16383));
        changes.seen(cluster(A, 0, 8191, B, 8192, 16383));
        assertEquals(0, stats.failovers.sum());
        assertEquals(List.of(), left);
    }

    @Test
    void aPromotedReplicaIsAFailover() {
        changes.seen(cluster(A, 0, 8191, B, 8192, 16383));
        changes.seen(cluster(A_REPLICA, 0, 8191, B, 8192, 16383));
        assertOneFailoverFrom(A);
    }

    @Test
    void aPromotedReplicaAfterAWhileWithoutMasterIsAFailover() {
        changes.seen(cluster(A, 0, 8191, B, 8192, 16383));
        changes.seen(cluster(null, 0, 8191, B, 8192, 16383));
        changes.seen(cluster(A_REPLICA, 0, 8191, B, 8192, 16383));
        assertOneFailoverFrom(A);
    }

    @Test
    void aPromotedReplicaOfTheJoinedNodeIsAFailover() {
        NodeAddress dReplica = new NodeAddress("127.0.0.1", 7005);
        changes.seen(cluster(A, 0, 8191, B, 8192, 16383));
        changes.seen(cluster(D, 0, 0, A, 1, 8191, B, 8192, 16383));
        changes.seen(cluster(dReplica, 0, 0, A, 1, 8191, B, 8192, 16383));
        assertOneFailoverFrom(D);
    }

    /** One failover counted, and the service told it left {@code old} (after the new master was published). */
    private void assertOneFailoverFrom(NodeAddress old) {
        assertEquals(1, stats.failovers.sum());
        assertEquals(List.of(old.toString()), left);
    }

    /**
     * A snapshot from (master, first slot, last slot) triples, in slot order; a master named
     * twice is one shard; a null master is a shard without one.
     */
    private static Topology cluster(Object... triples) {
        List<Shard> shards = new ArrayList<>();
        List<NodeAddress> masters = new ArrayList<>();
        short[] owner = new short[Topology.SLOTS];
        Arrays.fill(owner, (short) -1);
        for (int i = 0; i < triples.length; i += 3) {
            NodeAddress m = (NodeAddress) triples[i];
            int index = m == null ? -1 : masters.indexOf(m);
            if (index < 0) {
                masters.add(m);
                shards.add(m == null ? Shard.withoutMaster("failed", List.of(), "the cluster marks it failed")
                        : Shard.withMaster("id-" + m.port(), m, List.of()));
                index = shards.size() - 1;
            }
            for (int slot = (int) triples[i + 1]; slot <= (int) triples[i + 2]; slot++) {
                owner[slot] = (short) index;
            }
        }
        return Topology.cluster(1, shards, owner);
    }
}
