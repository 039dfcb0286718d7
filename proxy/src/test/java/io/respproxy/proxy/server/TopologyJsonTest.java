package io.respproxy.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.google.gson.JsonObject;
import io.respproxy.health.HealthSettings;
import io.respproxy.health.NodeState;
import io.respproxy.health.ReplicationInfo;
import io.respproxy.health.StaticShardBuilder;
import io.respproxy.routing.AddressMap;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.Shard;
import io.respproxy.routing.Topology;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TopologyJsonTest {

    static final NodeAddress A = new NodeAddress("127.0.0.1", 7001);
    static final NodeAddress B = new NodeAddress("127.0.0.1", 7002);
    static final NodeAddress C = new NodeAddress("127.0.0.1", 7003);
    static final NodeAddress D = new NodeAddress("127.0.0.1", 7004);

    static final StaticShardBuilder RULE = new StaticShardBuilder(
            new HealthSettings(Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 3, Duration.ofSeconds(10), 1000));

    static NodeState master(NodeAddress a, String... replicaLines) {
        StringBuilder sb = new StringBuilder("role:master\r\n");
        for (int i = 0; i < replicaLines.length; i++) {
            sb.append("slave").append(i).append(':').append(replicaLines[i]).append("\r\n");
        }
        return new NodeState(a, true, ReplicationInfo.parse(sb.append("master_repl_offset:5000\r\n").toString()), null);
    }

    static NodeState replica(NodeAddress a, NodeAddress of, boolean up, String failure) {
        return new NodeState(a, up, ReplicationInfo.parse("role:slave\r\nmaster_host:" + of.host() + "\r\nmaster_port:"
                + of.port() + "\r\nmaster_link_status:up\r\nmaster_sync_in_progress:0\r\n"), failure);
    }

    /**
     * A static service: the master, a replica that serves reads, one too far behind, one down, and
     * a server never reached; the nat map with the rewrite it made.
     */
    @Test
    void staticServiceWithReasonsAndNat() {
        AddressMap nat = AddressMap.of(Map.of(new NodeAddress("10.0.0.1", 6379), A));
        nat.reachable(new NodeAddress("10.0.0.1", 6379));
        List<NodeState> states = List.of(
                master(A, "ip=127.0.0.1,port=7002,state=online,offset=4990,lag=0",
                        "ip=127.0.0.1,port=7003,state=online,offset=1000,lag=1"),
                replica(B, A, true, null),
                replica(C, A, true, null),
                replica(D, A, false, "connection refused"),
                new NodeState(new NodeAddress("127.0.0.1", 7005), false, null, NodeState.NOT_PROBED));
        Topology t = Topology.single(7, Shard.withMaster("orders", A, List.of(B)));
        StringBuilder sb = new StringBuilder();
        TopologyJson.append(sb, "static", t, 2_500_000_000L, NodeReport.of(t, states, RULE), nat, java.util.Map.of());
        String json = sb.toString();
        assertEquals("{\"mode\":\"static\",\"version\":7,\"age_seconds\":2.5,\"shards\":[{\"id\":\"orders\","
                + "\"master\":\"127.0.0.1:7001\",\"replicas\":["
                + "{\"node\":\"127.0.0.1:7002\",\"eligible\":true},"
                + "{\"node\":\"127.0.0.1:7003\",\"eligible\":false,"
                + "\"why\":\"4000 bytes behind its master (max-replica-lag-bytes 1000)\"},"
                + "{\"node\":\"127.0.0.1:7004\",\"eligible\":false,\"why\":\"down: connection refused\"}]}],"
                + "\"nodes\":["
                + "{\"node\":\"127.0.0.1:7001\",\"up\":true,\"role\":\"master\",\"last_failure\":null},"
                + "{\"node\":\"127.0.0.1:7002\",\"up\":true,\"role\":\"replica\",\"master\":\"127.0.0.1:7001\","
                + "\"link_up\":true,\"lag_seconds\":0,\"lag_bytes\":10,\"last_failure\":null},"
                + "{\"node\":\"127.0.0.1:7003\",\"up\":true,\"role\":\"replica\",\"master\":\"127.0.0.1:7001\","
                + "\"link_up\":true,\"lag_seconds\":1,\"lag_bytes\":4000,\"last_failure\":null},"
                + "{\"node\":\"127.0.0.1:7004\",\"up\":false,\"role\":\"replica\",\"master\":\"127.0.0.1:7001\","
                + "\"link_up\":true,\"lag_seconds\":null,\"lag_bytes\":null,\"last_failure\":\"connection refused\"},"
                + "{\"node\":\"127.0.0.1:7005\",\"up\":false,\"role\":\"unknown\",\"last_failure\":\"not probed yet\"}],"
                + "\"nat\":{\"exact\":{\"10.0.0.1:6379\":\"127.0.0.1:7001\"},\"hosts\":{},"
                + "\"applied\":{\"10.0.0.1:6379\":\"127.0.0.1:7001\"}}}", json);
        StrictJson.parse(json);
    }

    /** A cluster: slot ranges per shard, a shard without a master says why; a node's name with a quote is escaped. */
    @Test
    void clusterShardsWithSlotRanges() {
        NodeAddress e = new NodeAddress("redis-\"e\"", 7005);
        short[] owners = new short[Topology.SLOTS];
        Arrays.fill(owners, 0, 100, (short) 0);
        Arrays.fill(owners, 100, 200, (short) 1);
        Arrays.fill(owners, 200, 8192, (short) 0);
        Arrays.fill(owners, 8192, Topology.SLOTS, (short) -1);
        Topology t = Topology.cluster(3, List.of(Shard.withMaster("m1", A, List.of(B)),
                Shard.withoutMaster("m2", List.of(), "the cluster names 127.0.0.1:7003 master, but it is down")),
                owners);
        List<NodeState> states = List.of(master(A, "ip=127.0.0.1,port=7002,state=online,offset=5000,lag=0"),
                replica(B, A, true, null), replica(e, C, true, null));
        StringBuilder sb = new StringBuilder();
        TopologyJson.append(sb, "cluster", t, -1, NodeReport.of(t, states, RULE), AddressMap.NONE, java.util.Map.of());
        JsonObject o = StrictJson.parse(sb.toString()).getAsJsonObject();
        assertEquals("null", o.get("age_seconds").toString());
        JsonObject m1 = o.getAsJsonArray("shards").get(0).getAsJsonObject();
        assertEquals("[[0,99],[200,8191]]", m1.get("slots").toString());
        assertEquals("[{\"node\":\"127.0.0.1:7002\",\"eligible\":true}]", m1.get("replicas").toString());
        JsonObject m2 = o.getAsJsonArray("shards").get(1).getAsJsonObject();
        assertEquals("[[100,199]]", m2.get("slots").toString());
        assertEquals("the cluster names 127.0.0.1:7003 master, but it is down", m2.get("no_master_reason").getAsString());
        assertEquals("[]", m2.get("replicas").toString(), "a replica of a master not in the view is listed in nodes only");
        assertEquals("redis-\"e\":7005", o.getAsJsonArray("nodes").get(2).getAsJsonObject().get("node").getAsString());
        assertEquals("{\"exact\":{},\"hosts\":{},\"applied\":{}}", o.get("nat").toString());
    }

    @Test
    void readinessSaysWhyPerService() {
        Topology ok = Topology.single(1, Shard.withMaster("s", A, List.of()));
        assertNull(ServiceReadiness.topologyReason(ok));
        assertEquals("no writable master: servers not probed yet",
                ServiceReadiness.topologyReason(Topology.unknown("servers not probed yet")));
        short[] owners = new short[Topology.SLOTS];
        Arrays.fill(owners, (short) 0);
        Arrays.fill(owners, 16000, 16100, (short) -1);
        Topology gap = Topology.cluster(2, List.of(Shard.withMaster("m1", A, List.of())), owners);
        assertEquals("slots 16000-16099 are served by no shard", ServiceReadiness.topologyReason(gap));
        Arrays.fill(owners, 16000, 16100, (short) 1);
        Topology down = Topology.cluster(3, List.of(Shard.withMaster("m1", A, List.of()),
                Shard.withoutMaster("m2", List.of(), "failover in progress")), owners);
        assertEquals("shard m2 (slots 16000-16099) has no writable master: failover in progress",
                ServiceReadiness.topologyReason(down));

        ServiceReadiness r = new ServiceReadiness();
        assertEquals("listener write (127.0.0.1:6380) is not accepting connections",
                r.reason(ok, List.of("write (127.0.0.1:6380)")));
        assertNull(r.reason(ok, List.of()));

        Readiness not = Readiness.of(new java.util.LinkedHashMap<>(Map.of("orders", "no writable master: x")));
        assertFalse(not.ready());
        assertEquals("{\"ready\":false,\"services\":{\"orders\":{\"ready\":false,\"reason\":\"no writable master: x\"}}}",
                not.json());
        java.util.Map<String, String> both = new java.util.LinkedHashMap<>();
        both.put("orders", null);
        both.put("cache", null);
        assertEquals("{\"ready\":true,\"services\":{\"orders\":{\"ready\":true},\"cache\":{\"ready\":true}}}",
                Readiness.of(both).json());
        StrictJson.parse(not.json());
    }
}
