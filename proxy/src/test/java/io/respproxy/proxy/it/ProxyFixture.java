package io.respproxy.proxy.it;

import com.codahale.metrics.MetricRegistry;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.resource.ClientResources;
import io.respproxy.proxy.config.ProxyConfigLoader;
import io.respproxy.proxy.server.ProxyDataPlane;
import io.respproxy.proxy.service.ServiceRuntime;
import io.respproxy.testkit.PortAllocator;
import io.respproxy.testkit.RedisCluster;
import io.respproxy.testkit.RedisNode;
import io.respproxy.testkit.ReplicatedRedis;
import io.respproxy.testkit.SentinelDeployment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import redis.clients.jedis.Jedis;

/**
 * The proxy in-process in front of a {@link ReplicatedRedis} topology, as one static service
 * "s1" with a read, a write and an auto listener on fresh loopback ports. Started once the
 * service knows its master and every running replica serves reads.
 */
final class ProxyFixture implements AutoCloseable {

    static final String BACKEND_PASSWORD = "pw";

    private final ReplicatedRedis redis;
    private final ProxyDataPlane plane;
    private final int readPort;
    private final int writePort;
    private final int autoPort;

    private ProxyFixture(ReplicatedRedis redis, String serviceHocon, int expectedReplicas) throws Exception {
        this(redis, servers(redis), serviceHocon, expectedReplicas);
    }

    private static List<RedisNode> servers(ReplicatedRedis redis) {
        List<RedisNode> nodes = new ArrayList<>();
        nodes.add(redis.master());
        nodes.addAll(redis.replicas());
        return nodes;
    }

    private ProxyFixture(ReplicatedRedis redis, List<RedisNode> nodes, String serviceHocon, int expectedReplicas)
            throws Exception {
        this(redis, "    mode = static\n    static.servers = ["
                + nodes.stream().map(n -> "\"127.0.0.1:" + n.port() + "\"").collect(Collectors.joining(", ")) + "]\n",
                serviceHocon, expectedReplicas);
    }

    private ProxyFixture(ReplicatedRedis redis, String topologyHocon, String serviceHocon, int expectedReplicas)
            throws Exception {
        this(redis, topologyHocon, serviceHocon, expectedReplicas, "");
    }

    private ProxyFixture(ReplicatedRedis redis, String topologyHocon, String serviceHocon, int expectedReplicas,
                         String daemonHocon) throws Exception {
        this.redis = redis;
        PortAllocator ports = PortAllocator.shared();
        readPort = ports.allocate();
        writePort = ports.allocate();
        autoPort = ports.allocate();
        String hocon = "respproxy {\n"
                + "  admin.listen = null\n"
                + "  event-loops = 2\n"
                + "  drain-timeout = 1s\n"
                + daemonHocon + "\n"
                + "  services.s1 {\n"
                + topologyHocon
                + "    listen { read = \"127.0.0.1:" + readPort + "\", write = \"127.0.0.1:" + writePort
                + "\", auto = \"127.0.0.1:" + autoPort + "\" }\n"
                + "    backend.password = \"" + BACKEND_PASSWORD + "\"\n"
                + "    health { interval = 200ms, timeout = 500ms, rise = 1, fall = 2 }\n"
                + serviceHocon + "\n"
                + "  }\n"
                + "}\n";
        plane = new ProxyDataPlane(ProxyConfigLoader.loadFromString(hocon), new MetricRegistry());
        plane.start();
        try {
            // Every shard (a cluster's; the one of the other modes) with its master and its replicas.
            await(Duration.ofSeconds(20), "the proxy to know the master and " + expectedReplicas + " read replicas"
                    + " of every shard", () -> plane.ready() && service().topology().shards().stream()
                    .allMatch(s -> s.readReplicas().size() == expectedReplicas));
        } catch (RuntimeException | Error e) {
            plane.stop(Duration.ZERO);
            throw e;
        }
    }

    /** A proxy over {@code redis} with {@code serviceHocon} added inside the service block. */
    static ProxyFixture start(ReplicatedRedis redis, String serviceHocon) throws Exception {
        return new ProxyFixture(redis, serviceHocon, redis.replicas().size());
    }

    /** As {@link #start(ReplicatedRedis, String)}, with {@code daemonHocon} at the top of {@code respproxy { }}. */
    static ProxyFixture start(ReplicatedRedis redis, String daemonHocon, String serviceHocon) throws Exception {
        return new ProxyFixture(redis, "    mode = static\n    static.servers = ["
                + servers(redis).stream().map(n -> "\"127.0.0.1:" + n.port() + "\"").collect(Collectors.joining(", "))
                + "]\n", serviceHocon, redis.replicas().size(), daemonHocon);
    }

