package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.GeoArgs;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.resource.ClientResources;
import io.respproxy.testkit.ReplicatedRedis;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.args.GeoUnit;
import redis.clients.jedis.params.XReadParams;
import redis.clients.jedis.resps.StreamEntry;
import redis.clients.jedis.resps.Tuple;

/** Every data type family round-trips through the write port and reads back through the read port. */
class DataTypesIT {

    private static ReplicatedRedis redis;
    private static ProxyFixture proxy;
    private static ClientResources resources;

    @BeforeAll
    static void start() throws Exception {
        redis = ProxyEnvironment.redis(2);
        proxy = ProxyFixture.start(redis);
        resources = ProxyEnvironment.lettuceResources();
    }

    @AfterAll
    static void stop() {
        ProxyEnvironment.close(resources, proxy, redis);
    }

    /** Replicas lag: poll the read port until it shows what was written. */
    private static <T> void eventually(T expected, Supplier<T> read) {
        long deadline = System.currentTimeMillis() + 5000;
        T last = read.get();
        while (!java.util.Objects.deepEquals(expected, last) && System.currentTimeMillis() < deadline) {
            sleep(20);
            last = read.get();
        }
        if (expected instanceof byte[] e && last instanceof byte[] l) {
            assertArrayEquals(e, l);
        } else {
            assertEquals(expected, last);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static byte[] allBytes() {
        byte[] b = new byte[256 + 6];
        for (int i = 0; i < 256; i++) {
            b[i] = (byte) i;
        }
        System.arraycopy("\r\n$-1\r".getBytes(StandardCharsets.US_ASCII), 0, b, 256, 6);
        return b;
    }

    private static byte[] megabyte() {
        byte[] b = new byte[1024 * 1024];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i * 31 + (i >>> 8));
        }
        // CRLFs and RESP-looking bytes inside must not confuse any framing.
        byte[] resp = "\r\n*2\r\n$3\r\nGET\r\n".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(resp, 0, b, 1000, resp.length);
        return b;
    }

    @Test
    void jedisStringsIncludingBinaryAndOneMegabyte() {
        try (Jedis w = proxy.jedis(proxy.writePort()); Jedis r = proxy.jedis(proxy.readPort())) {
            byte[] bin = allBytes();
            byte[] big = megabyte();
            assertEquals("OK", w.set("j:bin".getBytes(), bin));
            assertEquals("OK", w.set("j:big".getBytes(), big));
            assertArrayEquals(bin, w.get("j:bin".getBytes()));
            assertArrayEquals(big, w.get("j:big".getBytes()));
            assertEquals(3, w.append("j:s", "abc"));
            assertEquals(6, w.append("j:s", "def"));
            assertEquals("bcd", w.getrange("j:s", 1, 3));
            assertEquals(6, w.strlen("j:s"));
            assertEquals(10, w.incrBy("j:n", 10));
            assertEquals(7.5, w.incrByFloat("j:n", -2.5));
            assertEquals("OK", w.mset("j:m1", "1", "j:m2", "2"));
            assertEquals(Arrays.asList("1", "2", null), w.mget("j:m1", "j:m2", "j:none"));
            assertNull(w.get("j:none"));
            eventually(bin, () -> r.get("j:bin".getBytes()));
            eventually(big, () -> r.get("j:big".getBytes()));
            eventually("abcdef", () -> r.get("j:s"));
            eventually(Arrays.asList("1", "2", null), () -> r.mget("j:m1", "j:m2", "j:none"));
        }
    }

