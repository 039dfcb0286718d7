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
