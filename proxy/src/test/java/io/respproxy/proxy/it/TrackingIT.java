package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TrackingArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.support.caching.CacheAccessor;
import io.lettuce.core.support.caching.CacheFrontend;
import io.lettuce.core.support.caching.ClientSideCaching;
import io.respproxy.testkit.ReplicatedRedis;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * Client-side caching through the proxy: CLIENT TRACKING in its modes, invalidations fanned out
 * from the proxy's one listening connection per node, and Lettuce's client-side cache.
 */
class TrackingIT {

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

    @Test
    void resp3ClientGetsAnInvalidationForAKeyItReadAndNotForOthers() throws Exception {
        try (RawClient tracker = new RawClient(proxy.writePort()); RawClient writer = new RawClient(proxy.writePort())) {
            tracker.send(RawClient.command("HELLO", "3"));
            tracker.readReply();
            tracker.send(RawClient.command("CLIENT", "TRACKING", "ON"));
            assertEquals("+OK", tracker.readReply());
            writer.send(RawClient.command("MSET", "t:read", "1", "t:unread", "1"));
            assertEquals("+OK", writer.readReply());
            tracker.send(RawClient.command("GET", "t:read"));
            assertEquals("1", tracker.readReply());
            writer.send(RawClient.command("INCR", "t:unread") + RawClient.command("INCR", "t:read"));
            assertEquals(":2", writer.readReply());
            assertEquals(":2", writer.readReply());
            assertEquals(">[invalidate, [t:read]]", tracker.readReply(), "only the key it read");
            tracker.send(RawClient.command("PING"));
            assertEquals("+PONG", tracker.readReply(), "nothing else was pushed");
            // Once invalidated, the key is forgotten until read again (as in Redis).
            writer.send(RawClient.command("INCR", "t:read"));
            writer.readReply();
            tracker.send(RawClient.command("CLIENT", "TRACKINGINFO"));
            assertEquals("{flags=~[on], redirect=:0, prefixes=[]}", tracker.readReply());
            tracker.send(RawClient.command("FLUSHALL"));
            String first = tracker.readReply();
            String second = tracker.readReply();
            assertTrue((first.equals("+OK") && second.equals(">[invalidate, (nil)]"))
                    || (first.equals(">[invalidate, (nil)]") && second.equals("+OK")), first + " / " + second);
        }
    }

    /**
     * CONFIG SET tracking-table-max-keys through the proxy bounds the proxy's table too, as it
     * bounds Redis's: past it the oldest key is dropped and its reader told to invalidate it. The
     * node's own bound is put back directly, so what is seen is the proxy's.
     */
    @Test
    void configSetTrackingTableMaxKeysBoundsTheProxysTable() throws Exception {
        try (ProxyFixture configurable = ProxyFixture.start(redis, "deny-commands = [SHUTDOWN]");
             RawClient tracker = new RawClient(configurable.writePort());
             Jedis node = ProxyFixture.direct(redis.master())) {
            tracker.send(RawClient.command("CONFIG", "SET", "tracking-table-max-keys", "1"));
            assertEquals("+OK", tracker.readReply());
            node.configSet("tracking-table-max-keys", "1000000");
            tracker.send(RawClient.command("HELLO", "3"));
            tracker.readReply();
            tracker.send(RawClient.command("CLIENT", "TRACKING", "ON"));
            assertEquals("+OK", tracker.readReply());
            tracker.send(RawClient.command("GET", "tmk:a"));
            assertEquals("(nil)", tracker.readReply());
            tracker.send(RawClient.command("GET", "tmk:b"));
            String first = tracker.readReply();
            String second = tracker.readReply();
            assertTrue((first.equals("(nil)") && second.equals(">[invalidate, [tmk:a]]"))
                    || (first.equals(">[invalidate, [tmk:a]]") && second.equals("(nil)")), first + " / " + second);
        } finally {
            try (Jedis node = ProxyFixture.direct(redis.master())) {
                node.configSet("tracking-table-max-keys", "1000000");
            }
        }
    }

