package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.respproxy.testkit.ReplicatedRedis;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;

/**
 * SUBSCRIBE/PSUBSCRIBE in RESP2 and RESP3, PING and other commands while subscribed, HELLO 3. A
 * subscriber whose connection to Redis dies: {@link ResubscribeIT}.
 */
class PubSubIT {

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

    /** PUBLISH until someone receives it (subscriptions on replicas see it once it is replicated). */
    private static void publishUntilReceived(Jedis publisher, String channel, String message, int expectedReceivers) {
        ProxyFixture.await(Duration.ofSeconds(5), expectedReceivers + " subscriber(s) on " + channel,
                () -> publisher.pubsubNumSub(channel).getOrDefault(channel, 0L) >= 0 && countSubscribers(channel) >= expectedReceivers);
        publisher.publish(channel, message);
    }

    /** Subscribers of {@code channel} over every node (the proxy may subscribe on a replica). */
    private static long countSubscribers(String channel) {
        long n = 0;
        try (Jedis m = ProxyFixture.direct(redis.master())) {
            n += m.pubsubNumSub(channel).getOrDefault(channel, 0L);
        }
        for (var r : redis.replicas()) {
            try (Jedis d = ProxyFixture.direct(r)) {
                n += d.pubsubNumSub(channel).getOrDefault(channel, 0L);
            }
        }
        return n;
    }

    @Test
    void jedisResp2SubscribeReceivesPublishedMessagesOnEveryListener() throws Exception {
        for (int port : new int[] {proxy.writePort(), proxy.readPort(), proxy.autoPort()}) {
            String channel = "ps:j:" + port;
            BlockingQueue<String> got = new LinkedBlockingQueue<>();
            JedisPubSub listener = new JedisPubSub() {
                @Override
                public void onMessage(String ch, String message) {
                    got.add(ch + "=" + message);
                    if (message.equals("bye")) {
                        unsubscribe();
                    }
                }

                @Override
                public void onPMessage(String pattern, String ch, String message) {
                    got.add(pattern + ":" + ch + "=" + message);
                }
            };
            try (Jedis sub = proxy.jedis(port); Jedis pub = proxy.jedis(proxy.writePort())) {
                CompletableFuture<Void> done = CompletableFuture.runAsync(() -> sub.subscribe(listener, channel));
                publishUntilReceived(pub, channel, "hello", 1);
                assertEquals(channel + "=hello", got.poll(5, TimeUnit.SECONDS));
                listener.psubscribe("ps:pat:*");
                ProxyFixture.await(Duration.ofSeconds(5), "psubscribe to take effect", () -> listener.getSubscribedChannels() == 2);
                pub.publish("ps:pat:x", "via-pattern");
                assertEquals("ps:pat:*:ps:pat:x=via-pattern", got.poll(5, TimeUnit.SECONDS));
                listener.punsubscribe();
                pub.publish(channel, "bye");
                assertEquals(channel + "=bye", got.poll(5, TimeUnit.SECONDS));
                done.get(5, TimeUnit.SECONDS);
                // Back to normal mode after the last unsubscribe.
                assertEquals("OK", sub.set("ps:after:" + port, "x"));
                assertEquals("x", sub.get("ps:after:" + port));
            }
        }
    }

    @Test
    void resp2SubscribedModeOnTheWire() throws Exception {
        try (RawClient c = new RawClient(proxy.writePort()); Jedis pub = proxy.jedis(proxy.writePort())) {
            c.send(RawClient.command("SUBSCRIBE", "ps:raw", "ps:raw2"));
            assertEquals("[subscribe, ps:raw, :1]", c.readReply());
            assertEquals("[subscribe, ps:raw2, :2]", c.readReply());
            c.send(RawClient.command("PING"));
            assertEquals("[pong, ]", c.readReply());
            c.send(RawClient.command("PING", "hi"));
            assertEquals("[pong, hi]", c.readReply());
            c.send(RawClient.command("GET", "k"));
            assertEquals("-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed"
                    + " in this context", c.readReply());
            assertEquals(1L, pub.publish("ps:raw", "m1"));
            assertEquals("[message, ps:raw, m1]", c.readReply());
            c.send(RawClient.command("UNSUBSCRIBE", "ps:raw"));
            assertEquals("[unsubscribe, ps:raw, :1]", c.readReply());
            c.send(RawClient.command("UNSUBSCRIBE"));
            assertEquals("[unsubscribe, ps:raw2, :0]", c.readReply());
            c.send(RawClient.command("PING"));
            assertEquals("+PONG", c.readReply(), "PING after the last unsubscribe is a normal PING");
            c.send(RawClient.command("GET", "ps:nothing"));
            assertEquals("(nil)", c.readReply());
            assertEquals(0L, pub.publish("ps:raw", "nobody"));
        }
    }

