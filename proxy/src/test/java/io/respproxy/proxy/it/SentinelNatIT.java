package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import io.respproxy.proxy.config.ProxyConfigLoader;
import io.respproxy.proxy.server.ProxyDataPlane;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.Shard;
import io.respproxy.testkit.Announce;
import io.respproxy.testkit.PortAllocator;
import io.respproxy.testkit.RedisEndpoint;
import io.respproxy.testkit.RedisNode;
import io.respproxy.testkit.RedisTopologies;
import io.respproxy.testkit.SentinelDeployment;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Sentinel mode behind NAT, on loopback: every node and Sentinel announces an address the proxy
 * cannot reach (the testkit's relays reset every connection but the topology's own), so Sentinel
 * names masters, replicas and Sentinels the proxy can only reach through its {@code nat} map.
 */
class SentinelNatIT {

    /** Announced port = real port + 10000; the map sends the proxy to the real port, Sentinels included. */
    @Test
    void withTheMapAFailoverUnderLoadLosesNothing() throws Exception {
        try (SentinelDeployment s = natted(Announce.portOffset(10000));
             ProxyFixture proxy = ProxyFixture.sentinelAt(s, announcedSentinels(s), "nat " + exactMap(s))) {
            assertEquals(real(s.master()), proxy.service().topology().primaryShard().master(),
                    "the announced master was mapped to where it listens");
            AppendWorkload w = SentinelFailoverIT.running(proxy, "nat:");
            RedisNode promoted = s.failover(Duration.ofSeconds(30));
            SentinelFailoverIT.awaitProxyMaster(proxy, promoted);
            s.awaitReplicasInSync(Duration.ofSeconds(30));
            ProxyFixture.await(Duration.ofSeconds(15), "both replicas serving reads again",
                    () -> proxy.readReplicaCount() == 2);
            AppendWorkload.Result r = w.stopAndVerify(s.master());
            System.out.println("SentinelNatIT SENTINEL FAILOVER behind NAT: " + r);
            assertEquals(0, r.errors(), "client errors: " + r.errorSamples());
            assertEquals(0, r.lost());
        }
    }

    /** Nodes announce 127.0.0.2 (their own port): one host-only entry maps them all. */
    @Test
    void aHostOnlyEntryMapsEveryPort() throws Exception {
        try (SentinelDeployment s = natted(Announce.host("127.0.0.2"));
             ProxyFixture proxy = ProxyFixture.sentinelAt(s, announcedSentinels(s),
                     "nat { \"127.0.0.2\" = \"127.0.0.1\" }");
             Jedis c = proxy.jedis(proxy.writePort())) {
            assertEquals("OK", c.set("nat:k", "v"));
            assertEquals("v", c.get("nat:k"), "read back from the master (the write port)");
            assertEquals(2, proxy.readReplicaCount(), "both replicas, announced at 127.0.0.2, serve reads");
            assertEquals(real(s.master()), proxy.service().topology().primaryShard().master());
        }
    }

    /** Nodes and Sentinels announce a hostname (localhost, Sentinel's announce-hostnames) and port + 10000. */
    @Test
    void hostnamesAreMappedToo() throws Exception {
        try (SentinelDeployment s = natted(Announce.portOffset(10000).withHost(Announce.LOCALHOST));
             ProxyFixture proxy = ProxyFixture.sentinelAt(s, announcedSentinels(s), "nat " + exactMap(s));
             Jedis c = proxy.jedis(proxy.writePort())) {
            assertTrue(s.natMap().keySet().stream().allMatch(e -> e.host().equals(Announce.LOCALHOST)), s.natMap()
                    .toString());
            assertEquals("OK", c.set("nat:h", "v"));
            assertEquals(real(s.master()), proxy.service().topology().primaryShard().master());
            assertEquals(2, proxy.readReplicaCount());
        }
    }

    /**
     * Without the map the proxy finds the Sentinels (configured where they listen) but never reaches
     * the master they name: no writes, a reason that says what to do, and a retryable error.
     */
    @Test
    void withoutTheMapWritesFailWithAReasonThatNamesTheNatSetting() throws Exception {
        try (SentinelDeployment s = natted(Announce.portOffset(10000))) {
            PortAllocator ports = PortAllocator.shared();
            int write = ports.allocate();
            String sentinels = s.sentinels().stream().map(n -> "\"127.0.0.1:" + n.port() + "\"")
                    .collect(Collectors.joining(", "));
            ProxyDataPlane plane = new ProxyDataPlane(ProxyConfigLoader.loadFromString("respproxy {\n"
                    + "  admin.listen = null\n"
                    + "  services.s1 {\n"
                    + "    mode = sentinel\n"
                    + "    sentinel { master-name = " + s.masterName() + ", nodes = [" + sentinels + "] }\n"
                    + "    listen.write = \"127.0.0.1:" + write + "\"\n"
                    + "    backend.password = \"" + ProxyFixture.BACKEND_PASSWORD + "\"\n"
                    + "    failover.hold-timeout = 500ms\n"
                    + "  }\n"
                    + "}\n"), new MetricRegistry());
            plane.start();
            try (Jedis c = new Jedis("127.0.0.1", write, 10_000)) {
                Shard shard = plane.services().get(0).topology().primaryShard();
                ProxyFixture.await(Duration.ofSeconds(10), "the Sentinels' answer", () -> plane.services().get(0)
                        .topology().primaryShard().noMasterReason().contains("nat setting"));
                shard = plane.services().get(0).topology().primaryShard();
                assertTrue(shard.noMasterReason().contains(s.announcedEndpoint(s.master()).port() + ""),
                        "names the announced address: " + shard.noMasterReason());
                JedisDataException e = org.junit.jupiter.api.Assertions.assertThrows(JedisDataException.class,
                        () -> c.set("nat:k", "v"));
                assertTrue(e.getMessage().startsWith("TRYAGAIN"), e.getMessage());
            } finally {
                plane.stop(Duration.ZERO);
            }
        }
    }

    private static SentinelDeployment natted(Announce announce) {
        return RedisTopologies.sentinel().password(ProxyFixture.BACKEND_PASSWORD).replicas(2).sentinels(3)
                .announce(announce).start();
    }

    static List<String> announcedSentinels(SentinelDeployment s) {
        return s.sentinelAnnouncedEndpoints().stream().map(e -> e.host() + ":" + e.port()).toList();
    }

    static String exactMap(SentinelDeployment s) {
        StringBuilder sb = new StringBuilder("{ ");
        for (Map.Entry<RedisEndpoint, RedisEndpoint> e : s.natMap().entrySet()) {
            sb.append('"').append(e.getKey().host()).append(':').append(e.getKey().port()).append("\" = \"")
                    .append(e.getValue().host()).append(':').append(e.getValue().port()).append("\", ");
        }
        return sb.append('}').toString();
    }

    private static NodeAddress real(RedisNode n) {
        return new NodeAddress("127.0.0.1", n.port());
    }
}
