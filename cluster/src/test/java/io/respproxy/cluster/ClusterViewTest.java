package io.respproxy.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.routing.AddressMap;
import io.respproxy.routing.NodeAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The parsers, fed what Lettuce hands over for Redis 7.0's CLUSTER SHARDS and 6.2's CLUSTER SLOTS (RESP2). */
class ClusterViewTest {

    private static final NodeAddress SEED = new NodeAddress("127.0.0.1", 7001);
    private static final NodeAddress ANSWERED_BY = new NodeAddress("192.0.2.10", 7001);
    private static final String N1 = "node-1.respproxy.invalid";
    private static final String N2 = "node-2.respproxy.invalid";

    private static List<Object> node(String id, String endpoint, long port, String role, String health) {
        return List.of("id", id, "port", port, "ip", "10.0.0.9", "endpoint", endpoint, "role", role,
                "replication-offset", 100L, "health", health);
    }

    @Test
    void shardsAreParsedSortedByLowestSlotAndMapped() {
        List<Object> reply = List.of(
                List.of("slots", List.of(5461L, 10922L), "nodes", List.of(
                        node("b1", "10.0.0.2", 6379, "master", "online"),
                        node("b2", "10.0.0.5", 6379, "replica", "loading"))),
                List.of("slots", List.of(0L, 100L, 200L, 5460L), "nodes", List.of(
                        node("a1", "10.0.0.1", 6379, "master", "online"),
                        node("a2", "10.0.0.4", 6379, "replica", "online"))),
                List.of("slots", List.of(), "nodes", List.of(node("e1", "10.0.0.7", 6379, "master", "online"))));
        AddressMap nat = AddressMap.of(Map.of(new NodeAddress("10.0.0.1", 6379), new NodeAddress("127.0.0.1", 7001)),
                Map.of("10.0.0.2", "127.0.0.2"));
        ClusterView v = ClusterView.fromShards(reply, 5, SEED, nat);
        assertEquals(2, v.shards().size(), "a master without slots serves nothing");
        ClusterView.ViewShard first = v.shards().get(0);
        assertArrayEquals(new int[] {0, 100, 200, 5460}, first.ranges());
        assertEquals(new NodeAddress("127.0.0.1", 7001), first.master().address());
        assertEquals("a1", first.master().id());
        assertEquals(new NodeAddress("10.0.0.4", 6379), first.replicas().get(0).address());
        ClusterView.ViewShard second = v.shards().get(1);
        assertEquals(new NodeAddress("127.0.0.2", 6379), second.master().address(), "host-only entry keeps the port");
        assertFalse(second.replicas().get(0).serving(), "a loading replica does not serve");
        assertEquals(16384 - (101 + 5261 + 5462), v.unownedSlots());
        assertTrue(v.isMaster(new NodeAddress("127.0.0.1", 7001)));
        assertEquals(5, v.epoch());
    }

    @Test
    void anUnknownEndpointIsTheAnsweringNodesHost() {
        List<Object> reply = List.of(List.of("slots", List.of(0L, 16383L), "nodes",
                List.of(List.of("id", "a1", "port", 7002L, "endpoint", "?", "role", "master", "health", "online"))));
        ClusterView v = ClusterView.fromShards(reply, 1, SEED, AddressMap.NONE);
        assertEquals(new NodeAddress("127.0.0.1", 7002), v.shards().get(0).master().address());
        assertEquals(0, v.unownedSlots());
    }

    @Test
    void aNodeWithoutAnAddressAndSlotsOutOfRangeAreSkippedNotFatal() {
        List<Object> forgotten = List.of("id", "gone", "ip", "", "endpoint", "", "role", "replica",
                "replication-offset", 0L, "health", "fail"); // no port at all: Redis knows no address
        List<Object> reply = List.of(
                List.of("slots", List.of(0L, 8000L), "nodes", List.of(
                        node("a1", "127.0.0.1", 7001, "master", "online"), forgotten)),
                List.of("slots", List.of(8001L, 99999L), "nodes", List.of(node("b1", "127.0.0.1", 7002, "master", "online"))));
        ClusterView v = ClusterView.fromShards(reply, 1, SEED, AddressMap.NONE);
        assertEquals(1, v.shards().size());
        assertEquals(List.of(), v.shards().get(0).replicas());
        List<Object> slots = List.of(
                List.of(0L, 100L, List.of("127.0.0.1", 7001L, "a1"), List.of("", 0L, "gone")),
                List.of(101L, 200L, List.of("127.0.0.1", 0L, "nobody")));
        ClusterView s = ClusterView.fromSlots(slots, 0, SEED, AddressMap.NONE);
        assertEquals(1, s.shards().size());
        assertEquals(List.of(), s.shards().get(0).replicas());
    }

