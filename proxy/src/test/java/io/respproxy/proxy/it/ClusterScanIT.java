package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.respproxy.routing.Shard;
import io.respproxy.routing.Topology;
import io.respproxy.routing.slot.SlotHash;
import io.respproxy.testkit.RedisBinary;
import io.respproxy.testkit.RedisCluster;
import io.respproxy.testkit.RedisNode;
import io.respproxy.testkit.RedisTopologies;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * SCAN through the proxy in {@code mode = cluster} walks every master (or, on the read port, a
 * replica of each shard) in turn, the node carried in the cursor: every key exactly once, with
 * COUNT, MATCH and TYPE, over RESP2 and RESP3, on Redis 7.x and the bundled 6.2.
 */
class ClusterScanIT {

    static final int KEYS = 1000;
    static final int HASHES = 100;

    static Stream<Arguments> binaries() {
        return Stream.of(Arguments.of(RedisBinary.locate()), Arguments.of(RedisBinary.bundled()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("binaries")
    void scanReturnsEveryKeyExactlyOnce(RedisBinary binary) throws Exception {
        ClientResources resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2).build();
        try (RedisCluster c = RedisTopologies.cluster().binary(binary).password(ProxyFixture.BACKEND_PASSWORD).start();
             ProxyFixture proxy = ProxyFixture.cluster(c, "");
             Jedis w = proxy.jedis(proxy.writePort());
             Jedis r = proxy.jedis(proxy.readPort())) {
            Set<String> strings = new HashSet<>();
            String[] kv = new String[2 * KEYS];
            for (int i = 0; i < KEYS; i++) {
                kv[2 * i] = "scan:" + i;
                kv[2 * i + 1] = "v" + i;
                strings.add(kv[2 * i]);
            }
            assertEquals("OK", w.mset(kv));
            Set<String> hashes = new HashSet<>();
            for (int i = 0; i < HASHES; i++) {
                w.hset("hash:" + i, "f", "v");
                hashes.add("hash:" + i);
            }
            Set<String> all = new HashSet<>(strings);
            all.addAll(hashes);

            List<String> pages = new ArrayList<>();
            assertExactlyOnce(all, walk(w, new ScanParams().count(50), null, pages));
            assertTrue(pages.size() >= 3, "one walk per master at least: " + pages.size() + " pages");
            assertExactlyOnce(all, walk(w, new ScanParams(), null, new ArrayList<>()));
            assertExactlyOnce(strings, walk(w, new ScanParams().match("scan:*").count(100), null, new ArrayList<>()));
            assertExactlyOnce(hashes, walk(w, new ScanParams().count(30), "hash", new ArrayList<>()));
            Set<String> seventies = new HashSet<>();
            for (int i = 70; i < 80; i++) {
                seventies.add("scan:" + i);
            }
            assertExactlyOnce(seventies, walk(w, new ScanParams().match("scan:7?").count(1000), null, new ArrayList<>()));

            // The read port walks a replica of each shard, each to its end on that replica.
            c.awaitReplicaKeys(KEYS + HASHES, Duration.ofSeconds(10));
            assertExactlyOnce(all, walk(r, new ScanParams().count(40), null, new ArrayList<>()));
            assertExactlyOnce(strings, walk(r, new ScanParams().match("scan:*"), null, new ArrayList<>()));
            for (RedisNode replica : c.replicas()) {
                try (Jedis d = ProxyFixture.direct(replica)) {
                    assertTrue(d.info("commandstats").contains("cmdstat_scan:calls="), replica + " served SCAN");
                }
            }

            // RESP3 (Lettuce's default): SCAN's reply has the same shape.
            RedisClient client = ProxyFixture.lettuce(resources, proxy.writePort(), true);
            try (StatefulRedisConnection<String, String> conn = client.connect()) {
                List<String> keys = new ArrayList<>();
                ScanCursor cursor = ScanCursor.INITIAL;
                do {
                    KeyScanCursor<String> page = conn.sync().scan(cursor, ScanArgs.Builder.limit(70));
                    keys.addAll(page.getKeys());
                    cursor = page;
                } while (!cursor.isFinished());
                assertExactlyOnce(all, keys);
            } finally {
                client.shutdown(0, 2, TimeUnit.SECONDS);
            }
        } finally {
            resources.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }

    /**
     * On the wire: with a COUNT larger than a node's keyspace each node answers in one page, so
     * the cursors are the next shards' ordinals (1, 2) and then 0; each page holds exactly the keys
     * of one master.
     */
    @Test
    void cursorsOnTheWireAndBadCursors() throws Exception {
        try (RedisCluster c = RedisTopologies.cluster().password(ProxyFixture.BACKEND_PASSWORD).start();
             ProxyFixture proxy = ProxyFixture.cluster(c, "");
             Jedis w = proxy.jedis(proxy.writePort());
             RawClient raw = new RawClient(proxy.writePort())) {
            for (int i = 0; i < 300; i++) {
                w.set("wire:" + i, "v");
            }
            Topology t = proxy.service().topology();
            Set<Shard> seen = new HashSet<>();
            int total = 0;
            String cursor = "0";
            for (String expectedNext : new String[] {"1", "2", "0"}) {
                raw.send(RawClient.command("SCAN", cursor, "COUNT", "10000"));
                assertEquals("*2", raw.readLine());
                raw.readLine(); // $n
                String next = raw.readLine();
                assertEquals(expectedNext, next);
                int n = Integer.parseInt(raw.readLine().substring(1));
                Set<Shard> owners = new HashSet<>();
                for (int i = 0; i < n; i++) {
                    raw.readLine();
                    String key = raw.readLine();
                    owners.add(t.shardForSlot(SlotHash.slot(key.getBytes(StandardCharsets.UTF_8))));
                }
                assertEquals(1, owners.size(), "a page is one master's keys");
                assertTrue(seen.addAll(owners), "each master once");
                total += n;
                cursor = next;
            }
            assertEquals(300, total);
            assertEquals(3, seen.size());

            raw.send(RawClient.command("SCAN", "abc"));
            assertEquals("-ERR invalid cursor", raw.readReply());
            raw.send(RawClient.command("SCAN", "-1"));
            assertEquals("-ERR invalid cursor", raw.readReply());
            raw.send(RawClient.command("SCAN", "18446744073709551616"));
            assertEquals("-ERR invalid cursor", raw.readReply());
            raw.send(RawClient.command("SCAN", "3"));
            assertEquals("-ERR respproxy: the node this SCAN cursor was walking no longer serves it (the cluster or "
                    + "its read replicas changed); start again from cursor 0", raw.readReply());
            raw.send(RawClient.command("SCAN", "0", "COUNT", "0"));
            assertEquals("-ERR syntax error", raw.readReply(), "the node's own errors pass through");
            raw.send(RawClient.command("SCAN"));
            assertEquals("-ERR wrong number of arguments for 'scan' command", raw.readReply());
            raw.send(RawClient.command("PING"));
            assertEquals("+PONG", raw.readReply(), "the connection goes on");
        }
    }

    /** Walks the whole keyspace through {@code j}; {@code pages} gets every cursor returned. */
    static List<String> walk(Jedis j, ScanParams params, String type, List<String> pages) {
        List<String> keys = new ArrayList<>();
        String cursor = ScanParams.SCAN_POINTER_START;
        do {
            ScanResult<String> page = type == null ? j.scan(cursor, params) : j.scan(cursor, params, type);
            keys.addAll(page.getResult());
            cursor = page.getCursor();
            Long.parseUnsignedLong(cursor); // a valid unsigned 64-bit cursor
            pages.add(cursor);
            assertTrue(pages.size() < 100_000, "the walk ends");
            if (!cursor.equals("0")) {
                assertNotEquals(ScanParams.SCAN_POINTER_START, cursor);
            }
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        return keys;
    }

    static void assertExactlyOnce(Set<String> expected, List<String> got) {
        assertEquals(expected.size(), got.size(), "every key exactly once: " + got.size() + " keys returned");
        assertEquals(expected, new HashSet<>(got));
    }
}
