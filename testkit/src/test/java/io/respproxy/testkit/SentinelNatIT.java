package io.respproxy.testkit;

import static io.respproxy.testkit.junit.TopologyAssertions.assertNoProcessLeft;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.ListOfMapsOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.sentinel.api.sync.RedisSentinelCommands;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Nodes and Sentinels that announce addresses only the topology itself reaches: Sentinel names
 * those, a client outside cannot use them, and Sentinel still fails over.
 */
class SentinelNatIT {

    private static final Logger LOG = LoggerFactory.getLogger(SentinelNatIT.class);

    @BeforeAll
    static void needsRedis7() {
        assumeTrue(RedisBinary.locate().version().isAtLeast(7, 0), "bind-source-addr needs redis 7.0+");
    }

    @Test
    void sentinelsNameAnnouncedPortsAndStillFailOver() {
        long t0 = System.nanoTime();
        SentinelDeployment s = RedisTopologies.sentinel().replicas(2).sentinels(3).aclUser("app", "pw")
                .announce(Announce.portOffset(10000)).start();
        try (s) {
            LOG.info("master + 2 replicas + 3 sentinels behind NAT up in {} ms", Clients.millisSince(t0));
            RedisNode first = s.master();
            RedisEndpoint announced = s.announcedEndpoint(first);
            assertEquals(RedisEndpoint.loopback(first.port() + 10000), announced);
            assertEquals(6, s.natMap().size());
            s.nodes().forEach(n -> assertEquals(n.endpoint(), s.natMap().get(s.announcedEndpoint(n))));

            RedisNode sentinel = s.sentinels().get(0);
            assertEquals(announced, masterAddress(sentinel));
            assertEquals(announcedSet(s, s.replicas()), replicasListedBy(sentinel));
            assertEquals(Set.copyOf(s.sentinelAnnouncedEndpoints().subList(1, 3)), sentinelsListedBy(sentinel));

            // outside the NAT: the announced address resets, the real one answers
            assertEquals(Optional.empty(), RawPing.ping(announced, Duration.ofSeconds(1)));
            assertEquals(Optional.of("-NOAUTH Authentication required."),
                    RawPing.ping(first.endpoint(), Duration.ofSeconds(1)));

            long t1 = System.nanoTime();
            RedisNode second = s.failover(Duration.ofSeconds(30));
            LOG.info("SENTINEL FAILOVER behind NAT: {} -> {} in {} ms", first, second, Clients.millisSince(t1));
            assertNotEquals(first, second);
            for (RedisNode each : s.sentinels()) {
                assertEquals(s.announcedEndpoint(second), masterAddress(each));
            }
            // replication to the new master goes through the announced address too
            s.awaitReplicasInSync(Duration.ofSeconds(60));
            Clients.with(second.redisUri(), c -> c.set("k", "v"));
            assertEquals(Long.valueOf(2), Clients.with(second.redisUri(), c -> c.waitForReplication(2, 5000)));

            // automatic failover: the Sentinels reach each other only at their announced addresses
            long t2 = System.nanoTime();
            s.kill(second);
            RedisNode third = s.awaitNewMaster(second, Duration.ofSeconds(30));
            LOG.info("master killed behind NAT: {} -> {} promoted in {} ms", second, third, Clients.millisSince(t2));
            assertEquals("v", Clients.with(third.redisUri(), c -> c.get("k")));
            assertEquals(s.announcedEndpoint(third), masterAddress(sentinel));
        }
        assertNoProcessLeft(s);
    }

