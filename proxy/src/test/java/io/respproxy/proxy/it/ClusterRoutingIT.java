package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.routing.slot.SlotHash;
import io.respproxy.testkit.RedisBinary;
import io.respproxy.testkit.RedisCluster;
import io.respproxy.testkit.RedisNode;
import io.respproxy.testkit.RedisTopologies;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * {@code mode = cluster} against a real 6-node cluster (3 masters, 3 replicas), on the Redis on
 * the machine (7.x: CLUSTER SHARDS) and on the bundled 6.2 (CLUSTER SLOTS only): clients that
 * speak plain Redis use the whole cluster through one port.
 */
class ClusterRoutingIT {

    static Stream<Arguments> binaries() {
        return Stream.of(Arguments.of(RedisBinary.locate()), Arguments.of(RedisBinary.bundled()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("binaries")
    void plainClientsUseTheWholeClusterThroughOnePort(RedisBinary binary) throws Exception {
        try (RedisCluster c = RedisTopologies.cluster().binary(binary).password(ProxyFixture.BACKEND_PASSWORD).start();
             ProxyFixture proxy = ProxyFixture.cluster(c, "");
             Jedis w = proxy.jedis(proxy.writePort());
             Jedis r = proxy.jedis(proxy.readPort())) {
            assertEquals(3, proxy.service().topology().shards().size());

            // 1,000 keys over every slot range: MSET split per slot and merged, each key where its slot lives
            int n = 1000;
            String[] kv = new String[2 * n];
            String[] keys = new String[n];
            for (int i = 0; i < n; i++) {
                keys[i] = "key:" + i;
                kv[2 * i] = keys[i];
                kv[2 * i + 1] = "v" + i;
            }
            assertEquals("OK", w.mset(kv));
            Map<RedisNode, Integer> perMaster = new HashMap<>();
            for (RedisNode m : c.masters()) {
                try (Jedis d = ProxyFixture.direct(m)) {
                    perMaster.put(m, (int) d.dbSize());
                }
            }
            assertEquals(n, perMaster.values().stream().mapToInt(Integer::intValue).sum(), perMaster.toString());
            assertTrue(perMaster.values().stream().allMatch(k -> k > 200), "keys on every master: " + perMaster);

            // MGET keeps the order of the request, whatever node each key came from
            List<String> got = w.mget(keys);
            for (int i = 0; i < n; i++) {
                assertEquals("v" + i, got.get(i), keys[i]);
            }
            // through the read port too (replicas, READONLY in their handshake)
            c.awaitReplicaKeys(n, Duration.ofSeconds(10));
            List<String> read = r.mget(keys);
            assertEquals(got, read);
            assertEquals("v7", r.get("key:7"));

            // EXISTS / TOUCH summed over the nodes; DEL counts every key once
            assertEquals(n, w.exists(keys));
            assertEquals(n, w.touch(keys));
            String[] half = java.util.Arrays.copyOf(keys, n / 2);
            assertEquals(n / 2, w.del(half));
            assertEquals(n / 2, w.exists(keys));
            assertEquals(n / 2, w.unlink(keys));
            assertEquals(0, w.exists(keys));

            // keys of one hash tag go together; keys of different slots in one command are refused as Redis does
            assertEquals("OK", w.mset("{user1}:a", "1", "{user1}:b", "2"));
            assertEquals(List.of("1", "2"), w.mget("{user1}:a", "{user1}:b"));
            assertEquals(SlotHash.slot("{user1}:a".getBytes(StandardCharsets.UTF_8)),
                    SlotHash.slot("{user1}:b".getBytes(StandardCharsets.UTF_8)));
            JedisDataException cross = org.junit.jupiter.api.Assertions.assertThrows(JedisDataException.class,
                    () -> w.sunionstore("dest", "a", "b"));
            assertEquals("CROSSSLOT Keys in request don't hash to the same slot", cross.getMessage());
            assertEquals(1, w.sadd("{t}a", "x"));
            assertEquals(1, w.sunionstore("{t}dest", "{t}a", "{t}b"));

            // INFO keyspace sums the masters; DBSIZE too
            assertEquals(4L, w.dbSize()); // {user1}:a, {user1}:b, {t}a, {t}dest
            assertTrue(w.info("keyspace").contains("db0:keys=4,"), w.info("keyspace"));
            assertTrue(w.info().contains("# Proxy"));

            // Lettuce's standalone client, RESP3 and RESP2, across slots
            io.lettuce.core.resource.ClientResources res = io.lettuce.core.resource.DefaultClientResources.create();
            try {
                for (boolean resp3 : new boolean[] {true, false}) {
                    io.lettuce.core.RedisClient lc = ProxyFixture.lettuce(res, proxy.writePort(), resp3);
                    try (var conn = lc.connect()) {
                        var cmd = conn.sync();
                        for (int i = 0; i < 50; i++) {
                            assertEquals("OK", cmd.set("lt:" + i, "x" + i));
                        }
                        List<String> values = cmd.mget("lt:0", "lt:17", "lt:49").stream()
                                .map(v -> v.getValue()).toList();
                        assertEquals(List.of("x0", "x17", "x49"), values);
                        assertEquals(50L, cmd.del(java.util.stream.IntStream.range(0, 50).mapToObj(i -> "lt:" + i)
                                .toArray(String[]::new)));
                    } finally {
                        lc.shutdown();
                    }
                }
            } finally {
                res.shutdown();
            }
        }
    }
}
