package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.respproxy.routing.NodeAddress;
import io.respproxy.testkit.RedisNode;
import io.respproxy.testkit.ReplicatedRedis;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.args.ClientType;
import redis.clients.jedis.params.ClientKillParams;

/**
 * A subscriber's dedicated connection dies (CLIENT KILL, a replica killed, a master switch, no
 * master for a while): the client's connection stays open, the proxy subscribes again where the
 * router now sends the client's SUBSCRIBE, the client does not see the confirmations a second time,
 * and what it sent meanwhile is answered in order. Messages published in the gap are lost.
 */
class ResubscribeIT {

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

    static long numsub(RedisNode node, String channel) {
        try (Jedis d = ProxyFixture.direct(node)) {
            return d.pubsubNumSub(channel).getOrDefault(channel, 0L);
        }
    }

    static long numpat(RedisNode node) {
        try (Jedis d = ProxyFixture.direct(node)) {
            return d.pubsubNumPat();
        }
    }

    static long killPubSubClients(RedisNode node) {
        try (Jedis d = ProxyFixture.direct(node)) {
            return d.clientKill(new ClientKillParams().type(ClientType.PUBSUB));
        }
    }

    static long publish(RedisNode node, String channel, String message) {
        try (Jedis d = ProxyFixture.direct(node)) {
            return d.publish(channel, message);
        }
    }

    static void awaitSubscribed(RedisNode node, String... channels) {
        for (String ch : channels) {
            ProxyFixture.await(Duration.ofSeconds(15), "a subscriber of " + ch + " on " + node, () -> numsub(node, ch) == 1);
        }
    }

    @Test
    void resp2SubscriberKeepsItsChannelsAndPatternsAfterClientKill() throws Exception {
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("SUBSCRIBE", "rs:a", "rs:b"));
            assertEquals("[subscribe, rs:a, :1]", c.readReply());
            assertEquals("[subscribe, rs:b, :2]", c.readReply());
            c.send(RawClient.command("PSUBSCRIBE", "rs:p:*"));
            assertEquals("[psubscribe, rs:p:*, :3]", c.readReply());

            assertEquals(1, killPubSubClients(redis.master()));
            awaitSubscribed(redis.master(), "rs:a", "rs:b");
            ProxyFixture.await(Duration.ofSeconds(5), "the pattern subscribed again", () -> numpat(redis.master()) == 1);

