package io.respproxy.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class NodeAddressTest {

    @Test
    void hostsCompareWithoutCaseAndIpv6PrintsInBrackets() {
        assertEquals(new NodeAddress("redis-0.redis", 7001), new NodeAddress("Redis-0.Redis", 7001));
        NodeAddress v6 = new NodeAddress("::1", 6380);
        assertEquals("[::1]:6380", v6.toString());
        assertEquals("127.0.0.1:6379", new NodeAddress("127.0.0.1", 6379).toString());
    }

    @Test
    void readTargetRoundRobinsThenFallsBack() {
        NodeAddress m = new NodeAddress("127.0.0.1", 1);
        NodeAddress r1 = new NodeAddress("127.0.0.1", 2);
        NodeAddress r2 = new NodeAddress("127.0.0.1", 3);
        Shard shard = Shard.withMaster("s", m, List.of(r1, r2));
        assertEquals(r1, shard.readTarget(0, true));
        assertEquals(r2, shard.readTarget(1, true));
        assertEquals(r1, shard.readTarget(2, true));
        assertEquals(r2, shard.readTarget(-1, true));
        Shard noReplicas = Shard.withMaster("s", m, List.of());
        assertEquals(m, noReplicas.readTarget(5, true));
        assertEquals(null, noReplicas.readTarget(5, false));
        Shard headless = Shard.withoutMaster("s", List.of(), "failover in progress");
        assertEquals(null, headless.readTarget(0, true));
        assertEquals("failover in progress", headless.noMasterReason());
    }

    @Test
    void clusterSlotTableMapsSlotsToShards() {
        Shard a = Shard.withMaster("a", new NodeAddress("127.0.0.1", 1), List.of());
        Shard b = Shard.withMaster("b", new NodeAddress("127.0.0.1", 2), List.of());
        short[] owners = new short[Topology.SLOTS];
        java.util.Arrays.fill(owners, 0, 8192, (short) 0);
        java.util.Arrays.fill(owners, 8192, 16383, (short) 1);
        owners[16383] = -1;
        Topology t = Topology.cluster(3, List.of(a, b), owners);
        assertEquals(a, t.shardForSlot(0));
        assertEquals(b, t.shardForSlot(8192));
        assertEquals(null, t.shardForSlot(16383));
        assertTrue(t.isCluster());
        assertTrue(t.sameRoutingAs(t.withVersion(4)));
    }
}
