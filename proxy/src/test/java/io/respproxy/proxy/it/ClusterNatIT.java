package io.respproxy.proxy.it;

import static io.respproxy.proxy.it.ClusterUnderLoad.assertNoErrorNothingLost;
import static io.respproxy.proxy.it.ClusterUnderLoad.awaitProxyMaster;
import static io.respproxy.proxy.it.ClusterUnderLoad.failOverMasterOf;
import static io.respproxy.proxy.it.ClusterUnderLoad.running;
import static io.respproxy.proxy.it.ClusterUnderLoad.slot;
import static io.respproxy.proxy.it.ClusterUnderLoad.stop;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.codahale.metrics.MetricRegistry;
import io.respproxy.proxy.config.ProxyConfigLoader;
import io.respproxy.proxy.server.ProxyDataPlane;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.Shard;
import io.respproxy.testkit.Announce;
import io.respproxy.testkit.PortAllocator;
import io.respproxy.testkit.RedisBinary;
import io.respproxy.testkit.RedisCluster;
import io.respproxy.testkit.RedisEndpoint;
import io.respproxy.testkit.RedisNode;
import io.respproxy.testkit.RedisTopologies;
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
                RedisNode owner = c.masterOf("nat:k");
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
                failOverMasterOf(c, proxy, "pn:list:0");
                Thread.sleep(500);
                AppendWorkload.Result r = stop(w, proxy);
                System.out.println("ClusterNatIT CLUSTER FAILOVER behind NAT: " + r + "; reads: " + reads);
                assertNoErrorNothingLost(r, reads);
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
            c.awaitReplicaKeys(keys.length, Duration.ofSeconds(10));
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
                RedisNode from = c.masterOf("{rs}:0");
                RedisNode to = c.masters().stream().filter(m -> m != from).findFirst().orElseThrow();
                long before = proxy.service().stats().redirects.sum();
                c.moveSlot(slot, from, to);
                awaitProxyMaster(proxy, "{rs}:0", to);
                Thread.sleep(500);
                AppendWorkload.Result r = stop(w, proxy);
                long redirects = proxy.service().stats().redirects.sum() - before;
                System.out.println("ClusterNatIT resharding slot " + slot + " behind NAT (" + name + "): " + r
                        + "; reads: " + reads + "; redirects followed: " + redirects);
                assertNoErrorNothingLost(r, reads);
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
}