    /**
     * Commands pipelined behind a RESP2 client's (UN)SUBSCRIBE are answered after it, in the mode
     * it leaves, as Redis runs them: behind the last UNSUBSCRIBE they run; behind a SUBSCRIBE, or
     * an UNSUBSCRIBE that leaves a pattern, they are refused, after its reply.
     */
    @Test
    void commandsPipelinedBehindAnUnsubscribeRunInTheModeItLeaves() throws Exception {
        String refused = "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are "
                + "allowed in this context";
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("SUBSCRIBE", "ps:u") + RawClient.command("GET", "ps:u:k"));
            assertEquals("[subscribe, ps:u, :1]", c.readReply());
            assertEquals(refused, c.readReply(), "refused after the SUBSCRIBE's reply");
            c.send(RawClient.command("PSUBSCRIBE", "ps:p*") + RawClient.command("UNSUBSCRIBE", "ps:u")
                    + RawClient.command("GET", "ps:u:k"));
            assertEquals("[psubscribe, ps:p*, :2]", c.readReply());
            assertEquals("[unsubscribe, ps:u, :1]", c.readReply());
            assertEquals(refused, c.readReply(), "a pattern is left: still subscribed");
            c.send(RawClient.command("PUNSUBSCRIBE") + RawClient.command("SET", "ps:u:k", "v")
                    + RawClient.command("GET", "ps:u:k"));
            assertEquals("[punsubscribe, ps:p*, :0]", c.readReply());
            assertEquals("+OK", c.readReply(), "the last unsubscribe ended subscribed mode");
            assertEquals("v", c.readReply());
        }
    }

    @Test
    void resp3SubscriptionGetsPushesAndRunsCommands() throws Exception {
        try (RawClient c = new RawClient(proxy.writePort()); Jedis pub = proxy.jedis(proxy.writePort())) {
            c.send(RawClient.command("HELLO", "3"));
            String hello = c.readReply();
            assertTrue(hello.contains("proto=:3"), hello);
            c.send(RawClient.command("SUBSCRIBE", "ps:r3"));
            assertEquals(">[subscribe, ps:r3, :1]", c.readReply());
            c.send(RawClient.command("SET", "ps:r3:k", "v") + RawClient.command("GET", "ps:r3:k"));
            assertEquals("+OK", c.readReply());
            assertEquals("v", c.readReply());
            c.send(RawClient.command("PING"));
            assertEquals("+PONG", c.readReply());
            assertEquals(1L, pub.publish("ps:r3", "pushed"));
            assertEquals(">[message, ps:r3, pushed]", c.readReply());
            c.send(RawClient.command("UNSUBSCRIBE", "ps:r3"));
            assertEquals(">[unsubscribe, ps:r3, :0]", c.readReply());
            c.send(RawClient.command("GET", "ps:r3:k"));
            assertEquals("v", c.readReply());
        }
    }

    @Test
    void lettuceResp3AndResp2PubSubConnections() throws Exception {
        for (boolean resp3 : new boolean[] {true, false}) {
            RedisClient client = ProxyFixture.lettuce(resources, proxy.readPort(), resp3);
            try (StatefulRedisPubSubConnection<String, String> sub = client.connectPubSub();
                 StatefulRedisConnection<String, String> pub = client.connect()) {
                BlockingQueue<String> got = new LinkedBlockingQueue<>();
                sub.addListener(new RedisPubSubAdapter<>() {
                    @Override
                    public void message(String channel, String message) {
                        got.add(channel + "=" + message);
                    }

                    @Override
                    public void message(String pattern, String channel, String message) {
                        got.add(pattern + ":" + channel + "=" + message);
                    }
                });
                String channel = "ps:lettuce:" + resp3;
                sub.sync().subscribe(channel);
                sub.sync().psubscribe("ps:lp" + resp3 + ":*");
                try (Jedis pubJedis = proxy.jedis(proxy.writePort())) {
                    publishUntilReceived(pubJedis, channel, "one", 1);
                }
                assertEquals(channel + "=one", got.poll(5, TimeUnit.SECONDS));
                pub.sync().publish("ps:lp" + resp3 + ":a", "two");
                assertEquals("ps:lp" + resp3 + ":*:ps:lp" + resp3 + ":a=two", got.poll(5, TimeUnit.SECONDS));
                assertEquals(directSubscribedPing(resp3), sub.sync().ping(), "PING while subscribed, resp3=" + resp3);
                sub.sync().unsubscribe(channel);
                sub.sync().punsubscribe();
                ProxyFixture.await(Duration.ofSeconds(5), "unsubscribe to reach the server", () -> countSubscribers(channel) == 0);
                assertEquals(0L, pub.sync().publish(channel, "nobody"));
                if (resp3) {
                    assertEquals(List.of(), List.copyOf(got));
                }
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        }
    }

    /** What Lettuce's PING returns while subscribed straight to Redis: what the proxy must match. */
    private static String directSubscribedPing(boolean resp3) {
        RedisClient direct = RedisClient.create(resources, redis.master().redisUri());
        direct.setOptions(io.lettuce.core.ClientOptions.builder()
                .protocolVersion(resp3 ? io.lettuce.core.protocol.ProtocolVersion.RESP3 : io.lettuce.core.protocol.ProtocolVersion.RESP2)
                .build());
        try (StatefulRedisPubSubConnection<String, String> c = direct.connectPubSub()) {
            c.sync().subscribe("ps:direct");
            return c.sync().ping();
        } finally {
            direct.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @Test
    void lettuceDefaultResp3HelloReportsProto3AndCommandsWork() {
        RedisClient client = ProxyFixture.lettuce(resources, proxy.writePort(), true);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            assertEquals(io.lettuce.core.protocol.ProtocolVersion.RESP3,
                    ((io.lettuce.core.StatefulRedisConnectionImpl<String, String>) c).getConnectionState().getNegotiatedProtocolVersion());
            assertEquals("OK", c.sync().set("ps:hello3", "v"));
            assertEquals("v", c.sync().get("ps:hello3"));
            c.sync().hset("ps:h3", Map.of("a", "1", "b", "2"));
            assertEquals(Map.of("a", "1", "b", "2"), c.sync().hgetall("ps:h3"));
            assertEquals(1L, c.sync().exists("ps:hello3"));
            c.sync().zadd("ps:z3", 1.5, "m");
            assertEquals(1.5, c.sync().zscore("ps:z3", "m"));
            assertEquals(null, c.sync().get("ps:none"));
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @Test
    void helloReplyOnTheWire() throws Exception {
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("HELLO", "3"));
            String reply = c.readReply();
            assertTrue(reply.startsWith("{server=redis, version=7.0"), reply);
            assertTrue(reply.contains("proto=:3") && reply.contains("mode=standalone") && reply.contains("role=master"), reply);
            c.send(RawClient.command("GET", "ps:none"));
            assertEquals("(nil)", c.readReply(), "RESP3 null is _");
            c.send(RawClient.command("HELLO", "2"));
            assertTrue(c.readReply().startsWith("[server, redis, version, 7.0"));
            c.send(RawClient.command("HELLO", "4"));
            assertEquals("-NOPROTO unsupported protocol version", c.readReply());
        }
    }

    /** PING pipelined behind the last UNSUBSCRIBE gets its reply before the connection is given up. */
    @Test
    void pingPipelinedBehindTheLastUnsubscribeIsAnswered() throws Exception {
        for (int protocol : new int[] {2, 3}) {
            try (RawClient c = new RawClient(proxy.writePort())) {
                String push = protocol == 3 ? ">" : "";
                if (protocol == 3) {
                    c.send(RawClient.command("HELLO", "3"));
                    assertTrue(c.readReply().contains("proto=:3"));
                }
                c.send(RawClient.command("SUBSCRIBE", "pp:a"));
                assertEquals(push + "[subscribe, pp:a, :1]", c.readReply());
                c.send(RawClient.command("UNSUBSCRIBE", "pp:a") + RawClient.command("PING"));
                assertEquals(push + "[unsubscribe, pp:a, :0]", c.readReply());
                assertEquals("+PONG", c.readReply(), "RESP" + protocol);
                c.send(RawClient.command("GET", "pp:k"));
                assertEquals("(nil)", c.readReply(), "out of subscribed mode");
            }
        }
    }

    /** UNSUBSCRIBE naming more channels than are subscribed: every confirmation reaches the client. */
    @Test
    void everyUnsubscribeConfirmationArrives() throws Exception {
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("SUBSCRIBE", "u:a"));
            assertEquals("[subscribe, u:a, :1]", c.readReply());
            c.send(RawClient.command("UNSUBSCRIBE", "u:a", "u:b"));
            assertEquals("[unsubscribe, u:a, :0]", c.readReply());
            assertEquals("[unsubscribe, u:b, :0]", c.readReply());
            c.send(RawClient.command("SET", "u:k", "1"));
            assertEquals("+OK", c.readReply(), "out of subscribed mode");
        }
    }
}
