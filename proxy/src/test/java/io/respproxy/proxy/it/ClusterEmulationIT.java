package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.resource.ClientResources;
import io.respproxy.routing.slot.SlotHash;
import io.respproxy.testkit.PortAllocator;
import io.respproxy.testkit.RedisCluster;
import io.respproxy.testkit.RedisNode;
import io.respproxy.testkit.RedisTopologies;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.RedisProtocol;

/**
 * Cluster-aware clients pointed at a {@code mode = cluster} proxy, in front of a real 6-node
 * cluster: they see a one-node cluster (the proxy's listener) owning every slot, and their
 * commands, spread over every slot, reach the real masters through it. Behind a port-forward, the
 * {@code announce} address is what they are told, so they keep to the forwarded port.
 */
class ClusterEmulationIT {

    static RedisCluster cluster;
    static ProxyFixture proxy;
    static PortRelay relay;
    static int relayPort;
    static ClientResources resources;

    @BeforeAll
    static void start() throws Exception {
        relayPort = PortAllocator.shared().allocate();
        cluster = RedisTopologies.cluster().password(ProxyFixture.BACKEND_PASSWORD).start();
        // The auto listener is reached through a port-forward and says so; CLUSTER FAILOVER is not
        // denied here, to see the proxy's own refusal.
        proxy = ProxyFixture.cluster(cluster, "announce.auto = \"127.0.0.1:" + relayPort + "\"\n"
                + "deny-commands = [SHUTDOWN, \"CLUSTER RESET\"]");
        relay = new PortRelay(relayPort, proxy.autoPort());
        resources = ProxyEnvironment.lettuceResources();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (relay != null) {
                relay.close();
            }
        } finally {
            try {
                ProxyEnvironment.close(resources, proxy, null);
            } finally {
                if (cluster != null) {
                    cluster.close();
                }
            }
        }
    }

    private static RedisClusterClient lettuceCluster(int port, boolean resp3) {
        RedisClusterClient client = RedisClusterClient.create(resources,
                RedisURI.builder().withHost("127.0.0.1").withPort(port).withTimeout(Duration.ofSeconds(10)).build());
        client.setOptions(ClusterClientOptions.builder()
                .protocolVersion(resp3 ? ProtocolVersion.RESP3 : ProtocolVersion.RESP2).build());
        return client;
    }

    private static String myId(int port) throws Exception {
        try (RawClient c = new RawClient(port)) {
            c.send(RawClient.command("CLUSTER", "MYID"));
            return c.readReply();
        }
    }

    @ParameterizedTest(name = "resp3={0}")
    @ValueSource(booleans = {false, true})
    void lettuceClusterClientSeesOneNodeAndReachesEveryMaster(boolean resp3) throws Exception {
        RedisClusterClient client = lettuceCluster(proxy.writePort(), resp3);
        try (StatefulRedisClusterConnection<String, String> conn = client.connect()) {
            Partitions partitions = client.getPartitions();
            assertEquals(1, partitions.size(), partitions.toString());
            RedisClusterNode node = partitions.getPartition(0);
            assertEquals("127.0.0.1", node.getUri().getHost());
            assertEquals(proxy.writePort(), node.getUri().getPort());
            assertEquals(myId(proxy.writePort()), node.getNodeId());
            assertEquals(16384, node.getSlots().size());

            RedisAdvancedClusterCommands<String, String> sync = conn.sync();
            String prefix = "lettuce" + resp3 + ":";
            int n = 300;
            String[] keys = new String[n];
            for (int i = 0; i < n; i++) {
                keys[i] = prefix + i;
                assertEquals("OK", sync.set(keys[i], "v" + i));
            }
            for (int i = 0; i < n; i += 37) {
                assertEquals("v" + i, sync.get(keys[i]));
            }
            List<KeyValue<String, String>> values = sync.mget(keys); // split by Lettuce per slot
            for (int i = 0; i < n; i++) {
                assertEquals(KeyValue.just(keys[i], "v" + i), values.get(i));
            }
            assertKeysOnEveryMaster(prefix, n);
            assertEquals(n, sync.del(keys));
        } finally {
            client.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }

    @ParameterizedTest(name = "resp3={0}")
    @ValueSource(booleans = {false, true})
    void jedisClusterSeesOneNodeAndReachesEveryMaster(boolean resp3) {
        var config = DefaultJedisClientConfig.builder().timeoutMillis(10_000)
                .protocol(resp3 ? RedisProtocol.RESP3 : RedisProtocol.RESP2).build();
        try (JedisCluster jc = new JedisCluster(Set.of(new HostAndPort("127.0.0.1", proxy.writePort())), config)) {
            assertEquals(Set.of("127.0.0.1:" + proxy.writePort()), jc.getClusterNodes().keySet());
            String prefix = "jedis" + resp3 + ":";
            int n = 300;
            for (int i = 0; i < n; i++) {
                assertEquals("OK", jc.set(prefix + i, "v" + i));
            }
            for (int i = 0; i < n; i++) {
                assertEquals("v" + i, jc.get(prefix + i));
            }
            assertKeysOnEveryMaster(prefix, n);
            // Jedis itself refuses multi-key commands across slots: one hash tag
            assertEquals("OK", jc.mset("{" + prefix + "}a", "1", "{" + prefix + "}b", "2"));
            assertEquals(List.of("1", "2"), jc.mget("{" + prefix + "}a", "{" + prefix + "}b"));
            for (int i = 0; i < n; i++) {
                jc.del(prefix + i);
            }
        }
    }

    @Test
    void redisCliInClusterModeWorksThroughTheProxy() throws Exception {
        String port = String.valueOf(proxy.writePort());
        for (int i = 0; i < 20; i++) {
            assertEquals("OK", redisCli("-c", "-p", port, "SET", "cli:" + i, "v" + i));
        }
        for (int i = 0; i < 20; i++) {
            assertEquals("v" + i, redisCli("-c", "-p", port, "GET", "cli:" + i));
        }
        String info = redisCli("-c", "-p", port, "CLUSTER", "INFO");
        assertTrue(info.contains("cluster_state:ok") && info.contains("cluster_known_nodes:1")
                && info.contains("cluster_slots_ok:16384"), info);
        assertEquals(myId(proxy.writePort()) + " 127.0.0.1:" + port + "@0 myself,master - 0 0 1 connected 0-16383",
                redisCli("-c", "-p", port, "CLUSTER", "NODES"));
    }

    @Test
    void behindAPortForwardClientsAreToldTheAnnouncedAddressAndKeepToIt() throws Exception {
        // What the proxy says, asked directly or through the forward: the announced address.
        for (int port : new int[] {proxy.autoPort(), relayPort}) {
            try (RawClient c = new RawClient(port)) {
                c.send(RawClient.command("CLUSTER", "SLOTS"));
                assertEquals("[[:0, :16383, [127.0.0.1, :" + relayPort + ", " + myId(proxy.autoPort()) + ", []]]]",
                        c.readReply());
            }
        }
        int before = relay.accepted();
        RedisClusterClient client = lettuceCluster(relayPort, true);
        try (StatefulRedisClusterConnection<String, String> conn = client.connect()) {
            RedisClusterNode node = client.getPartitions().getPartition(0);
            assertEquals(relayPort, node.getUri().getPort());
            for (int i = 0; i < 50; i++) {
                conn.sync().set("nat:" + i, "v" + i);
            }
            for (int i = 0; i < 50; i++) {
                assertEquals("v" + i, conn.sync().get("nat:" + i));
            }
        } finally {
            client.shutdown(0, 2, TimeUnit.SECONDS);
        }
        assertTrue(relay.accepted() > before, "Lettuce connected through the forward");
        var config = DefaultJedisClientConfig.builder().timeoutMillis(10_000).build();
        try (JedisCluster jc = new JedisCluster(Set.of(new HostAndPort("127.0.0.1", relayPort)), config)) {
            assertEquals(Set.of("127.0.0.1:" + relayPort), jc.getClusterNodes().keySet());
            assertEquals("v7", jc.get("nat:7"));
        }
    }

    @Test
    void clusterSubcommandsAnsweredByTheProxyAndItsRefusals() throws Exception {
        String key = "{slotted}k";
        int slot = SlotHash.slot(key.getBytes(StandardCharsets.UTF_8));
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("SET", key, "v")
                    + RawClient.command("CLUSTER", "KEYSLOT", "foo")
                    + RawClient.command("CLUSTER", "COUNTKEYSINSLOT", String.valueOf(slot))
                    + RawClient.command("CLUSTER", "GETKEYSINSLOT", String.valueOf(slot), "10")
                    + RawClient.command("CLUSTER", "COUNTKEYSINSLOT", "16384")
                    + RawClient.command("CLUSTER", "COUNTKEYSINSLOT", "x")
                    + RawClient.command("CLUSTER", "GETKEYSINSLOT", "0", "-1")
                    + RawClient.command("CLUSTER", "LINKS")
                    + RawClient.command("CLUSTER", "REPLICAS", myId(proxy.writePort()))
                    + RawClient.command("CLUSTER", "REPLICAS", "0".repeat(40))
                    + RawClient.command("CLUSTER", "FAILOVER")
                    + RawClient.command("CLUSTER", "RESET")
                    + RawClient.command("CLUSTER", "INFO", "extra")
                    + RawClient.command("CLUSTER")
                    + RawClient.command("CLUSTER", "nosuch")
                    + RawClient.command("SELECT", "1")
                    + RawClient.command("SELECT", "0")
                    + RawClient.command("ASKING")
                    + RawClient.command("READONLY")
                    + RawClient.command("READWRITE"));
            assertEquals("+OK", c.readReply());
            assertEquals(":12182", c.readReply());
            assertEquals(":1", c.readReply());
            assertEquals("[" + key + "]", c.readReply());
            assertEquals("-ERR Invalid slot", c.readReply());
            assertEquals("-ERR value is not an integer or out of range", c.readReply());
            assertEquals("-ERR Invalid slot or number of keys", c.readReply());
            assertEquals("[]", c.readReply());
            assertEquals("[]", c.readReply());
            assertEquals("-ERR Unknown node " + "0".repeat(40), c.readReply());
            assertEquals("-ERR CLUSTER FAILOVER is not available through respproxy, which presents the cluster as"
                    + " one node: run it against the cluster's nodes", c.readReply());
            assertEquals("-ERR command 'cluster|reset' is disabled by the proxy (deny-commands)", c.readReply());
            assertEquals("-ERR wrong number of arguments for 'cluster|info' command", c.readReply());
            assertEquals("-ERR wrong number of arguments for 'cluster' command", c.readReply());
            assertEquals("-ERR unknown subcommand 'nosuch'. Try CLUSTER HELP.", c.readReply());
            assertEquals("-ERR SELECT is not allowed in cluster mode", c.readReply());
            assertEquals("+OK", c.readReply());
            assertEquals("+OK", c.readReply());
            assertEquals("+OK", c.readReply());
            assertEquals("+OK", c.readReply());

            c.send(RawClient.command("CLUSTER", "HELP"));
            String help = c.readReply();
            assertTrue(help.startsWith("[+CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:, "), help);

            // RESP3: HELLO says cluster; SHARDS and SLOTS carry maps
            c.send(RawClient.command("HELLO", "3") + RawClient.command("CLUSTER", "SHARDS")
                    + RawClient.command("CLUSTER", "SLOTS"));
            assertTrue(c.readReply().contains("mode=cluster"));
            String id = myId(proxy.writePort());
            assertEquals("[{slots=[:0, :16383], nodes=[{id=" + id + ", port=:" + proxy.writePort()
                    + ", ip=127.0.0.1, endpoint=127.0.0.1, role=master, replication-offset=:0, health=online}]}]",
                    c.readReply());
            assertEquals("[[:0, :16383, [127.0.0.1, :" + proxy.writePort() + ", " + id + ", {}]]]", c.readReply());
        }
        // Every listener is a node of its own, the same on every connection (and every proxy of this configuration)
        assertEquals(myId(proxy.writePort()), myId(proxy.writePort()));
        assertTrue(!myId(proxy.readPort()).equals(myId(proxy.writePort())));
    }

    /** Every master holds some of the {@code n} keys under {@code prefix}, and together all of them. */
    private static void assertKeysOnEveryMaster(String prefix, int n) {
        Map<Integer, Integer> perMaster = new HashMap<>();
        for (RedisNode m : cluster.masters()) {
            try (Jedis d = ProxyFixture.direct(m)) {
                perMaster.put(m.port(), d.keys(prefix + "*").size());
            }
        }
        assertEquals(n, perMaster.values().stream().mapToInt(Integer::intValue).sum(), perMaster.toString());
        assertTrue(perMaster.values().stream().allMatch(k -> k > 0), "keys on every master: " + perMaster);
    }

    /** redis-cli as a process; its stdout, trimmed. */
    private static String redisCli(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("redis-cli", "--no-auth-warning", "-h", "127.0.0.1"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        return out;
    }
}
