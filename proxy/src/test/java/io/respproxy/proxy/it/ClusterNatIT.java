package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.codahale.metrics.MetricRegistry;
import io.respproxy.proxy.config.ProxyConfigLoader;
import io.respproxy.proxy.server.ProxyDataPlane;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.Shard;
import io.respproxy.routing.slot.SlotHash;
import io.respproxy.testkit.Announce;
import io.respproxy.testkit.PortAllocator;
import io.respproxy.testkit.RedisBinary;
import io.respproxy.testkit.RedisCluster;
import io.respproxy.testkit.RedisEndpoint;
import io.respproxy.testkit.RedisNode;
import io.respproxy.testkit.RedisTopologies;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisMovedDataException;

/**
 * Cluster mode behind NAT, on loopback: every node announces an address the proxy cannot reach
 * (a port whose relay resets every connection but the cluster's own, or a hostname nothing
 * resolves), so CLUSTER SHARDS and every -MOVED / -ASK name addresses the proxy reaches only
 * through its {@code nat} map. See the testkit's {@link RedisCluster} for what Redis says in each
 * variant.
 */
class ClusterNatIT {

    private static final String DOMAIN = "respproxy.invalid";
    private static final int CLIENTS = 6;
    private static final int PIPELINED = 2;

    @BeforeAll
    static void needsRedis7() {
        assumeTrue(RedisBinary.locate().version().isAtLeast(7, 0), "bind-source-addr needs redis 7.0+");
    }

    /**
     * Seeds configured where the nodes listen, no map: the proxy reads the slot map but never
     * reaches a master the cluster names, and a client gets a retryable error that says why.
     */
    @Test
    void withoutTheMapCommandsFailWithAReasonThatNamesTheNatSetting() throws Exception {
        try (RedisCluster c = natted(Announce.portOffset(10000))) {
            int write = PortAllocator.shared().allocate();
            String seeds = c.nodes().stream().map(n -> "\"127.0.0.1:" + n.port() + "\"")
                    .collect(Collectors.joining(", "));
            ProxyDataPlane plane = new ProxyDataPlane(ProxyConfigLoader.loadFromString("respproxy {\n"
                    + "  admin.listen = null\n"
                    + "  services.s1 {\n"
                    + "    mode = cluster\n"
                    + "    cluster.seeds = [" + seeds + "]\n"
                    + "    listen.write = \"127.0.0.1:" + write + "\"\n"
                    + "    backend.password = \"" + ProxyFixture.BACKEND_PASSWORD + "\"\n"
                    + "    failover.hold-timeout = 500ms\n"
                    + "  }\n"
                    + "}\n"), new MetricRegistry());
            plane.start();
            try (Jedis j = new Jedis("127.0.0.1", write, 10_000)) {
                RedisNode owner = ownerOf(c, "nat:k");
                int slot = slot("nat:k");
                String announced = c.announcedEndpoint(owner).toString();
                ProxyFixture.await(Duration.ofSeconds(10), "the slot map, with a reason for the unreachable master",
                        () -> {
                            Shard s = plane.services().get(0).topology().shardForSlot(slot);
                            return s != null && s.noMasterReason() != null
                                    && s.noMasterReason().contains("nat setting");
                        });
                JedisDataException e = assertThrows(JedisDataException.class, () -> j.set("nat:k", "v"));
                assertTrue(e.getMessage().startsWith("TRYAGAIN failover in progress"), e.getMessage());
                assertTrue(e.getMessage().contains(announced), "names " + announced + ": " + e.getMessage());
                assertTrue(e.getMessage().contains("nat setting"), e.getMessage());
                assertTrue(e.getMessage().contains("never reached"), e.getMessage());
            } finally {
                plane.stop(Duration.ZERO);
            }
        }
    }

