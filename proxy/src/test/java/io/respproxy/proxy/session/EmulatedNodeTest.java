package io.respproxy.proxy.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.cluster.models.partitions.ClusterPartitionParser;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.models.slots.ClusterSlotRange;
import io.lettuce.core.cluster.models.slots.ClusterSlotsParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import io.respproxy.proxy.service.ClusterEmulation;
import io.respproxy.routing.NodeAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.util.KeyValue;
import redis.clients.jedis.util.RedisInputStream;

/**
 * The CLUSTER replies of the one-node cluster a listener presents: the exact bytes Redis 7 would
 * send (RESP2 and RESP3), decoded by Jedis's protocol reader and parsed by Lettuce's cluster
 * parsers, the code cluster-aware clients run on them.
 */
class EmulatedNodeTest {

    static final String ID = "0123456789abcdef0123456789abcdef01234567";
    static final EmulatedNode NODE = new EmulatedNode(ID, "f".repeat(40), "192.0.2.10", 7380, null);
    static final EmulatedNode NAMED = new EmulatedNode(ID, "f".repeat(40), "proxy.example.com", 7380,
            "proxy.example.com");

    @Test
    void slotsIsOneRangeServedByTheNodeWithAnEmptyMetadataMap() {
        String node = "*4\r\n$10\r\n192.0.2.10\r\n:7380\r\n$40\r\n" + ID + "\r\n";
        assertEquals("*1\r\n*3\r\n:0\r\n:16383\r\n" + node + "*0\r\n", write(NODE::writeSlots, 2));
        assertEquals("*1\r\n*3\r\n:0\r\n:16383\r\n" + node + "%0\r\n", write(NODE::writeSlots, 3));
    }

    @Test
    void slotsOfAHostNameCarryItInTheMetadata() {
        assertEquals("*1\r\n*3\r\n:0\r\n:16383\r\n*4\r\n$17\r\nproxy.example.com\r\n:7380\r\n$40\r\n" + ID
                + "\r\n*2\r\n$8\r\nhostname\r\n$17\r\nproxy.example.com\r\n", write(NAMED::writeSlots, 2));
        assertEquals(List.of(List.of(0L, 16383L, List.of("proxy.example.com", 7380L, ID,
                Map.of("hostname", "proxy.example.com")))), decode(write(NAMED::writeSlots, 3)));
    }

    @Test
    void lettuceReadsTheSlotsAsOneMasterOwningEverySlot() {
        List<ClusterSlotRange> ranges = ClusterSlotsParser.parse((List<?>) decode(write(NODE::writeSlots, 2)));
        assertEquals(1, ranges.size());
        ClusterSlotRange r = ranges.get(0);
        assertEquals(0, r.getFrom());
        assertEquals(16383, r.getTo());
        assertEquals("192.0.2.10", r.getUpstream().getUri().getHost());
        assertEquals(7380, r.getUpstream().getUri().getPort());
        assertEquals(ID, r.getUpstream().getNodeId());
        assertTrue(r.getReplicaNodes().isEmpty());
    }

    @Test
    void nodesIsTheLineRedisWritesForItself() {
        String line = ID + " 192.0.2.10:7380@0 myself,master - 0 0 1 connected 0-16383\n";
        assertEquals("$" + line.length() + "\r\n" + line + "\r\n", write(NODE::writeNodes, 2));
        assertEquals("=" + (line.length() + 4) + "\r\ntxt:" + line + "\r\n", write(NODE::writeNodes, 3));
        assertEquals(ID + " proxy.example.com:7380@0,proxy.example.com myself,master - 0 0 1 connected 0-16383",
                NAMED.nodesLine());
    }

