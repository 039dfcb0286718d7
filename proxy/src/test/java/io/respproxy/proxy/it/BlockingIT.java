package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import io.respproxy.testkit.ReplicatedRedis;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.util.KeyValue;

/** Blocking commands hold only their own client; another client's push releases them. */
class BlockingIT {

    private static ReplicatedRedis redis;
    private static ProxyFixture proxy;
    private static ClientResources resources;

    @BeforeAll
    static void start() throws Exception {
        redis = ProxyEnvironment.redis(1);
        proxy = ProxyFixture.start(redis);
        resources = ProxyEnvironment.lettuceResources();
    }

    @AfterAll
    static void stop() {
        ProxyEnvironment.close(resources, proxy, redis);
    }

    /** Waits until the master has a client blocked in {@code cmd} (CLIENT LIST, flags=b). */
    private static void awaitBlockedOnMaster(String cmd) {
        try (Jedis m = ProxyFixture.direct(redis.master())) {
            ProxyFixture.await(Duration.ofSeconds(5), "a client blocked in " + cmd + " on the master",
                    () -> m.clientList().lines().anyMatch(l -> l.contains("flags=b") && l.contains("cmd=" + cmd)));
        }
    }

    @Test
    void blpopIsReleasedByAnotherClientsLpushWhileAThirdClientIsServed() throws Exception {
        for (int port : new int[] {proxy.writePort(), proxy.readPort(), proxy.autoPort()}) {
            String q = "bl:q:" + port;
            try (Jedis blocked = proxy.jedis(port); Jedis pusher = proxy.jedis(port); Jedis third = proxy.jedis(port)) {
                CompletableFuture<KeyValue<String, String>> popped =
                        CompletableFuture.supplyAsync(() -> blocked.blpop(10.0, q));
                awaitBlockedOnMaster("blpop");
                // Meanwhile other clients on the same listener are not held up.
                // (Writes only: on the read and auto ports a read of a fresh key could hit a lagging replica.)
                for (int i = 0; i < 50; i++) {
                    assertEquals(i + 1, third.incr("bl:other:" + port));
                    assertEquals("PONG", pusher.ping());
                }
                assertFalse(popped.isDone(), "BLPOP returned before anything was pushed");
                assertEquals(1, pusher.lpush(q, "hello"));
                KeyValue<String, String> kv = popped.get(5, TimeUnit.SECONDS);
                assertEquals(q, kv.getKey());
                assertEquals("hello", kv.getValue());
                // The released client works as before.
                assertEquals("PONG", blocked.ping());
                assertEquals(0, blocked.llen(q));
            }
        }
    }

    @Test
    void blpopTimeoutReturnsNull() {
        try (Jedis j = proxy.jedis(proxy.writePort())) {
            assertNull(j.blpop(0.2, "bl:empty"));
            assertEquals("PONG", j.ping());
        }
    }

    @Test
    void commandsPipelinedBehindABlpopWaitForIt() throws Exception {
        try (RawClient c = new RawClient(proxy.writePort()); Jedis pusher = proxy.jedis(proxy.writePort())) {
            c.send(RawClient.command("BLPOP", "bl:pipe", "5") + RawClient.command("RPUSH", "bl:pipe", "mine")
                    + RawClient.command("LRANGE", "bl:pipe", "0", "-1"));
            awaitBlockedOnMaster("blpop");
            assertEquals(1, pusher.rpush("bl:pipe", "theirs"));
            assertEquals("[bl:pipe, theirs]", c.readReply());
            assertEquals(":1", c.readReply());
            assertEquals("[mine]", c.readReply());
        }
    }

    @Test
    void blpopTimeoutInAPipelineThenMoreCommands() throws Exception {
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("SET", "bl:s", "1") + RawClient.command("BLPOP", "bl:none", "0.1")
                    + RawClient.command("INCR", "bl:s") + RawClient.command("BRPOP", "bl:none", "0.1")
                    + RawClient.command("GET", "bl:s"));
            assertEquals("+OK", c.readReply());
            assertEquals("(nil)", c.readReply());
            assertEquals(":2", c.readReply());
            assertEquals("(nil)", c.readReply());
            assertEquals("2", c.readReply());
        }
    }

    @Test
    void lettuceBlpopBlmoveAndXreadBlock() throws Exception {
        RedisClient client = ProxyFixture.lettuce(resources, proxy.writePort(), true);
        try (StatefulRedisConnection<String, String> a = client.connect();
             StatefulRedisConnection<String, String> b = client.connect()) {
            assertNull(a.sync().blpop(0.1, "bl:l:none"));

            RedisFuture<io.lettuce.core.KeyValue<String, String>> f = a.async().blpop(10, "bl:l:q");
            awaitBlockedOnMaster("blpop");
            b.sync().rpush("bl:l:q", "x");
            io.lettuce.core.KeyValue<String, String> kv = f.get(5, TimeUnit.SECONDS);
            assertEquals("x", kv.getValue());

            RedisFuture<String> moved = a.async().blmove("bl:l:src", "bl:l:dst",
                    io.lettuce.core.LMoveArgs.Builder.leftRight(), 10);
            awaitBlockedOnMaster("blmove");
            b.sync().rpush("bl:l:src", "m");
            assertEquals("m", moved.get(5, TimeUnit.SECONDS));
            assertEquals(List.of("m"), b.sync().lrange("bl:l:dst", 0, -1));

            String last = b.sync().xadd("bl:l:stream", "f", "0");
            RedisFuture<List<StreamMessage<String, String>>> xr = a.async().xread(
                    XReadArgs.Builder.block(10_000), XReadArgs.StreamOffset.from("bl:l:stream", last));
            awaitBlockedOnMaster("xread");
            String id = b.sync().xadd("bl:l:stream", "f", "1");
            List<StreamMessage<String, String>> msgs = xr.get(5, TimeUnit.SECONDS);
            assertEquals(1, msgs.size());
            assertEquals(id, msgs.get(0).getId());
            assertEquals("1", msgs.get(0).getBody().get("f"));

            assertEquals(0, a.sync().xread(XReadArgs.Builder.block(100),
                    XReadArgs.StreamOffset.from("bl:l:stream", "$")).size());
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    /** Many clients blocked at once each get their own element. */
    @Test
    void manyBlockedClientsEachGetOneElement() throws Exception {
        int n = 10;
        Jedis[] clients = new Jedis[n];
        @SuppressWarnings("unchecked")
        CompletableFuture<KeyValue<String, String>>[] futures = new CompletableFuture[n];
        try (Jedis pusher = proxy.jedis(proxy.writePort()); Jedis m = ProxyFixture.direct(redis.master())) {
            for (int i = 0; i < n; i++) {
                Jedis c = proxy.jedis(proxy.writePort());
                clients[i] = c;
                futures[i] = CompletableFuture.supplyAsync(() -> c.blpop(10.0, "bl:many"));
            }
            ProxyFixture.await(Duration.ofSeconds(5), n + " blocked clients on the master",
                    () -> m.clientList().lines().filter(l -> l.contains("cmd=blpop") && l.contains("flags=b")).count() == n);
            for (int i = 0; i < n; i++) {
                pusher.rpush("bl:many", "e" + i);
            }
            java.util.Set<String> got = new java.util.HashSet<>();
            for (CompletableFuture<KeyValue<String, String>> f : futures) {
                got.add(f.get(5, TimeUnit.SECONDS).getValue());
            }
            assertEquals(n, got.size());
        } finally {
            for (Jedis c : clients) {
                if (c != null) {
                    c.close();
                }
            }
        }
    }
}