    @Test
    void ofTwoMastersListedInOneShardTheOneThatServesIsTheMaster() {
        List<Object> reply = List.of(List.of("slots", List.of(0L, 16383L), "nodes", List.of(
                node("old", "127.0.0.1", 7001, "master", "fail"),
                node("new", "127.0.0.1", 7004, "master", "online"))));
        ClusterView v = ClusterView.fromShards(reply, 1, SEED, AddressMap.NONE);
        assertEquals("new", v.shards().get(0).master().id());
    }

    @Test
    void slotsRangesOfOneMasterFormOneShard() {
        List<Object> reply = List.of(
                List.of(0L, 99L, List.of("127.0.0.1", 7001L, "a1"), List.of("127.0.0.1", 7004L, "a2")),
                List.of(100L, 8000L, List.of("127.0.0.1", 7002L, "b1")),
                List.of(8001L, 16383L, List.of("", 7001L, "a1", Map.of()), List.of("127.0.0.1", 7004L, "a2")));
        ClusterView v = ClusterView.fromSlots(reply, 0, SEED, AddressMap.NONE);
        assertEquals(2, v.shards().size());
        assertArrayEquals(new int[] {0, 99, 8001, 16383}, v.shards().get(0).ranges());
        assertEquals(List.of(new NodeAddress("127.0.0.1", 7004)),
                v.shards().get(0).replicas().stream().map(ClusterView.ViewNode::address).toList());
        assertEquals(new NodeAddress("127.0.0.1", 7002), v.shards().get(1).master().address());
        assertTrue(v.sameSlotOwners(ClusterView.fromSlots(reply, 3, SEED, AddressMap.NONE)));
    }

    @Test
    void theEpochComesFromClusterInfo() {
        assertEquals(17, ClusterNodeLink.epoch("cluster_state:ok\r\ncluster_current_epoch:17\r\ncluster_my_epoch:2\r\n"));
        assertEquals(0, ClusterNodeLink.epoch("cluster_state:ok\r\n"));
    }

    // What the nat map and the endpoint fields make of announced addresses, in the shapes redis 7.0.15
    // sends (checked by hand, see the testkit's RedisCluster): the preferred endpoint first, then the map.
    @Test
    void aHostnameEndpointGoesThroughAHostnameKeyedEntryKeepingThePort() {
        AddressMap nat = AddressMap.of(Map.of(), Map.of("node-1.respproxy.invalid", "127.0.0.1"));
        ClusterView v = ClusterView.fromShards(List.of(shard(0, 16383,
                announcedNode("a", 12001, "127.0.0.2", N1, N1, "master"),
                announcedNode("b", 12002, "127.0.0.2", N2, N2, "replica"))),
                1, ANSWERED_BY, nat);
        assertEquals(new NodeAddress("127.0.0.1", 12001), v.shards().get(0).master().address());
        // no entry for node-2: it stays as announced (the proxy would have to resolve it)
        assertEquals(new NodeAddress("node-2.respproxy.invalid", 12002),
                v.shards().get(0).replicas().get(0).address());
    }

    @Test
    void anExactEntryKeyedByHostnameAndPortWins() {
        AddressMap nat = AddressMap.of(
                Map.of(new NodeAddress("node-1.respproxy.invalid", 22001), new NodeAddress("127.0.0.1", 12001)),
                Map.of("node-1.respproxy.invalid", "127.0.0.9"));
        ClusterView v = ClusterView.fromShards(List.of(shard(0, 16383,
                announcedNode("a", 22001, "127.0.0.1", N1, N1, "master"))),
                1, ANSWERED_BY, nat);
        assertEquals(new NodeAddress("127.0.0.1", 12001), v.shards().get(0).master().address());
    }

    @Test
    void anAnnouncedIpEndpointIsMappedExactly() {
        AddressMap nat = AddressMap.of(
                Map.of(new NodeAddress("127.0.0.1", 22001), new NodeAddress("127.0.0.1", 12001)));
        ClusterView v = ClusterView.fromShards(List.of(shard(0, 16383,
                announcedNode("a", 22001, "127.0.0.1", "127.0.0.1", null, "master"))), 1, ANSWERED_BY, nat);
        assertEquals(new NodeAddress("127.0.0.1", 12001), v.shards().get(0).master().address());
    }

    /** Hostnames preferred, but this node has none: SHARDS says {@code endpoint ?}, MOVED {@code ?:port}. */
    @Test
    void aQuestionMarkEndpointFallsBackToTheIp() {
        AddressMap nat = AddressMap.of(Map.of(), Map.of("10.0.0.5", "192.0.2.10"));
        ClusterView v = ClusterView.fromShards(List.of(shard(0, 16383,
                announcedNode("a", 7003, "10.0.0.5", "?", null, "master"))), 1, ANSWERED_BY, nat);
        assertEquals(new NodeAddress("192.0.2.10", 7003), v.shards().get(0).master().address());
    }