    /**
     * Announced port = real port + 10000, seeds configured at their announced addresses, one exact
     * entry per node: plain Jedis uses the whole cluster, and a CLUSTER FAILOVER under load loses
     * nothing and shows no error.
     */
    @Test
    void withTheMapCrossSlotCommandsAndAFailoverUnderLoadLoseNothing() throws Exception {
        try (RedisCluster c = natted(Announce.portOffset(10000));
             ProxyFixture proxy = ProxyFixture.clusterAt(c, announcedSeeds(c), "nat " + exactMap(c))) {
            assertEveryMasterReal(c, proxy);
            crossSlotMsetMget(proxy, "pn:");

            AppendWorkload w = running(proxy, "pn:list:");
            try (ReadLoad reads = new ReadLoad(proxy.readPort(), "pn:list:0")) {
                RedisNode master = ownerOf(c, "pn:list:0");
                RedisNode replica = c.replicasOf(master).get(0);
                c.failover(replica, Duration.ofSeconds(30));
                awaitProxyMaster(proxy, "pn:list:0", replica);
                Thread.sleep(500);
                AppendWorkload.Result r = stop(w, proxy);
                System.out.println("ClusterNatIT CLUSTER FAILOVER behind NAT: " + r + "; reads: " + reads);
                assertEquals(0, r.errors(), "client errors: " + r.errorSamples());
                assertEquals(0, r.lost(), "acknowledged appends lost");
                assertEquals(0, r.duplicates());
                assertEquals(0, reads.errors(), "read errors: " + reads);
            }
        }
    }

    /**
     * Nodes announce {@code node-N.respproxy.invalid} (preferred endpoint) at 127.0.0.2, their own
     * port: seeds configured by hostname and host-only entries keyed by hostname map them all.
     */
    @Test
    void hostnamesWithAHostnameKeyedMap() throws Exception {
        try (RedisCluster c = natted(Announce.host("127.0.0.2").withHostnames(DOMAIN));
             ProxyFixture proxy = ProxyFixture.clusterAt(c, announcedSeeds(c), "nat " + hostOnlyMap(c));
             Jedis r = proxy.jedis(proxy.readPort())) {
            assertTrue(announcedSeeds(c).stream().allMatch(s -> s.contains(DOMAIN)), announcedSeeds(c).toString());
            assertEveryMasterReal(c, proxy);
            String[] keys = crossSlotMsetMget(proxy, "hn:");
            awaitReplicated(c, keys.length);
            List<String> read = r.mget(keys);
            for (int i = 0; i < keys.length; i++) {
                assertEquals("v" + i, read.get(i), keys[i]);
            }
            assertEquals("v7", r.get("hn:7"));
        }
    }

    /**
     * {@code cluster-preferred-endpoint-type unknown-endpoint}, for nodes behind something that
     * Redis does not know (a load balancer, a NAT keeping the ports): CLUSTER SHARDS says
     * {@code endpoint ""} beside the node's {@code ip} (127.0.0.2 here, which resets the proxy), and
     * -MOVED {@code :port}. Both mean the host the proxy asked, so no map is needed.
     */
    @Test
    void unknownEndpointsAreWhereTheProxyAsked() throws Exception {
        try (RedisCluster c = RedisTopologies.cluster().password(ProxyFixture.BACKEND_PASSWORD)
                .announce(Announce.host("127.0.0.2"))
                .extraConfig(node -> List.of("cluster-preferred-endpoint-type unknown-endpoint")).start();
             ProxyFixture proxy = ProxyFixture.cluster(c, "")) {
            assertEveryMasterReal(c, proxy);
            crossSlotMsetMget(proxy, "ue:");
        }
    }

    static Stream<Arguments> announces() {
        return Stream.of(Arguments.of("ports", Announce.portOffset(10000)),
                Arguments.of("hostnames", Announce.host("127.0.0.2").withHostnames(DOMAIN)));
    }