            assertEquals(1, publish(redis.master(), "rs:b", "m1"));
            assertEquals("[message, rs:b, m1]", c.readReply(), "the confirmations of the re-subscription are not seen");
            assertEquals(1, publish(redis.master(), "rs:p:x", "m2"));
            assertEquals("[pmessage, rs:p:*, rs:p:x, m2]", c.readReply());
            c.send(RawClient.command("PING"));
            assertEquals("[pong, ]", c.readReply());
            c.send(RawClient.command("UNSUBSCRIBE", "rs:a"));
            assertEquals("[unsubscribe, rs:a, :2]", c.readReply(), "counts as Redis keeps them");
            c.send(RawClient.command("PUNSUBSCRIBE"));
            assertEquals("[punsubscribe, rs:p:*, :1]", c.readReply());
            c.send(RawClient.command("UNSUBSCRIBE"));
            assertEquals("[unsubscribe, rs:b, :0]", c.readReply());
            c.send(RawClient.command("GET", "rs:nothing"));
            assertEquals("(nil)", c.readReply(), "out of subscribed mode");
        }
    }

    @Test
    void resp3SubscriberKeepsItsSubscriptionsAndRunsCommandsMeanwhile() throws Exception {
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("HELLO", "3"));
            assertTrue(c.readReply().contains("proto=:3"));
            c.send(RawClient.command("SUBSCRIBE", "rs3:a"));
            assertEquals(">[subscribe, rs3:a, :1]", c.readReply());
            c.send(RawClient.command("SSUBSCRIBE", "rs3:s"));
            assertEquals(">[ssubscribe, rs3:s, :1]", c.readReply());

            assertEquals(1, killPubSubClients(redis.master()));
            c.send(RawClient.command("SET", "rs3:k", "v") + RawClient.command("GET", "rs3:k"));
            assertEquals("+OK", c.readReply());
            assertEquals("v", c.readReply());
            awaitSubscribed(redis.master(), "rs3:a");

            assertEquals(1, publish(redis.master(), "rs3:a", "pushed"));
            assertEquals(">[message, rs3:a, pushed]", c.readReply());
            try (Jedis d = ProxyFixture.direct(redis.master())) {
                redis.clients.jedis.commands.ProtocolCommand spublish = () -> "SPUBLISH".getBytes();
                ProxyFixture.await(Duration.ofSeconds(5), "the shard channel subscribed again",
                        () -> d.pubsubShardNumSub("rs3:s").getOrDefault("rs3:s", 0L) == 1);
                assertEquals(1L, d.sendCommand(spublish, "rs3:s", "sharded"));
            }
            assertEquals(">[smessage, rs3:s, sharded]", c.readReply());
            c.send(RawClient.command("PING"));
            assertEquals("+PONG", c.readReply());
            c.send(RawClient.command("UNSUBSCRIBE"));
            assertEquals(">[unsubscribe, rs3:a, :0]", c.readReply());
            c.send(RawClient.command("SUNSUBSCRIBE"));
            assertEquals(">[sunsubscribe, rs3:s, :0]", c.readReply());
            c.send(RawClient.command("GET", "rs3:k"));
            assertEquals("v", c.readReply());
        }
    }

    /** Lettuce, RESP3 and RESP2, without auto-reconnect: the connection stays open and messages keep coming. */
    @Test
    void lettuceSubscribersAreNotDisconnected() throws Exception {
        for (boolean resp3 : new boolean[] {true, false}) {
            RedisClient client = ProxyFixture.lettuce(resources, proxy.writePort(), resp3);
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

                    @Override
                    public void subscribed(String channel, long count) {
                        got.add("subscribed " + channel);
                    }

                    @Override
                    public void psubscribed(String pattern, long count) {
                        got.add("psubscribed " + pattern);
                    }
                });
                String channel = "rsl:" + resp3;
                String pattern = "rsl:p" + resp3 + ":*";
                sub.sync().subscribe(channel);
                sub.sync().psubscribe(pattern);
                assertEquals("subscribed " + channel, got.poll(5, TimeUnit.SECONDS));
                assertEquals("psubscribed " + pattern, got.poll(5, TimeUnit.SECONDS));

                assertEquals(1, killPubSubClients(redis.master()));
                awaitSubscribed(redis.master(), channel);
                ProxyFixture.await(Duration.ofSeconds(5), "the pattern subscribed again", () -> numpat(redis.master()) == 1);

                assertEquals(1L, pub.sync().publish(channel, "after"));
                assertEquals(channel + "=after", got.poll(5, TimeUnit.SECONDS), "no second confirmation reaches Lettuce");
                assertEquals(1L, pub.sync().publish("rsl:p" + resp3 + ":x", "p"));
                assertEquals(pattern + ":rsl:p" + resp3 + ":x=p", got.poll(5, TimeUnit.SECONDS));
                assertTrue(sub.isOpen(), "the subscriber's connection was never closed");
                sub.sync().unsubscribe(channel);
                sub.sync().punsubscribe(pattern);
                ProxyFixture.await(Duration.ofSeconds(5), "unsubscribed", () -> numsub(redis.master(), channel) == 0);
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        }
    }

    /**
     * A replica holding the subscription is stopped with a SUBSCRIBE and a PING in flight, then
     * killed: the subscription moves to the other replica, and the two commands are answered there,
     * in order, once.
     */
    @Test
    void commandsInFlightOnAKilledReplicaAreAnsweredOnTheNextOne() throws Exception {
        try (ReplicatedRedis r = ProxyEnvironment.redis(2); ProxyFixture p = ProxyFixture.start(r);
             RawClient c = new RawClient(p.readPort())) {
            c.socket().setSoTimeout(20_000);
            c.send(RawClient.command("SUBSCRIBE", "rsr:a"));
            assertEquals("[subscribe, rsr:a, :1]", c.readReply());
            RedisNode holder = numsub(r.replicas().get(0), "rsr:a") == 1 ? r.replicas().get(0) : r.replicas().get(1);
            RedisNode other = holder == r.replicas().get(0) ? r.replicas().get(1) : r.replicas().get(0);
            assertEquals(1, numsub(holder, "rsr:a"), "subscribed on a replica through the read port");

            holder.pause();
            c.send(RawClient.command("SUBSCRIBE", "rsr:b") + RawClient.command("PING", "p1"));
            Thread.sleep(200); // written to the stopped replica's socket, unanswered
            holder.kill();

            assertEquals("[subscribe, rsr:b, :2]", c.readReply());
            assertEquals("[pong, p1]", c.readReply());
            awaitSubscribed(other, "rsr:a", "rsr:b");
            assertEquals(0, publish(r.master(), "rsr:b", "via-replication"), "nobody subscribes on the master");
            assertEquals("[message, rsr:b, via-replication]", c.readReply());
            c.send(RawClient.command("UNSUBSCRIBE", "rsr:a", "rsr:b"));
            assertEquals("[unsubscribe, rsr:a, :1]", c.readReply());
            assertEquals("[unsubscribe, rsr:b, :0]", c.readReply());
        }
    }

    /**
     * Static mode, the master switched by hand: once the proxy writes to the new master it closes
     * its dedicated connections to the old one, and the subscription is taken up on the new one.
     */
    @Test
    void afterAMasterSwitchTheSubscriptionMovesToTheNewMaster() throws Exception {
        try (ReplicatedRedis r = ProxyEnvironment.redis(1); ProxyFixture p = ProxyFixture.start(r);
             RawClient c = new RawClient(p.writePort())) {
            RedisNode old = r.master();
            RedisNode promoted = r.replicas().get(0);
            c.send(RawClient.command("SUBSCRIBE", "rsm:a") + RawClient.command("PSUBSCRIBE", "rsm:p*"));
            assertEquals("[subscribe, rsm:a, :1]", c.readReply());
            assertEquals("[psubscribe, rsm:p*, :2]", c.readReply());
            try (Jedis b = ProxyFixture.direct(promoted); Jedis a = ProxyFixture.direct(old)) {
                b.replicaofNoOne();
                a.replicaof("127.0.0.1", promoted.port());
            }
            awaitProxyMaster(p, promoted);
            awaitSubscribed(promoted, "rsm:a");
            ProxyFixture.await(Duration.ofSeconds(5), "the pattern on the new master", () -> numpat(promoted) == 1);
            assertEquals(0, numsub(old, "rsm:a"));
            assertEquals(1, publish(promoted, "rsm:a", "new-master"));
            assertEquals("[message, rsm:a, new-master]", c.readReply());
            assertEquals(1, publish(promoted, "rsm:px", "pattern"));
            assertEquals("[pmessage, rsm:p*, rsm:px, pattern]", c.readReply());
        }
    }

    /**
     * The master is killed and there is no other for a while: the subscription waits, like a held
     * command, and is taken up on the replica promoted later; a PING sent meanwhile is answered
     * then (RESP3, where PING has a plain reply in order with other commands).
     */
    @Test
    void withNoMasterTheSubscriptionWaitsForTheNextOne() throws Exception {
        try (ReplicatedRedis r = ProxyEnvironment.redis(1);
             ProxyFixture p = ProxyFixture.start(r, "failover.hold-timeout = 30s");
             RawClient c = new RawClient(p.writePort())) {
            c.socket().setSoTimeout(30_000);
            c.send(RawClient.command("HELLO", "3"));
            assertTrue(c.readReply().contains("proto=:3"));
            c.send(RawClient.command("SUBSCRIBE", "rsh:a"));
            assertEquals(">[subscribe, rsh:a, :1]", c.readReply());
            RedisNode promoted = r.replicas().get(0);
            r.master().kill();
            ProxyFixture.await(Duration.ofSeconds(10), "the proxy to see no master",
                    () -> !p.service().topology().primaryShard().hasMaster());
            c.send(RawClient.command("PING", "waiting"));
            Thread.sleep(300);
            try (Jedis b = ProxyFixture.direct(promoted)) {
                b.replicaofNoOne();
            }
            awaitProxyMaster(p, promoted);
            assertEquals("waiting", c.readReply(), "the PING sent in the gap, answered on the new master");
            awaitSubscribed(promoted, "rsh:a");
            assertEquals(1, publish(promoted, "rsh:a", "promoted"));
            assertEquals(">[message, rsh:a, promoted]", c.readReply());
        }
    }

    /** Nowhere to subscribe for longer than failover.hold-timeout: the client is closed, so its library resubscribes. */
    @Test
    void aSubscriptionWithNowhereToGoClosesTheClientAfterTheHoldTimeout() throws Exception {
        try (ReplicatedRedis r = ProxyEnvironment.redis(1);
             ProxyFixture p = ProxyFixture.start(r, "failover.hold-timeout = 1s");
             RawClient c = new RawClient(p.writePort())) {
            c.send(RawClient.command("SUBSCRIBE", "rst:a"));
            assertEquals("[subscribe, rst:a, :1]", c.readReply());
            long start = System.nanoTime();
            r.master().kill();
            assertTrue(c.closedWithin(15_000), "closed once the hold timed out");
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms >= 900, "closed after " + ms + " ms, before the hold timeout");
            assertFalse(p.service().topology().primaryShard().hasMaster());
        }
    }

    private static void awaitProxyMaster(ProxyFixture p, RedisNode expected) {
        NodeAddress want = new NodeAddress("127.0.0.1", expected.port());
        ProxyFixture.await(Duration.ofSeconds(30), "the proxy to write to " + expected,
                () -> want.equals(p.service().topology().primaryShard().master()));
    }
}