    /**
     * A proxy whose static servers are {@code servers} (e.g. the data nodes of a Sentinel
     * deployment, master first); {@link #redis()} is null.
     */
    static ProxyFixture start(List<RedisNode> servers, String serviceHocon) throws Exception {
        return new ProxyFixture(null, servers, serviceHocon, servers.size() - 1);
    }

    /**
     * A proxy in {@code mode = sentinel} over {@code s}'s Sentinels, started once it knows the master
     * and every replica serves reads.
     */
    static ProxyFixture sentinel(SentinelDeployment s, String serviceHocon) throws Exception {
        return sentinel(s, s.sentinels(), serviceHocon);
    }

    /** As {@link #sentinel(SentinelDeployment, String)}, configured with only {@code configured} of its Sentinels. */
    static ProxyFixture sentinel(SentinelDeployment s, List<RedisNode> configured, String serviceHocon)
            throws Exception {
        return sentinelAt(s, configured.stream().map(n -> "127.0.0.1:" + n.port()).toList(), serviceHocon);
    }

    /** As {@link #sentinel(SentinelDeployment, String)}, with the Sentinels configured as {@code host:port} strings. */
    static ProxyFixture sentinelAt(SentinelDeployment s, List<String> configured, String serviceHocon)
            throws Exception {
        String sentinels = configured.stream().map(a -> "\"" + a + "\"").collect(Collectors.joining(", "));
        return new ProxyFixture(null, "    mode = sentinel\n    sentinel { master-name = " + s.masterName()
                + ", nodes = [" + sentinels + "] }\n", serviceHocon, s.dataNodes().size() - 1);
    }

    /**
     * A proxy in {@code mode = cluster} with all of {@code c}'s nodes as seeds, started once every
     * shard has its master and every replica serves reads.
     */
    static ProxyFixture cluster(RedisCluster c, String serviceHocon) throws Exception {
        return clusterAt(c, c.nodes().stream().map(n -> "127.0.0.1:" + n.port()).toList(), serviceHocon);
    }

    /** As {@link #cluster(RedisCluster, String)}, with the seeds configured as {@code host:port} strings. */
    static ProxyFixture clusterAt(RedisCluster c, List<String> seeds, String serviceHocon) throws Exception {
        String list = seeds.stream().map(a -> "\"" + a + "\"").collect(Collectors.joining(", "));
        int replicasPerShard = c.replicas().size() / Math.max(1, c.masters().size());
        return new ProxyFixture(null, "    mode = cluster\n    cluster.seeds = [" + list + "]\n", serviceHocon,
                replicasPerShard);
    }

    static ProxyFixture start(ReplicatedRedis redis) throws Exception {
        return start(redis, "");
    }

    /** What the admin port's {@code /topology} serves: {@code {"services":{"s1":{...}}}}. */
    String topologyJson() {
        return plane.topologyJson();
    }

    ServiceRuntime service() {
        return plane.services().get(0);
    }

    int readReplicaCount() {
        return service().topology().primaryShard().readReplicas().size();
    }

    ReplicatedRedis redis() {
        return redis;
    }

    int readPort() {
        return readPort;
    }

    int writePort() {
        return writePort;
    }

    int autoPort() {
        return autoPort;
    }

    Jedis jedis(int port) {
        return new Jedis("127.0.0.1", port, 10_000);
    }

    /** A Jedis connection straight to a Redis node (bypassing the proxy), authenticated. */
    static Jedis direct(RedisNode node) {
        Jedis j = new Jedis("127.0.0.1", node.port(), 10_000);
        j.auth(BACKEND_PASSWORD);
        return j;
    }

    /** A Lettuce client for {@code port}; RESP3 (Lettuce's default, HELLO 3) or RESP2. */
    static RedisClient lettuce(ClientResources resources, int port, boolean resp3) {
        RedisURI uri = RedisURI.builder().withHost("127.0.0.1").withPort(port).withTimeout(Duration.ofSeconds(10)).build();
        RedisClient client = RedisClient.create(resources, uri);
        client.setOptions(ClientOptions.builder()
                .protocolVersion(resp3 ? ProtocolVersion.RESP3 : ProtocolVersion.RESP2)
                .autoReconnect(false)
                .build());
        return client;
    }

    static void await(Duration timeout, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }

    @Override
    public void close() {
        plane.stop(Duration.ofSeconds(1));
    }
}