    /**
     * One slot moves to another master under load (IMPORTING, MIGRATING, MIGRATE key by key,
     * SETSLOT NODE): the -ASK and -MOVED the proxy gets name the announced address (a hostname in
     * the second case), which the map turns into one it reaches; the clients see no error.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("announces")
    void reshardingRedirectsGoThroughTheMap(String name, Announce announce) throws Exception {
        try (RedisCluster c = natted(announce);
             ProxyFixture proxy = ProxyFixture.clusterAt(c, announcedSeeds(c),
                     "nat " + (announce.hasHostnames() ? hostOnlyMap(c) : exactMap(c)))) {
            AppendWorkload w = running(proxy, "{rs}:");
            try (ReadLoad reads = new ReadLoad(proxy.readPort(), "{rs}:0")) {
                int slot = slot("{rs}:0");
                RedisNode from = ownerOf(c, "{rs}:0");
                RedisNode to = c.masters().stream().filter(m -> m != from).findFirst().orElseThrow();
                long before = proxy.service().stats().redirects.sum();
                migrate(c, slot, from, to);
                awaitProxyMaster(proxy, "{rs}:0", to);
                Thread.sleep(500);
                AppendWorkload.Result r = stop(w, proxy);
                long redirects = proxy.service().stats().redirects.sum() - before;
                System.out.println("ClusterNatIT resharding slot " + slot + " behind NAT (" + name + "): " + r
                        + "; reads: " + reads + "; redirects followed: " + redirects);
                assertEquals(0, r.errors(), "client errors: " + r.errorSamples());
                assertEquals(0, r.lost(), "acknowledged appends lost");
                assertEquals(0, r.duplicates());
                assertEquals(0, reads.errors(), "read errors: " + reads);
                assertTrue(redirects > 0, "the proxy followed the cluster's redirects");
                // what the proxy was told: the announced address, not one it can reach
                try (Jedis d = ProxyFixture.direct(from)) {
                    JedisMovedDataException moved = assertThrows(JedisMovedDataException.class, () -> d.llen("{rs}:0"));
                    assertEquals(c.announcedEndpoint(to).toString(), moved.getTargetNode().toString(),
                            moved.getMessage());
                }
                try (Jedis d = ProxyFixture.direct(to)) {
                    assertTrue(d.llen("{rs}:0") > 0, "the list lives on " + to + " now");
                }
            }
        }
    }

    private static RedisCluster natted(Announce announce) {
        return RedisTopologies.cluster().password(ProxyFixture.BACKEND_PASSWORD).announce(announce).start();
    }

    /** Every node at the address it announces: what a user would copy from CLUSTER SHARDS. */
    private static List<String> announcedSeeds(RedisCluster c) {
        return c.nodes().stream().map(n -> c.announcedEndpoint(n).toString()).toList();
    }

    /** One {@code "host:port" = "host:port"} entry per node. */
    private static String exactMap(RedisCluster c) {
        return c.natMap().entrySet().stream().map(e -> quoted(e.getKey()) + " = " + quoted(e.getValue()))
                .collect(Collectors.joining(", ", "{ ", " }"));
    }

    /** One host-only {@code "node-N.respproxy.invalid" = "127.0.0.1"} entry per node (the port kept). */
    private static String hostOnlyMap(RedisCluster c) {
        return c.hostnameMap().entrySet().stream()
                .map(e -> "\"" + e.getKey() + "\" = \"" + e.getValue().host() + "\"")
                .collect(Collectors.joining(", ", "{ ", " }"));
    }

    private static String quoted(RedisEndpoint e) {
        return "\"" + e + "\"";
    }

    /** The proxy writes every shard to a master at its real address. */
    private static void assertEveryMasterReal(RedisCluster c, ProxyFixture proxy) {
        List<NodeAddress> real = c.masters().stream().map(m -> new NodeAddress("127.0.0.1", m.port())).toList();
        List<Shard> shards = proxy.service().topology().shards();
        assertEquals(3, shards.size());
        for (Shard s : shards) {
            assertTrue(real.contains(s.master()), s.master() + " is not one of " + real);
        }
    }