    /**
     * {@code cluster-preferred-endpoint-type unknown-endpoint} (nodes behind a load balancer): SHARDS
     * says {@code endpoint ""} beside the node's own {@code ip}, and MOVED {@code :port}. Redis means
     * "where you asked, at this port", as the proxy reads an empty MOVED host; the {@code ip} is the
     * address the node has inside, which is what the endpoint setting hides.
     */
    @Test
    void anEmptyEndpointIsTheAnsweringNodesHostNotTheIp() {
        ClusterView v = ClusterView.fromShards(List.of(shard(0, 16383,
                announcedNode("a", 7003, "10.0.0.5", "", null, "master"))), 1, ANSWERED_BY, AddressMap.NONE);
        assertEquals(new NodeAddress("192.0.2.10", 7003), v.shards().get(0).master().address());
    }

    /** A node that does not know its own IP yet (alone in its cluster) says {@code ip ""} and endpoint "". */
    @Test
    void noIpAtAllIsTheAnsweringNodesHost() {
        ClusterView v = ClusterView.fromShards(List.of(shard(0, 16383,
                announcedNode("a", 7001, "", "", null, "master"))), 1, ANSWERED_BY, AddressMap.NONE);
        assertEquals(new NodeAddress("192.0.2.10", 7001), v.shards().get(0).master().address());
    }

    @Test
    void slotsWithAHostnameAndItsIpInTheMetadata() {
        AddressMap nat = AddressMap.of(Map.of(), Map.of("node-1.respproxy.invalid", "127.0.0.1"));
        List<Object> range = Arrays.asList(0L, 16383L,
                Arrays.asList("node-1.respproxy.invalid", 12001L, "a", Arrays.asList("ip", "127.0.0.2")));
        ClusterView v = ClusterView.fromSlots(List.of(range), 1, ANSWERED_BY, nat);
        assertEquals(new NodeAddress("127.0.0.1", 12001), v.shards().get(0).master().address());
    }

    /** unknown-endpoint in CLUSTER SLOTS: a null host ({@code $-1}). */
    @Test
    void slotsWithANullHostIsTheAnsweringNodesHost() {
        List<Object> range = Arrays.asList(0L, 16383L,
                Arrays.asList(null, 7003L, "a", Arrays.asList("ip", "10.0.0.5")));
        ClusterView v = ClusterView.fromSlots(List.of(range), 1, ANSWERED_BY, AddressMap.NONE);
        assertEquals(new NodeAddress("192.0.2.10", 7003), v.shards().get(0).master().address());
    }

    @Test
    void theSlotTableHasEachSlotsShardAndMovedPatchesToKnownMastersOnly() {
        NodeAddress a = new NodeAddress("127.0.0.1", 7001);
        NodeAddress b = new NodeAddress("127.0.0.1", 7002);
        ClusterView v = new ClusterView(List.of(
                new ClusterView.ViewShard(new int[] {0, 99, 200, 5460}, new ClusterView.ViewNode("a1", a, true),
                        List.of(new ClusterView.ViewNode("a2", new NodeAddress("127.0.0.1", 7004), true))),
                new ClusterView.ViewShard(new int[] {5461, 16383}, new ClusterView.ViewNode("b1", b, true), List.of())),
                3);
        short[] owner = v.slotOwners(Map.of(7000, a, 42, new NodeAddress("127.0.0.1", 7999)));
        assertEquals(16384, owner.length);
        assertEquals(0, owner[0]);
        assertEquals(0, owner[42], "a MOVED to a node that is no master of the view changes nothing");
        assertEquals(-1, owner[100]);
        assertEquals(-1, owner[199]);
        assertEquals(0, owner[5460]);
        assertEquals(1, owner[5461]);
        assertEquals(0, owner[7000], "a MOVED to a master of the view patches its slot");
        assertEquals(1, owner[16383]);
        assertEquals("127.0.0.1:7001 [0-99 200-5460] + 1 replica, 127.0.0.1:7002 [5461-16383] + 0 replicas; "
                + "100 slots unowned", v.describe());
    }

    @SafeVarargs
    private static List<Object> shard(long from, long to, List<Object>... nodes) {
        return Arrays.asList("slots", Arrays.asList(from, to), "nodes", Arrays.asList((Object[]) nodes));
    }

    /** One node of a SHARDS reply, fields in Redis's order; a null hostname is left out, as Redis does. */
    private static List<Object> announcedNode(String id, long port, String ip, String endpoint, String hostname,
                                              String role) {
        List<Object> out = new java.util.ArrayList<>(List.of("id", id, "port", port, "ip", ip, "endpoint", endpoint));
        if (hostname != null) {
            out.addAll(List.of("hostname", hostname));
        }
        out.addAll(List.of("role", role, "replication-offset", 100L, "health", "online"));
        return out;
    }
}