    @Test
    void jedisCollections() {
        try (Jedis w = proxy.jedis(proxy.writePort()); Jedis r = proxy.jedis(proxy.readPort())) {
            assertEquals(3, w.rpush("j:list", "a", "b", "c"));
            assertEquals(4, w.lpush("j:list", "z"));
            assertEquals(List.of("z", "a", "b", "c"), w.lrange("j:list", 0, -1));
            assertEquals("c", w.rpop("j:list"));
            eventually(List.of("z", "a", "b"), () -> r.lrange("j:list", 0, -1));

            Map<String, String> h = new LinkedHashMap<>();
            h.put("f1", "v1");
            h.put("f2", "v\r\n2");
            assertEquals(2, w.hset("j:hash", h));
            assertEquals(5, w.hincrBy("j:hash", "n", 5));
            Map<String, String> expected = new java.util.HashMap<>(h);
            expected.put("n", "5");
            assertEquals(expected, w.hgetAll("j:hash"));
            eventually(expected, () -> r.hgetAll("j:hash"));

            assertEquals(3, w.sadd("j:set", "x", "y", "z"));
            assertEquals(0, w.sadd("j:set", "x"));
            assertTrue(w.sismember("j:set", "y"));
            w.sadd("j:set2", "y", "q");
            assertEquals(Set.of("y"), w.sinter("j:set", "j:set2"));
            eventually(Set.of("x", "y", "z"), () -> r.smembers("j:set"));

            assertEquals(1, w.zadd("j:z", 1.5, "one"));
            assertEquals(1, w.zadd("j:z", 0.5, "half"));
            assertEquals(3.5, w.zincrby("j:z", 2.0, "one"));
            assertEquals(List.of(new Tuple("half", 0.5), new Tuple("one", 3.5)), w.zrangeWithScores("j:z", 0, -1));
            eventually(List.of("half", "one"), () -> r.zrange("j:z", 0, -1));
            eventually(3.5, () -> r.zscore("j:z", "one"));
        }
    }

    @Test
    void jedisStreamsBitmapsHyperLogLogGeoAndExpiry() {
        try (Jedis w = proxy.jedis(proxy.writePort()); Jedis r = proxy.jedis(proxy.readPort())) {
            StreamEntryID id1 = w.xadd("j:stream", StreamEntryID.NEW_ENTRY, Map.of("temp", "20"));
            StreamEntryID id2 = w.xadd("j:stream", StreamEntryID.NEW_ENTRY, Map.of("temp", "21"));
            assertTrue(id2.compareTo(id1) > 0);
            List<StreamEntry> range = w.xrange("j:stream", (StreamEntryID) null, (StreamEntryID) null);
            assertEquals(2, range.size());
            assertEquals(Map.of("temp", "21"), range.get(1).getFields());
            var read = w.xread(XReadParams.xReadParams().count(10), Map.of("j:stream", id1));
            assertEquals(1, read.size());
            assertEquals(id2, read.get(0).getValue().get(0).getID());
            eventually(2L, () -> r.xlen("j:stream"));

            assertEquals(false, w.setbit("j:bits", 7, true));
            assertEquals(false, w.setbit("j:bits", 100, true));
            assertTrue(w.getbit("j:bits", 100));
            assertEquals(2, w.bitcount("j:bits"));
            eventually(2L, () -> r.bitcount("j:bits"));

            String[] members = new String[1000];
            for (int i = 0; i < members.length; i++) {
                members[i] = "m" + i;
            }
            assertEquals(1, w.pfadd("j:hll", members));
            long count = w.pfcount("j:hll");
            assertTrue(Math.abs(count - 1000) < 30, "pfcount " + count);
            eventually(count, () -> r.pfcount("j:hll"));

            assertEquals(2, w.geoadd("j:geo", Map.of(
                    "Palermo", new redis.clients.jedis.GeoCoordinate(13.361389, 38.115556),
                    "Catania", new redis.clients.jedis.GeoCoordinate(15.087269, 37.502669))));
            assertEquals(166.2742, w.geodist("j:geo", "Palermo", "Catania", GeoUnit.KM), 0.001);
            eventually(166.2742, () -> r.geodist("j:geo", "Palermo", "Catania", GeoUnit.KM));

            w.set("j:ttl", "v");
            assertEquals(1, w.expire("j:ttl", 100));
            long ttl = w.ttl("j:ttl");
            assertTrue(ttl > 90 && ttl <= 100, "ttl " + ttl);
            assertEquals(-2, w.ttl("j:missing"));
            w.set("j:forever", "v");
            assertEquals(-1, w.ttl("j:forever"));
            eventually(true, () -> {
                long t = r.ttl("j:ttl");
                return t > 0 && t <= 100;
            });
            assertEquals(1, w.pexpire("j:short", 1) + w.pexpire("j:forever", 50));
            eventually(false, () -> w.exists("j:forever"));
            eventually(false, () -> r.exists("j:forever"));
        }
    }

