package io.respproxy.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.respproxy.routing.AddressMap;
import io.respproxy.routing.NodeAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What addresses the slot map takes from the node fields of CLUSTER SHARDS and CLUSTER SLOTS, in
 * the RESP2 shapes redis 7.0.15 sends (checked by hand, see the testkit's RedisCluster): the
 * preferred endpoint first, through the {@code nat} map.
 */
class ClusterViewTest {

    private static final NodeAddress ANSWERED_BY = new NodeAddress("192.0.2.10", 7001);

    @Test
    void aHostnameEndpointGoesThroughAHostnameKeyedEntryKeepingThePort() {
        AddressMap nat = AddressMap.of(Map.of(), Map.of("node-1.respproxy.invalid", "127.0.0.1"));
        ClusterView v = ClusterView.fromShards(List.of(shard(0, 16383,
                node("a", 12001, "127.0.0.2", "node-1.respproxy.invalid", "node-1.respproxy.invalid", "master"),
                node("b", 12002, "127.0.0.2", "node-2.respproxy.invalid", "node-2.respproxy.invalid", "replica"))),
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
                node("a", 22001, "127.0.0.1", "node-1.respproxy.invalid", "node-1.respproxy.invalid", "master"))),
                1, ANSWERED_BY, nat);
        assertEquals(new NodeAddress("127.0.0.1", 12001), v.shards().get(0).master().address());
    }

    @Test
    void anAnnouncedIpEndpointIsMappedExactly() {
        AddressMap nat = AddressMap.of(Map.of(new NodeAddress("127.0.0.1", 22001), new NodeAddress("127.0.0.1", 12001)));
        ClusterView v = ClusterView.fromShards(List.of(shard(0, 16383,
                node("a", 22001, "127.0.0.1", "127.0.0.1", null, "master"))), 1, ANSWERED_BY, nat);
        assertEquals(new NodeAddress("127.0.0.1", 12001), v.shards().get(0).master().address());
    }

    /** Hostnames preferred, but this node has none: SHARDS says {@code endpoint ?}, MOVED {@code ?:port}. */
    @Test
    void aQuestionMarkEndpointFallsBackToTheIp() {
        AddressMap nat = AddressMap.of(Map.of(), Map.of("10.0.0.5", "192.0.2.10"));
        ClusterView v = ClusterView.fromShards(List.of(shard(0, 16383,
                node("a", 7003, "10.0.0.5", "?", null, "master"))), 1, ANSWERED_BY, nat);
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
                node("a", 7003, "10.0.0.5", "", null, "master"))), 1, ANSWERED_BY, AddressMap.NONE);
        assertEquals(new NodeAddress("192.0.2.10", 7003), v.shards().get(0).master().address());
    }

    /** A node that does not know its own IP yet (alone in its cluster) says {@code ip ""} and endpoint "". */
    @Test
    void noIpAtAllIsTheAnsweringNodesHost() {
        ClusterView v = ClusterView.fromShards(List.of(shard(0, 16383,
                node("a", 7001, "", "", null, "master"))), 1, ANSWERED_BY, AddressMap.NONE);
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
        List<Object> range = Arrays.asList(0L, 16383L, Arrays.asList(null, 7003L, "a", Arrays.asList("ip", "10.0.0.5")));
        ClusterView v = ClusterView.fromSlots(List.of(range), 1, ANSWERED_BY, AddressMap.NONE);
        assertEquals(new NodeAddress("192.0.2.10", 7003), v.shards().get(0).master().address());
    }

    @SafeVarargs
    private static List<Object> shard(long from, long to, List<Object>... nodes) {
        return Arrays.asList("slots", Arrays.asList(from, to), "nodes", Arrays.asList((Object[]) nodes));
    }

    /** One node of a SHARDS reply, fields in Redis's order; a null hostname is left out, as Redis does. */
    private static List<Object> node(String id, long port, String ip, String endpoint, String hostname, String role) {
        List<Object> out = new java.util.ArrayList<>(List.of("id", id, "port", port, "ip", ip, "endpoint", endpoint));
        if (hostname != null) {
            out.addAll(List.of("hostname", hostname));
        }
        out.addAll(List.of("role", role, "replication-offset", 100L, "health", "online"));
        return out;
    }
}