    /** MSET and MGET of 1,000 keys over every slot range through the write port; returns the keys. */
    private static String[] crossSlotMsetMget(ProxyFixture proxy, String prefix) {
        int n = 1000;
        String[] kv = new String[2 * n];
        String[] keys = new String[n];
        for (int i = 0; i < n; i++) {
            keys[i] = prefix + i;
            kv[2 * i] = keys[i];
            kv[2 * i + 1] = "v" + i;
        }
        try (Jedis w = proxy.jedis(proxy.writePort())) {
            assertEquals("OK", w.mset(kv));
            List<String> got = w.mget(keys);
            for (int i = 0; i < n; i++) {
                assertEquals("v" + i, got.get(i), keys[i]);
            }
            assertEquals(n, w.exists(keys));
        }
        return keys;
    }

    /** Waits until the replicas hold {@code keys} keys between them. */
    private static void awaitReplicated(RedisCluster c, int keys) {
        ProxyFixture.await(Duration.ofSeconds(10), keys + " keys on the replicas", () -> {
            long sum = 0;
            for (RedisNode replica : c.replicas()) {
                try (Jedis d = ProxyFixture.direct(replica)) {
                    sum += d.dbSize();
                }
            }
            return sum == keys;
        });
    }

    /** Moves {@code slot} with its keys from {@code from} to {@code to}, as redis-cli --cluster reshard does. */
    private static void migrate(RedisCluster c, int slot, RedisNode from, RedisNode to) throws InterruptedException {
        String fromId = c.nodeId(from);
        String toId = c.nodeId(to);
        try (Jedis src = ProxyFixture.direct(from); Jedis dst = ProxyFixture.direct(to)) {
            dst.clusterSetSlotImporting(slot, fromId);
            src.clusterSetSlotMigrating(slot, toId);
            Thread.sleep(300); // clients meet -ASK for keys that moved
            List<String> keys;
            while (!(keys = src.clusterGetKeysInSlot(slot, 10)).isEmpty()) {
                for (String k : keys) {
                    // MIGRATE dials from 127.0.0.1, which the relays refuse: the real address
                    src.sendCommand(redis.clients.jedis.Protocol.Command.MIGRATE, "127.0.0.1",
                            Integer.toString(to.port()), k, "0", "5000", "AUTH", ProxyFixture.BACKEND_PASSWORD);
                }
                Thread.sleep(200);
            }
            dst.clusterSetSlotNode(slot, toId);
            src.clusterSetSlotNode(slot, toId);
            for (RedisNode m : c.masters()) {
                if (m != from && m != to) {
                    try (Jedis o = ProxyFixture.direct(m)) {
                        o.clusterSetSlotNode(slot, toId);
                    }
                }
            }
        }
    }

    private static AppendWorkload running(ProxyFixture proxy, String prefix) throws InterruptedException {
        AppendWorkload w = new AppendWorkload(proxy.writePort(), CLIENTS, PIPELINED, prefix);
        w.start();
        Thread.sleep(1000);
        assertTrue(w.acked() > 0, "appends go through before the fault");
        return w;
    }

    /** Stops the clients and reads every list back through the proxy's write port. */
    private static AppendWorkload.Result stop(AppendWorkload w, ProxyFixture proxy) throws InterruptedException {
        try (Jedis v = proxy.jedis(proxy.writePort())) {
            return w.stopAndVerify(key -> v.lrange(key, 0, -1));
        }
    }

    private static int slot(String key) {
        return SlotHash.slot(key.getBytes(StandardCharsets.UTF_8));
    }

    /** The master that serves {@code key} now: the one that answers it without -MOVED. */
    private static RedisNode ownerOf(RedisCluster c, String key) {
        for (RedisNode m : c.masters()) {
            try (Jedis d = ProxyFixture.direct(m)) {
                d.exists(key);
                return m;
            } catch (JedisMovedDataException e) {
                // another master's
            }
        }
        throw new AssertionError("no master serves " + key);
    }

    private static void awaitProxyMaster(ProxyFixture proxy, String key, RedisNode expected) {
        int slot = slot(key);
        NodeAddress want = new NodeAddress("127.0.0.1", expected.port());
        ProxyFixture.await(Duration.ofSeconds(30), "the proxy to write " + key + " to " + expected, () -> {
            Shard s = proxy.service().topology().shardForSlot(slot);
            return s != null && want.equals(s.master());
        });
    }
}