    @Test
    void lettuceResp3RoundTripOfEveryFamily() {
        RedisClient client = ProxyFixture.lettuce(resources, proxy.writePort(), true);
        RedisClient readClient = ProxyFixture.lettuce(resources, proxy.readPort(), true);
        try (StatefulRedisConnection<byte[], byte[]> wc = client.connect(io.lettuce.core.codec.ByteArrayCodec.INSTANCE);
             StatefulRedisConnection<String, String> sc = client.connect();
             StatefulRedisConnection<byte[], byte[]> rc = readClient.connect(io.lettuce.core.codec.ByteArrayCodec.INSTANCE)) {
            RedisCommands<byte[], byte[]> w = wc.sync();
            RedisCommands<byte[], byte[]> r = rc.sync();
            RedisCommands<String, String> s = sc.sync();
            byte[] bin = allBytes();
            byte[] big = megabyte();
            assertEquals("OK", w.set(b("l:bin"), bin));
            assertEquals("OK", w.set(b("l:big"), big));
            assertArrayEquals(big, w.get(b("l:big")));
            eventually(bin, () -> r.get(b("l:bin")));
            eventually(big, () -> r.get(b("l:big")));

            assertEquals(3L, s.rpush("l:list", "a", "b", "c"));
            assertEquals(List.of("a", "b", "c"), s.lrange("l:list", 0, -1));
            assertEquals(true, s.hset("l:hash", "f", "v"));
            assertEquals(Map.of("f", "v"), s.hgetall("l:hash"));
            assertEquals(2L, s.sadd("l:set", "x", "y"));
            assertEquals(Set.of("x", "y"), s.smembers("l:set"));
            assertEquals(1L, s.zadd("l:z", 2.0, "two"));
            assertEquals(List.of(ScoredValue.just(2.0, "two")), s.zrangeWithScores("l:z", 0, -1));
            String id = s.xadd("l:stream", Map.of("k", "v"));
            List<StreamMessage<String, String>> msgs = s.xrange("l:stream", Range.create("-", "+"));
            assertEquals(1, msgs.size());
            assertEquals(id, msgs.get(0).getId());
            assertEquals(Map.of("k", "v"), msgs.get(0).getBody());
            assertEquals(1, s.xread(XReadArgs.StreamOffset.from("l:stream", "0")).size());
            assertEquals(0L, s.setbit("l:bits", 3, 1));
            assertEquals(1L, s.bitcount("l:bits"));
            assertEquals(1L, s.pfadd("l:hll", "a", "b", "c"));
            assertEquals(3L, s.pfcount("l:hll"));
            assertEquals(1L, s.geoadd("l:geo", 13.361389, 38.115556, "Palermo"));
            assertEquals(1L, s.geoadd("l:geo", 15.087269, 37.502669, "Catania"));
            assertEquals(166.2742, s.geodist("l:geo", "Palermo", "Catania", GeoArgs.Unit.km), 0.001);
            assertEquals(true, s.expire("l:list", 100));
            assertTrue(s.ttl("l:list") > 90);

            // Reads alternate between the replicas, each of which may lag: poll every read.
            try (StatefulRedisConnection<String, String> rs = readClient.connect()) {
                eventually(List.of("a", "b", "c"), () -> rs.sync().lrange("l:list", 0, -1));
                eventually("v", () -> rs.sync().hget("l:hash", "f"));
                eventually(new HashSet<>(Set.of("x", "y")), () -> new HashSet<>(rs.sync().smembers("l:set")));
                eventually(1L, () -> rs.sync().xlen("l:stream"));
                eventually(3L, () -> rs.sync().pfcount("l:hll"));
                eventually(166.2742, () -> {
                    Double d = rs.sync().geodist("l:geo", "Palermo", "Catania", GeoArgs.Unit.km);
                    return d == null ? null : Math.round(d * 10000) / 10000.0;
                });
            }
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            readClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
