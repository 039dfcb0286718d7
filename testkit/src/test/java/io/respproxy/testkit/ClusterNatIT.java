package io.respproxy.testkit;

import static io.respproxy.testkit.junit.TopologyAssertions.assertNoProcessLeft;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lettuce.core.RedisCommandExecutionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cluster nodes that announce addresses only the cluster itself reaches: CLUSTER SHARDS, CLUSTER
 * SLOTS and MOVED name those (a port nothing outside reaches, or a hostname nothing resolves), a
 * client outside cannot use them, and the cluster still gossips, replicates and fails over.
 */
class ClusterNatIT {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterNatIT.class);

    @BeforeAll
    static void needsRedis7() {
        assumeTrue(RedisBinary.locate().version().isAtLeast(7, 0), "bind-source-addr needs redis 7.0+");
    }

    @Test
    void nodesAnnounceShiftedPortsAndStillReplicateAndFailOver() {
        long t0 = System.nanoTime();
        RedisCluster c = RedisTopologies.cluster().password("pw").announce(Announce.portOffset(10000)).start();
        try (c) {
            LOG.info("6-node cluster behind NAT up in {} ms", Clients.millisSince(t0));
            assertEquals(6, c.natMap().size());
            for (RedisNode n : c.nodes()) {
                RedisEndpoint announced = RedisEndpoint.loopback(n.port() + 10000);
                assertEquals(announced, c.announcedEndpoint(n));
                assertEquals(announced, c.announcedIpEndpoint(n));
                assertEquals(n.endpoint(), c.natMap().get(announced));
                // outside the NAT: the announced address resets, the real one answers
                assertEquals(Optional.empty(), RawPing.ping(announced, Duration.ofSeconds(1)));
                assertEquals("-NOAUTH Authentication required.", Clients.anonymousPing(n));
            }
            assertEquals(Map.of(), c.hostnameMap());

            RedisNode master = c.masters().get(0);
            List<Map<String, String>> shardNodes = shardNodes(master);
            assertEquals(6, shardNodes.size());
            for (Map<String, String> sn : shardNodes) {
                RedisNode n = byId(c, sn.get("id"));
                assertEquals("127.0.0.1", sn.get("ip"), sn.toString());
                assertEquals("127.0.0.1", sn.get("endpoint"), sn.toString());
                assertEquals(Integer.toString(c.announcedEndpoint(n).port()), sn.get("port"), sn.toString());
                assertTrue(!sn.containsKey("hostname"), sn.toString());
            }
            assertEquals(announcedSet(c, c.masters()), slotsMasters(master));
            RedisNode other = c.masters().get(1);
            assertEquals(c.announcedEndpoint(other), movedTarget(master, keyOwnedBy(c, other)));

            // replication goes through the announced address
            RedisNode replica = c.replicasOf(master).get(0);
            Map<String, String> repl = Info.replication(replica);
            assertEquals(Integer.toString(c.announcedEndpoint(master).port()), repl.get("master_port"));
            assertEquals("up", repl.get("master_link_status"));

            long t1 = System.nanoTime();
            c.failover(replica, Duration.ofSeconds(30));
            LOG.info("CLUSTER FAILOVER behind NAT: {} -> {} in {} ms", master, replica, Clients.millisSince(t1));
            Poll.untilTrue(Duration.ofSeconds(30), master + " to step down", () -> master.role() == NodeRole.REPLICA);
            assertEquals(List.of(master), c.replicasOf(replica));
            // the other masters learn the promotion by gossip, a moment later
            Poll.untilTrue(Duration.ofSeconds(10), other + " to list " + replica + " as a master",
                    () -> slotsMasters(other).contains(c.announcedEndpoint(replica)));
            c.awaitStable(Duration.ofSeconds(30));

            // kill -9 behind NAT: the replica is promoted over the relayed bus, and the old master
            // restarts on its port, bus port and relays, and rejoins as a replica
            long t2 = System.nanoTime();
            c.kill(replica);
            RedisNode promoted = c.awaitPromotedReplica(replica, List.of(master), Duration.ofSeconds(30));
            LOG.info("master killed behind NAT: {} promoted in {} ms", promoted, Clients.millisSince(t2));
            c.restart(replica);
            c.awaitStable(Duration.ofSeconds(30));
            Poll.untilTrue(Duration.ofSeconds(30), replica + " to rejoin as a replica",
                    () -> replica.role() == NodeRole.REPLICA);
            assertEquals(List.of(replica), c.replicasOf(master));
        }
        assertNoProcessLeft(c);
        for (RedisNode n : c.nodes()) {
            RedisEndpoint relay = RedisEndpoint.loopback(n.port() + 10000);
            // TIME_WAIT from relayed connections keeps the port from being bound at once: connect instead
            assertThrows(java.net.ConnectException.class, () -> {
                try (java.net.Socket s = new java.net.Socket(relay.host(), relay.port())) {
                    s.getInputStream();
                }
            }, "the relay on " + relay + " is closed");
        }
    }

    @Test
    void nodesAnnounceUnresolvableHostnames() {
        RedisCluster c = RedisTopologies.cluster().password("pw")
                .announce(Announce.host("127.0.0.2").withHostnames("respproxy.invalid")).start();
        try (c) {
            Map<String, RedisEndpoint> names = c.hostnameMap();
            assertEquals(6, names.size());
            for (RedisNode n : c.nodes()) {
                String hostname = n.name() + ".respproxy.invalid";
                assertEquals(n.endpoint(), names.get(hostname));
                assertEquals(new RedisEndpoint(hostname, n.port()), c.announcedEndpoint(n));
                assertEquals(new RedisEndpoint("127.0.0.2", n.port()), c.announcedIpEndpoint(n));
                assertEquals(n.endpoint(), c.natMap().get(c.announcedEndpoint(n)));
                assertEquals(Optional.empty(), RawPing.ping(c.announcedIpEndpoint(n), Duration.ofSeconds(1)));
            }

            RedisNode master = c.masters().get(0);
            for (Map<String, String> sn : shardNodes(master)) {
                RedisNode n = byId(c, sn.get("id"));
                assertEquals("127.0.0.2", sn.get("ip"), sn.toString());
                assertEquals(n.name() + ".respproxy.invalid", sn.get("endpoint"), sn.toString());
                assertEquals(n.name() + ".respproxy.invalid", sn.get("hostname"), sn.toString());
                assertEquals(Integer.toString(n.port()), sn.get("port"), sn.toString());
            }
            assertEquals(announcedSet(c, c.masters()), slotsMasters(master));
            RedisNode other = c.masters().get(2);
            assertEquals(c.announcedEndpoint(other), movedTarget(master, keyOwnedBy(c, other)));
            assertEquals("127.0.0.2", Info.replication(c.replicasOf(master).get(0)).get("master_host"));

            RedisNode replica = c.replicasOf(other).get(0);
            c.failover(replica, Duration.ofSeconds(30));
            // The other masters learn the promotion by gossip, a moment after the cluster says ok.
            Poll.untilTrue(Duration.ofSeconds(10), master + " to redirect to the promoted " + replica,
                    () -> c.announcedEndpoint(replica).equals(movedTarget(master, keyOwnedBy(c, replica))));
        }
        assertNoProcessLeft(c);
    }

    @Test
    void hostnamesAloneNeedNoRelay() {
        RedisCluster c = RedisTopologies.cluster().mastersCount(3).replicasPerMaster(0)
                .announce(Announce.hostnames("respproxy.invalid")).start();
        try (c) {
            RedisNode first = c.nodes().get(0);
            assertEquals(new RedisEndpoint("node-1.respproxy.invalid", first.port()), c.announcedEndpoint(first));
            assertEquals(first.endpoint(), c.announcedIpEndpoint(first));
            RedisNode other = c.nodes().get(1);
            assertEquals(c.announcedEndpoint(other), movedTarget(first, keyOwnedBy(c, other)));
        }
        assertNoProcessLeft(c);
    }

    /**
     * A master added behind NAT announces its shifted port like the others: the map lists it, MOVED
     * names it once it serves a slot, and when it is removed it leaves the map and its relay closes.
     */
    @Test
    void aMasterAddedBehindNatAnnouncesItsShiftedPort() {
        RedisCluster c = RedisTopologies.cluster().mastersCount(3).replicasPerMaster(0).password("pw")
                .announce(Announce.portOffset(10000)).start();
        try (c) {
            RedisNode added = c.addMaster();
            RedisEndpoint announced = RedisEndpoint.loopback(added.port() + 10000);
            assertEquals(announced, c.announcedEndpoint(added));
            assertEquals(added.endpoint(), c.natMap().get(announced));
            assertEquals(4, c.natMap().size());
            assertEquals(Optional.empty(), RawPing.ping(announced, Duration.ofSeconds(1)), "outside the NAT");

            RedisNode owner = c.masters().get(0);
            String key = keyOwnedBy(c, owner);
            int slot = io.lettuce.core.cluster.SlotHash.getSlot(key);
            c.moveSlot(slot, owner, added);
            assertEquals(announced, movedTarget(owner, key));
            assertTrue(slotsMasters(owner).contains(announced));

            c.moveSlot(slot, added, owner);
            c.removeNode(added);
            assertEquals(3, c.natMap().size());
            assertTrue(!slotsMasters(owner).contains(announced));
            assertThrows(java.net.ConnectException.class, () -> {
                try (java.net.Socket s = new java.net.Socket(announced.host(), announced.port())) {
                    s.getInputStream();
                }
            }, "the relay on " + announced + " is closed");
        }
        assertNoProcessLeft(c);
    }

    private static Set<RedisEndpoint> announcedSet(RedisCluster c, List<RedisNode> nodes) {
        return nodes.stream().map(c::announcedEndpoint).collect(Collectors.toSet());
    }

    private static RedisNode byId(RedisCluster c, String id) {
        return c.nodes().stream().filter(n -> c.nodeId(n).equals(id)).findFirst().orElseThrow();
    }

    /** Every node of {@code asked}'s CLUSTER SHARDS, as a map of its fields. */
    private static List<Map<String, String>> shardNodes(RedisNode asked) {
        List<Object> shards = Clients.with(asked.redisUri(), cmd -> cmd.clusterShards());
        List<Map<String, String>> out = new ArrayList<>();
        for (Object shard : shards) {
            List<?> nodes = (List<?>) flat(shard).get("nodes");
            for (Object n : nodes) {
                Map<String, String> m = new LinkedHashMap<>();
                flat(n).forEach((k, v) -> m.put(k, String.valueOf(v)));
                out.add(m);
            }
        }
        return out;
    }

    private static Map<String, Object> flat(Object kv) {
        List<?> l = (List<?>) kv;
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < l.size(); i += 2) {
            m.put(String.valueOf(l.get(i)), l.get(i + 1));
        }
        return m;
    }

    /** The masters {@code asked}'s CLUSTER SLOTS names, host (first element) and port. */
    private static Set<RedisEndpoint> slotsMasters(RedisNode asked) {
        List<Object> slots = Clients.with(asked.redisUri(), cmd -> cmd.clusterSlots());
        return slots.stream().map(r -> (List<?>) ((List<?>) r).get(2))
                .map(m -> new RedisEndpoint(String.valueOf(m.get(0)), ((Number) m.get(1)).intValue()))
                .collect(Collectors.toSet());
    }

    /** A key whose slot {@code master} serves: the first of k0, k1, ... it answers without -MOVED. */
    private static String keyOwnedBy(RedisCluster c, RedisNode master) {
        return Clients.with(master.redisUri(), cmd -> {
            for (int i = 0; i < 1000; i++) {
                try {
                    cmd.get("k" + i);
                    return "k" + i;
                } catch (RedisCommandExecutionException e) {
                    // -MOVED: another master's
                }
            }
            throw new AssertionError("no key of " + master + " among k0..k999");
        });
    }

    /** Where {@code asked} sends a GET of {@code key}: the host:port of its -MOVED. */
    private static RedisEndpoint movedTarget(RedisNode asked, String key) {
        RedisCommandExecutionException e = assertThrows(RedisCommandExecutionException.class,
                () -> Clients.with(asked.redisUri(), cmd -> cmd.get(key)));
        String[] parts = e.getMessage().split(" ");
        assertEquals("MOVED", parts[0], e.getMessage());
        return RedisEndpoint.parse(parts[2]);
    }
}