    @Test
    void lettuceReadsTheNodesAsOneMasterOwningEverySlot() {
        for (EmulatedNode n : List.of(NODE, NAMED)) {
            Partitions partitions = ClusterPartitionParser.parse(n.nodesLine() + "\n");
            assertEquals(1, partitions.size());
            RedisClusterNode node = partitions.getPartition(0);
            assertEquals(ID, node.getNodeId());
            assertEquals(n.ip(), node.getUri().getHost());
            assertEquals(7380, node.getUri().getPort());
            assertTrue(node.is(RedisClusterNode.NodeFlag.MYSELF), node.getFlags().toString());
            assertTrue(node.getRole().isUpstream(), node.getFlags().toString());
            assertEquals(2, node.getFlags().size(), node.getFlags().toString());
            assertTrue(node.isConnected());
            assertEquals(16384, node.getSlots().size());
            assertEquals(1, node.getConfigEpoch());
        }
    }

    @Test
    void shardsIsRedis7sFormatMapsInResp3FlatArraysInResp2() {
        Map<String, Object> node = new LinkedHashMap<>();
        node.put("id", ID);
        node.put("port", 7380L);
        node.put("ip", "192.0.2.10");
        node.put("endpoint", "192.0.2.10");
        node.put("role", "master");
        node.put("replication-offset", 0L);
        node.put("health", "online");
        Map<String, Object> shard = new LinkedHashMap<>();
        shard.put("slots", List.of(0L, 16383L));
        shard.put("nodes", List.of(node));
        assertEquals(List.of(shard), decode(write(NODE::writeShards, 3)));

        List<Object> flatNode = new ArrayList<>();
        node.forEach((k, v) -> {
            flatNode.add(k);
            flatNode.add(v);
        });
        assertEquals(List.of(List.of("slots", List.of(0L, 16383L), "nodes", List.of(flatNode))),
                decode(write(NODE::writeShards, 2)));
        assertTrue(write(NODE::writeShards, 3).startsWith("*1\r\n%2\r\n$5\r\nslots\r\n*2\r\n:0\r\n:16383\r\n"
                + "$5\r\nnodes\r\n*1\r\n%7\r\n$2\r\nid\r\n"));
    }

    @Test
    void lettuceReadsTheShardsAsOneMasterOwningEverySlot() {
        @SuppressWarnings("unchecked")
        Partitions partitions = ClusterPartitionParser.parse((List<Object>) decode(write(NODE::writeShards, 2)));
        assertEquals(1, partitions.size());
        RedisClusterNode node = partitions.getPartition(0);
        assertEquals(ID, node.getNodeId());
        assertEquals("192.0.2.10", node.getUri().getHost());
        assertEquals(7380, node.getUri().getPort());
        assertTrue(node.getRole().isUpstream());
        assertEquals(16384, node.getSlots().size());
    }

    @Test
    void shardsOfAHostNameNameIt() {
        @SuppressWarnings("unchecked")
        Map<String, Object> node = (Map<String, Object>) ((List<?>) ((Map<?, ?>) ((List<?>) decode(
                write(NAMED::writeShards, 3))).get(0)).get("nodes")).get(0);
        assertEquals(List.of("id", "port", "ip", "endpoint", "hostname", "role", "replication-offset", "health"),
                List.copyOf(node.keySet()));
        assertEquals("proxy.example.com", node.get("hostname"));
        assertEquals("proxy.example.com", node.get("endpoint"));
    }

    @Test
    void infoDescribesAOneNodeClusterOkOnlyWhileEverySlotHasAMaster() {
        String ok = "cluster_state:ok\r\ncluster_slots_assigned:16384\r\ncluster_slots_ok:16384\r\n"
                + "cluster_slots_pfail:0\r\ncluster_slots_fail:0\r\ncluster_known_nodes:1\r\ncluster_size:1\r\n"
                + "cluster_current_epoch:1\r\ncluster_my_epoch:1\r\ncluster_stats_messages_sent:0\r\n"
                + "cluster_stats_messages_received:0\r\ntotal_cluster_links_buffer_limit_exceeded:0\r\n";
        assertEquals("$" + ok.length() + "\r\n" + ok + "\r\n", write((out, p) -> NODE.writeInfo(out, p, 16384), 2));
        assertEquals("=" + (ok.length() + 4) + "\r\ntxt:" + ok + "\r\n",
                write((out, p) -> NODE.writeInfo(out, p, 16384), 3));
        String down = (String) decode(write((out, p) -> NODE.writeInfo(out, p, 16000), 2));
        assertTrue(down.startsWith("cluster_state:fail\r\ncluster_slots_assigned:16384\r\ncluster_slots_ok:16000\r\n"
                + "cluster_slots_pfail:0\r\ncluster_slots_fail:384\r\n"), down);
    }