    @Test
    void localhostAnnouncesAHostNameThatSentinelsReportAsWritten() {
        SentinelDeployment s = RedisTopologies.sentinel().replicas(1).sentinels(2)
                .announce(Announce.portOffset(10000).withHost("localhost")).start();
        try (s) {
            RedisNode sentinel = s.sentinels().get(0);
            RedisNode replica = s.replicas().get(0);
            assertEquals(new RedisEndpoint("localhost", s.master().port() + 10000), masterAddress(sentinel));
            assertEquals(Set.of(new RedisEndpoint("localhost", replica.port() + 10000)), replicasListedBy(sentinel));
            assertEquals(Set.of(new RedisEndpoint("localhost", s.sentinels().get(1).port() + 10000)),
                    sentinelsListedBy(sentinel));

            RedisNode promoted = s.failover(Duration.ofSeconds(30));
            assertEquals(replica, promoted);
            assertEquals(new RedisEndpoint("localhost", replica.port() + 10000), masterAddress(sentinel));
        }
        assertNoProcessLeft(s);
    }

    @Test
    void anotherLoopbackHostKeepsThePortsForHostOnlyMaps() {
        SentinelDeployment s = RedisTopologies.sentinel().replicas(1).sentinels(1)
                .announce(Announce.host("127.0.0.2")).start();
        try (s) {
            for (Map.Entry<RedisEndpoint, RedisEndpoint> e : s.natMap().entrySet()) {
                assertEquals(new RedisEndpoint("127.0.0.2", e.getValue().port()), e.getKey());
            }
            RedisNode sentinel = s.sentinels().get(0);
            RedisNode replica = s.replicas().get(0);
            assertEquals(Set.of(new RedisEndpoint("127.0.0.2", replica.port())), replicasListedBy(sentinel));
            assertEquals(Optional.empty(), RawPing.ping(s.announcedEndpoint(replica), Duration.ofSeconds(1)));

            assertEquals(replica, s.failover(Duration.ofSeconds(30)));
            assertEquals(new RedisEndpoint("127.0.0.2", replica.port()), masterAddress(sentinel));
        }
        assertNoProcessLeft(s);
    }

    private static Set<RedisEndpoint> announcedSet(SentinelDeployment s, List<RedisNode> nodes) {
        return nodes.stream().map(s::announcedEndpoint).collect(Collectors.toSet());
    }

    private static RedisEndpoint masterAddress(RedisNode sentinel) {
        InetSocketAddress a = (InetSocketAddress) onSentinel(sentinel, c -> c.getMasterAddrByName("mymaster"));
        return new RedisEndpoint(a.getHostString(), a.getPort());
    }

    /** SENTINEL REPLICAS, as ip:port; every one must be a healthy replica for Sentinel. */
    private static Set<RedisEndpoint> replicasListedBy(RedisNode sentinel) {
        List<Map<String, String>> replicas = onSentinel(sentinel, c -> c.replicas("mymaster"));
        replicas.forEach(r -> assertEquals("slave", r.get("flags"), r.toString()));
        return replicas.stream().map(SentinelNatIT::ipPort).collect(Collectors.toSet());
    }

    /** SENTINEL SENTINELS, as ip:port; every one must be reachable for this Sentinel. */
    private static Set<RedisEndpoint> sentinelsListedBy(RedisNode sentinel) {
        // Lettuce has no SENTINEL SENTINELS method
        List<Map<String, String>> others = onSentinel(sentinel, c -> c.dispatch(CommandType.SENTINEL,
                new ListOfMapsOutput<>(StringCodec.UTF8), new CommandArgs<>(StringCodec.UTF8).add("SENTINELS").add("mymaster")));
        others.forEach(o -> assertTrue(!o.get("flags").contains("down") && !o.get("flags").contains("disconnected"),
                o.toString()));
        return others.stream().map(SentinelNatIT::ipPort).collect(Collectors.toSet());
    }

    private static RedisEndpoint ipPort(Map<String, String> instance) {
        return new RedisEndpoint(instance.get("ip"), Integer.parseInt(instance.get("port")));
    }

    private static <T> T onSentinel(RedisNode sentinel, Function<RedisSentinelCommands<String, String>, T> fn) {
        RedisClient client = RedisClient.create();
        try (var c = client.connectSentinel(sentinel.redisUri())) {
            return fn.apply(c.sync());
        } finally {
            client.shutdown();
        }
    }
}