    /**
     * Where Redis puts an invalidation among a RESP3 client's replies, through the proxy: one for
     * a write that ran before a command comes before that command's reply (here before PONG, the
     * write answered before PING was sent); one caused by the client's own command comes after
     * that command's reply (HDEL, and a transaction's EXEC), so a value the command read is never
     * cached after its invalidation. One that comes while a command waits (BLPOP) is sent at once.
     */
    @Test
    void invalidationsComeWhereRedisPutsThemAmongTheReplies() throws Exception {
        try (RawClient tracker = new RawClient(proxy.writePort()); RawClient writer = new RawClient(proxy.writePort())) {
            tracker.send(RawClient.command("HELLO", "3"));
            tracker.readReply();
            tracker.send(RawClient.command("CLIENT", "TRACKING", "ON"));
            assertEquals("+OK", tracker.readReply());
            for (int round = 0; round < 20; round++) {
                // (A write pipelined ahead of a read of the same key would bring an invalidation
                // Redis does not send: the proxy remembers the read before it is sent.)
                writer.send(RawClient.command("SET", "o:k", "1"));
                assertEquals("+OK", writer.readReply());
                tracker.send(RawClient.command("GET", "o:k"));
                assertEquals("1", tracker.readReply());
                writer.send(RawClient.command("INCR", "o:k"));
                assertEquals(":2", writer.readReply());
                tracker.send(RawClient.command("PING"));
                assertEquals(">[invalidate, [o:k]]", tracker.readReply(), "round " + round + ": the earlier write first");
                assertEquals("+PONG", tracker.readReply());

                writer.send(RawClient.command("HSET", "o:h", "f", "1"));
                assertEquals(":1", writer.readReply());
                tracker.send(RawClient.command("HGET", "o:h", "f"));
                assertEquals("1", tracker.readReply());
                tracker.send(RawClient.command("HDEL", "o:h", "f"));
                assertEquals(":1", tracker.readReply(), "round " + round + ": its own write's reply first");
                assertEquals(">[invalidate, [o:h]]", tracker.readReply());

                tracker.send(RawClient.command("GET", "o:k"));
                assertEquals("2", tracker.readReply());
                tracker.send(RawClient.command("MULTI") + RawClient.command("INCR", "o:k") + RawClient.command("EXEC"));
                assertEquals("+OK", tracker.readReply());
                assertEquals("+QUEUED", tracker.readReply());
                assertEquals("[:3]", tracker.readReply(), "round " + round + ": the transaction's reply first");
                assertEquals(">[invalidate, [o:k]]", tracker.readReply());
                writer.send(RawClient.command("DEL", "o:k"));
                assertEquals(":1", writer.readReply());
            }
            // A write while the client waits on another key: the invalidation comes at once, not
            // after the wait's reply.
            tracker.send(RawClient.command("GET", "o:k"));
            assertEquals("(nil)", tracker.readReply());
            tracker.send(RawClient.command("BLPOP", "o:list", "2"));
            Thread.sleep(100);
            long start = System.nanoTime();
            writer.send(RawClient.command("SET", "o:k", "x"));
            assertEquals("+OK", writer.readReply());
            assertEquals(">[invalidate, [o:k]]", tracker.readReply());
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis < 1000, "the invalidation came while BLPOP waited: " + millis + " ms");
            assertEquals("(nil)", tracker.readReply(), "then BLPOP timed out");
        }
    }

    /** A script's declared keys are tracked when it calls a read, as in Redis; not when it only writes. */
    @Test
    void aScriptIsTrackedWhenItReads() throws Exception {
        try (RawClient tracker = new RawClient(proxy.writePort()); RawClient writer = new RawClient(proxy.writePort())) {
            tracker.send(RawClient.command("HELLO", "3"));
            tracker.readReply();
            tracker.send(RawClient.command("CLIENT", "TRACKING", "ON"));
            assertEquals("+OK", tracker.readReply());
            String writes = "redis.call('set', KEYS[1], 'x')";
            tracker.send(RawClient.command("EVAL", writes, "1", "s:k"));
            tracker.readReply();
            tracker.send(RawClient.command("SCRIPT", "LOAD", writes));
            String sha = tracker.readReply();
            tracker.send(RawClient.command("EVALSHA", sha, "1", "s:k2"));
            tracker.readReply();
            writer.send(RawClient.command("MSET", "s:k", "1", "s:k2", "1"));
            assertEquals("+OK", writer.readReply());
            tracker.send(RawClient.command("PING"));
            assertEquals("+PONG", tracker.readReply(), "a script that only writes tracks nothing");
            tracker.send(RawClient.command("EVAL", "return redis.call('get', KEYS[1])", "1", "s:k"));
            assertEquals("1", tracker.readReply());
            writer.send(RawClient.command("SET", "s:k", "2"));
            assertEquals("+OK", writer.readReply());
            assertEquals(">[invalidate, [s:k]]", tracker.readReply(), "a script that reads tracks its keys");
        }
    }

    /**
     * A write of several keys a client read is reported key by key in the order the write changed
     * them, as Redis reports it (the node's broadcast would say both at once, sorted): to a RESP3
     * client among its replies, and redirected to a RESP2 subscriber. Also after the first
     * report, when the keys are read again.
     */
    @Test
    void severalKeysOfOneWriteAreReportedInTheOrderOfTheWrite() throws Exception {
        try (RawClient sub = new RawClient(proxy.writePort());
             RawClient resp3 = new RawClient(proxy.writePort());
             RawClient resp2 = new RawClient(proxy.writePort());
             RawClient writer = new RawClient(proxy.writePort())) {
            sub.send(RawClient.command("CLIENT", "ID"));
            String subId = sub.readReply().substring(1);
            sub.send(RawClient.command("SUBSCRIBE", "__redis__:invalidate"));
            assertEquals("[subscribe, __redis__:invalidate, :1]", sub.readReply());
            resp3.send(RawClient.command("HELLO", "3"));
            resp3.readReply();
            resp3.send(RawClient.command("CLIENT", "TRACKING", "ON"));
            assertEquals("+OK", resp3.readReply());
            resp2.send(RawClient.command("CLIENT", "TRACKING", "ON", "REDIRECT", subId));
            assertEquals("+OK", resp2.readReply());
            for (int round = 0; round < 2; round++) {
                for (RawClient c : new RawClient[] {resp3, resp2}) {
                    c.send(RawClient.command("MGET", "o:a", "o:b", "o:c"));
                    c.readReply();
                }
                writer.send(RawClient.command("MSET", "o:c", "1", "o:a", "1", "o:b", "1"));
                assertEquals("+OK", writer.readReply());
                for (String key : new String[] {"o:c", "o:a", "o:b"}) {
                    assertEquals(">[invalidate, [" + key + "]]", resp3.readReply(), "round " + round);
                    assertEquals("[message, __redis__:invalidate, [" + key + "]]", sub.readReply(), "round " + round);
                }
            }
            resp3.send(RawClient.command("PING"));
            assertEquals("+PONG", resp3.readReply(), "each key once");
            writer.send(RawClient.command("PUBLISH", "__redis__:invalidate", "mark"));
            writer.readReply();
            assertEquals("[message, __redis__:invalidate, mark]", sub.readReply(), "each key once");
        }
    }

    @Test
    void broadcastWithPrefixesRedirectedToAResp2Subscriber() throws Exception {
        try (RawClient sub = new RawClient(proxy.writePort());
             RawClient tracker = new RawClient(proxy.writePort());
             RawClient writer = new RawClient(proxy.writePort())) {
            sub.send(RawClient.command("CLIENT", "ID"));
            String subId = sub.readReply().substring(1);
            sub.send(RawClient.command("SUBSCRIBE", "__redis__:invalidate"));
            assertEquals("[subscribe, __redis__:invalidate, :1]", sub.readReply());
            tracker.send(RawClient.command("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "a", "PREFIX", "ab",
                    "REDIRECT", subId));
            assertEquals("-ERR Prefix 'a' overlaps with another provided prefix 'ab'. Prefixes for a single client "
                    + "must not overlap.", tracker.readReply());
            tracker.send(RawClient.command("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "a:", "PREFIX", "b:",
                    "REDIRECT", subId));
            assertEquals("+OK", tracker.readReply());
            tracker.send(RawClient.command("CLIENT", "GETREDIR"));
            assertEquals(":" + subId, tracker.readReply());
            writer.send(RawClient.command("MSET", "a:1", "x", "c:1", "y"));
            assertEquals("+OK", writer.readReply());
            assertEquals("[message, __redis__:invalidate, [a:1]]", sub.readReply(), "a RESP2 subscriber gets messages");
            writer.send(RawClient.command("SET", "b:2", "z"));
            writer.readReply();
            assertEquals("[message, __redis__:invalidate, [b:2]]", sub.readReply(), "c:1 matched no prefix");
            tracker.send(RawClient.command("CLIENT", "TRACKING", "ON", "PREFIX", "c:"));
            assertEquals("-ERR PREFIX option requires BCAST mode to be enabled", tracker.readReply());
            tracker.send(RawClient.command("CLIENT", "TRACKING", "ON"));
            assertEquals("-ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then "
                    + "re-enabling it with a different mode.", tracker.readReply());
            tracker.send(RawClient.command("CLIENT", "TRACKING", "OFF"));
            assertEquals("+OK", tracker.readReply());
            writer.send(RawClient.command("SET", "a:3", "z") + RawClient.command("PUBLISH", "__redis__:invalidate", "mark"));
            writer.readReply();
            writer.readReply();
            assertEquals("[message, __redis__:invalidate, mark]", sub.readReply(), "nothing after TRACKING OFF");
        }
    }

    @Test
    void optInTracksOnlyWhatFollowsClientCachingYes() throws Exception {
        try (RawClient tracker = new RawClient(proxy.writePort()); RawClient writer = new RawClient(proxy.writePort())) {
            tracker.send(RawClient.command("HELLO", "3"));
            tracker.readReply();
            tracker.send(RawClient.command("CLIENT", "CACHING", "YES"));
            assertEquals("-ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or "
                    + "OPTOUT mode enabled", tracker.readReply());
            tracker.send(RawClient.command("CLIENT", "TRACKING", "ON", "OPTIN"));
            assertEquals("+OK", tracker.readReply());
            tracker.send(RawClient.command("GET", "o:skipped") + RawClient.command("CLIENT", "CACHING", "YES")
                    + RawClient.command("GET", "o:cached"));
            assertEquals("(nil)", tracker.readReply());
            assertEquals("+OK", tracker.readReply());
            assertEquals("(nil)", tracker.readReply());
            writer.send(RawClient.command("SET", "o:skipped", "1") + RawClient.command("SET", "o:cached", "1"));
            writer.readReply();
            writer.readReply();
            assertEquals(">[invalidate, [o:cached]]", tracker.readReply());
            tracker.send(RawClient.command("CLIENT", "LIST", "ID", idOf(tracker)));
            String line = tracker.readReply();
            assertTrue(line.contains(" flags=t ") && line.contains(" redir=0 "), line);
        }
    }

    private static String idOf(RawClient c) throws Exception {
        c.send(RawClient.command("CLIENT", "ID"));
        return c.readReply().substring(1);
    }

    /** Lettuce's own client-side cache in front of the proxy: cached reads, and never stale after an invalidation. */
    @Test
    void lettuceClientSideCacheSeesEveryChange() throws Exception {
        RedisClient client = RedisClient.create(resources, RedisURI.create("127.0.0.1", proxy.writePort()));
        try (StatefulRedisConnection<String, String> cached = client.connect();
             StatefulRedisConnection<String, String> other = client.connect()) {
            Map<String, String> store = new ConcurrentHashMap<>();
            CacheFrontend<String, String> frontend = ClientSideCaching.enable(CacheAccessor.forMap(store), cached,
                    TrackingArgs.Builder.enabled());
            other.sync().set("l:csc", "v0");
            assertEquals("v0", frontend.get("l:csc"));
            assertEquals("v0", store.get("l:csc"), "the value is cached");
            for (int i = 1; i <= 20; i++) {
                String v = "v" + i;
                other.sync().set("l:csc", v);
                long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (store.containsKey("l:csc") && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
                assertTrue(!store.containsKey("l:csc"), "invalidated after change " + i);
                assertEquals(v, frontend.get("l:csc"), "read again after the invalidation: the new value");
            }
            frontend.close();
        } finally {
            client.shutdown();
        }
    }

    /**
     * A Sentinel failover: every tracking client is told to flush (what the old master
     * acknowledged may be gone, and the proxy's listener there with it), and invalidations come
     * from the new master afterwards.
     */
    @Test
    void aSentinelFailoverFlushesTrackingClientsAndTrackingGoesOnAtTheNewMaster() throws Exception {
        try (io.respproxy.testkit.SentinelDeployment s = SentinelFailoverIT.sentinel();
             ProxyFixture sp = ProxyFixture.sentinel(s, "");
             RawClient tracker = new RawClient(sp.writePort());
             RawClient writer = new RawClient(sp.writePort())) {
            tracker.send(RawClient.command("HELLO", "3"));
            tracker.readReply();
            tracker.send(RawClient.command("CLIENT", "TRACKING", "ON"));
            assertEquals("+OK", tracker.readReply());
            writer.send(RawClient.command("SET", "f:k", "v1"));
            assertEquals("+OK", writer.readReply());
            tracker.send(RawClient.command("GET", "f:k"));
            assertEquals("v1", tracker.readReply());
            io.respproxy.testkit.RedisNode promoted = s.failover(Duration.ofSeconds(30));
            SentinelFailoverIT.awaitProxyMaster(sp, promoted);
            tracker.socket().setSoTimeout(15_000);
            assertEquals(">[invalidate, (nil)]", tracker.readReply(), "told to flush at the master change");
            tracker.socket().setSoTimeout(5000);
            // Sentinel closes client connections on the nodes it reconfigures, the proxy's listeners
            // among them: each loss and each return flushes again. Let that settle.
            Thread.sleep(3000);
            tracker.socket().setSoTimeout(300);
            try {
                while (true) {
                    assertEquals(">[invalidate, (nil)]", tracker.readReply(), "only flushes while it settles");
                }
            } catch (java.net.SocketTimeoutException settled) {
                tracker.socket().setSoTimeout(5000);
            }
            // Now tracked again, at the new master.
            tracker.send(RawClient.command("GET", "f:k"));
            assertEquals("v1", tracker.readReply());
            writer.send(RawClient.command("SET", "f:k", "v2"));
            assertEquals("+OK", writer.readReply());
            assertEquals(">[invalidate, [f:k]]", tracker.readReply(), "the new master's change reaches the client");
        }
    }
}