    @Test
    void theAnnouncedAddressWinsOverTheConnectionsLocalAddress() {
        ClusterEmulation emulation = ClusterEmulation.of("orders", List.of("read", "write"),
                Map.of("write", new NodeAddress("Proxy.Example.com", 16380)));
        InetSocketAddress local = new InetSocketAddress("127.0.0.1", 7379);
        EmulatedNode read = EmulatedNode.of(emulation.listener("read"), local);
        assertEquals("127.0.0.1", read.ip());
        assertEquals(7379, read.port());
        assertEquals(null, read.hostname());
        EmulatedNode write = EmulatedNode.of(emulation.listener("write"), local);
        assertEquals("proxy.example.com", write.ip());
        assertEquals(16380, write.port());
        assertEquals("proxy.example.com", write.hostname());
        EmulatedNode v6 = EmulatedNode.of(new ClusterEmulation.Listener(ID, ID, new NodeAddress("fd00::1", 7380)), local);
        assertEquals("fd00::1", v6.ip());
        assertEquals(null, v6.hostname());
        assertThrows(IllegalStateException.class,
                () -> EmulatedNode.of(emulation.listener("read"), new io.netty.channel.local.LocalAddress("x")));
    }

    @Test
    void nodeIdsAreStable40HexDigitsPerServiceAndListener() {
        ClusterEmulation a = ClusterEmulation.of("orders", List.of("read", "write"), Map.of());
        ClusterEmulation b = ClusterEmulation.of("orders", List.of("write"), Map.of());
        ClusterEmulation other = ClusterEmulation.of("sessions", List.of("write"), Map.of());
        String id = a.listener("write").nodeId();
        assertTrue(id.matches("[0-9a-f]{40}"), id);
        assertEquals(id, b.listener("write").nodeId(), "another proxy with the same configuration");
        assertTrue(!id.equals(a.listener("read").nodeId()) && !id.equals(other.listener("write").nodeId()));
        assertTrue(a.listener("write").shardId().matches("[0-9a-f]{40}"));
        assertTrue(!a.listener("write").shardId().equals(id));
        assertTrue(a.enabled() && !ClusterEmulation.OFF.enabled());
    }

    /** The reply {@code writer} writes for {@code protocol}, as text. */
    static String write(BiConsumer<ByteBuf, Integer> writer, int protocol) {
        ByteBuf out = Unpooled.buffer();
        try {
            writer.accept(out, protocol);
            return out.toString(StandardCharsets.UTF_8);
        } finally {
            out.release();
        }
    }

    /**
     * One reply decoded by Jedis's protocol reader (which must consume it exactly), as plain Java
     * values: bulk and verbatim strings as String, maps as ordered Maps.
     */
    static Object decode(String reply) {
        ByteBuf in = Unpooled.copiedBuffer(reply, StandardCharsets.UTF_8);
        try {
            Object value = Protocol.read(new RedisInputStream(new ByteBufInputStream(in), 1));
            assertEquals(0, in.readableBytes(), "trailing bytes after the reply");
            return plain(value);
        } finally {
            in.release();
        }
    }

    private static Object plain(Object v) {
        if (v instanceof byte[] b) {
            return new String(b, StandardCharsets.UTF_8);
        }
        if (v instanceof List<?> list) {
            if (!list.isEmpty() && list.stream().allMatch(e -> e instanceof KeyValue)) {
                Map<Object, Object> map = new LinkedHashMap<>();
                for (Object e : list) {
                    KeyValue<?, ?> kv = (KeyValue<?, ?>) e;
                    map.put(plain(kv.getKey()), plain(kv.getValue()));
                }
                return map;
            }
            List<Object> out = new ArrayList<>();
            list.forEach(e -> out.add(plain(e)));
            return out;
        }
        return v;
    }
}
