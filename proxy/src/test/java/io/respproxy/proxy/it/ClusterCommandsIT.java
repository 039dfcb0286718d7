package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.testkit.RedisCluster;
import io.respproxy.testkit.RedisNode;
import io.respproxy.testkit.RedisTopologies;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Commands that are not about one key, through the proxy in cluster mode: scripts and functions
 * (loaded on every master, run by their keys), SCRIPT KILL wherever the script runs, pub/sub
 * (classic and sharded), and redis-benchmark as a plain client.
 */
class ClusterCommandsIT {

    private static RedisCluster cluster;
    private static ProxyFixture proxy;

    @BeforeAll
    static void start() throws Exception {
        cluster = RedisTopologies.cluster().password(ProxyFixture.BACKEND_PASSWORD).start();
        proxy = ProxyFixture.cluster(cluster, "");
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void scriptsLoadOnEveryMasterAndRunByTheirKeys() {
        try (Jedis c = proxy.jedis(proxy.writePort())) {
            String sha = c.scriptLoad("return redis.call('SET', KEYS[1], ARGV[1])");
            for (RedisNode m : cluster.masters()) {
                try (Jedis d = ProxyFixture.direct(m)) {
                    assertEquals(true, d.scriptExists(sha), "loaded on " + m);
                }
            }
            assertEquals(List.of(true, false), c.scriptExists(sha, "0000000000000000000000000000000000000000"));
            for (int i = 0; i < 30; i++) {
                assertEquals("OK", c.evalsha(sha, List.of("sk:" + i), List.of("v" + i)));
            }
            for (int i = 0; i < 30; i++) {
                assertEquals("v" + i, c.get("sk:" + i));
            }
            assertEquals(7L, c.eval("return 7")); // keyless: any master
            JedisDataException cross = assertThrows(JedisDataException.class,
                    () -> c.eval("return 1", 2, "a", "b"));
            assertEquals("CROSSSLOT Keys in request don't hash to the same slot", cross.getMessage());
            assertEquals("OK", c.scriptFlush());
            assertEquals(false, c.scriptExists(sha));
        }
    }

    @Test
    void functionsLoadOnEveryMaster() {
        try (Jedis c = proxy.jedis(proxy.writePort())) {
            String lib = "#!lua name=cmdsit\nredis.register_function('cmdsit_get', function(keys, args) "
                    + "return redis.call('GET', keys[1]) end)";
            assertEquals("cmdsit", c.functionLoadReplace(lib));
            for (int i = 0; i < 20; i++) {
                c.set("fk:" + i, "f" + i);
                assertEquals("f" + i, c.fcall("cmdsit_get", List.of("fk:" + i), List.of()));
            }
            assertEquals("OK", c.functionDelete("cmdsit"));
        }
    }

    @Test
    void scriptKillReachesTheMasterRunningTheScript() throws Exception {
        try (Jedis busy = proxy.jedis(proxy.writePort()); Jedis killer = proxy.jedis(proxy.writePort())) {
            Thread t = new Thread(() -> {
                try {
                    busy.eval("local i = 0 while true do i = i + 1 end", 1, "busy:key");
                } catch (RuntimeException expected) {
                    // killed
                }
            });
            t.start();
            ProxyFixture.await(Duration.ofSeconds(10), "the script to be running", () -> {
                try (Jedis probe = proxy.jedis(proxy.writePort())) {
                    probe.scriptKill();
                    return true;
                } catch (JedisDataException e) {
                    return false; // NOTBUSY: not started yet
                }
            });
            t.join(10_000);
            assertTrue(!t.isAlive(), "the script was killed and its client answered");
            JedisDataException none = assertThrows(JedisDataException.class, killer::scriptKill);
            assertTrue(none.getMessage().startsWith("NOTBUSY"), none.getMessage());
        }
    }

    @Test
    void pubSubClassicAndSharded() throws Exception {
        BlockingQueue<String> got = new ArrayBlockingQueue<>(16);
        JedisPubSub listener = new JedisPubSub() {
            @Override
            public void onMessage(String channel, String message) {
                got.add(channel + "=" + message);
            }
        };
        Jedis sub = proxy.jedis(proxy.readPort());
        Thread t = new Thread(() -> sub.subscribe(listener, "news", "sports"));
        t.start();
        try (Jedis pub = proxy.jedis(proxy.writePort())) {
            // PUBLISH goes to any master and the cluster bus carries it to every node; its count is
            // of the subscribers on the node it ran on, so the test waits for the message itself.
            ProxyFixture.await(Duration.ofSeconds(10), "the subscription", () -> {
                pub.publish("news", "warmup");
                try {
                    return "news=warmup".equals(got.poll(100, TimeUnit.MILLISECONDS));
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            got.clear();
            for (int i = 0; i < 6; i++) {
                pub.publish(i % 2 == 0 ? "news" : "sports", "m" + i);
            }
            List<String> seen = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                seen.add(got.poll(5, TimeUnit.SECONDS));
            }
            assertEquals(List.of("news=m0", "sports=m1", "news=m2", "sports=m3", "news=m4", "sports=m5"), seen);
        } finally {
            listener.unsubscribe();
            t.join(5000);
            sub.close();
        }
        // sharded: SSUBSCRIBE and SPUBLISH by the channel's slot
        BlockingQueue<String> sharded = new ArrayBlockingQueue<>(16);
        io.lettuce.core.resource.ClientResources res = io.lettuce.core.resource.DefaultClientResources.create();
        io.lettuce.core.RedisClient lc = ProxyFixture.lettuce(res, proxy.writePort(), true);
        try (var subConn = lc.connectPubSub(); Jedis pub = proxy.jedis(proxy.writePort())) {
            subConn.addListener(new io.lettuce.core.pubsub.RedisPubSubAdapter<>() {
                @Override
                public void smessage(String channel, String message) {
                    sharded.add(channel + "=" + message);
                }
            });
            subConn.sync().ssubscribe("orders:{42}");
            assertEquals(1L, (Long) pub.sendCommand(redis.clients.jedis.Protocol.Command.SPUBLISH, "orders:{42}", "o1"));
            assertEquals("orders:{42}=o1", sharded.poll(5, TimeUnit.SECONDS));
        } finally {
            lc.shutdown();
            res.shutdown();
        }
    }

    /**
     * MONITOR through a cluster: one +OK, then what every master runs (keys of every shard),
     * each command once, interleaved as the masters send their lines.
     */
    @Test
    void monitorWatchesEveryMaster() throws Exception {
        try (ProxyFixture open = ProxyFixture.cluster(cluster, "deny-commands = []");
             RawClient monitor = new RawClient(open.writePort()); Jedis writer = open.jedis(open.writePort())) {
            monitor.send(RawClient.command("MONITOR"));
            assertEquals("+OK", monitor.readReply());
            java.util.Set<String> written = new java.util.TreeSet<>();
            java.util.Set<Integer> shards = new java.util.HashSet<>();
            for (int i = 0; i < 30; i++) {
                String key = "mc:" + i;
                writer.set(key, "v");
                written.add(key);
                int slot = io.respproxy.routing.slot.SlotHash.slot(key.getBytes(StandardCharsets.UTF_8));
                shards.add(open.service().topology().shards().indexOf(open.service().topology().shardForSlot(slot)));
            }
            assertEquals(cluster.masters().size(), shards.size(), "the keys are on every master");
            java.util.List<String> seen = new ArrayList<>();
            monitor.socket().setSoTimeout(5000);
            while (seen.size() < written.size()) {
                String line = monitor.readReply();
                assertTrue(line.matches("\\+\\d+\\.\\d+ \\[.*"), "a monitor line, not another +OK: " + line);
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"SET\" \"(mc:\\d+)\"").matcher(line);
                if (m.find()) {
                    seen.add(m.group(1));
                }
            }
            assertEquals(written, new java.util.TreeSet<>(seen), "every SET, of every master");
            assertEquals(written.size(), seen.size(), "each once");
        }
    }

    /**
     * PUBLISH answers how many subscribers got the message, as one Redis would: the subscribers
     * and the publishers of the proxy's clients all go to the home shard's master (slot 0's), so
     * its count is theirs (the cluster bus still carries the message to every other node).
     */
    @Test
    void publishCountsTheSubscribersOfTheProxysClients() throws Exception {
        List<RawClient> subs = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                RawClient c = new RawClient(proxy.writePort());
                subs.add(c);
                c.send(RawClient.command("SUBSCRIBE", "pc:count"));
                assertEquals("[subscribe, pc:count, :1]", c.readReply());
            }
            for (int i = 0; i < 3; i++) {
                try (Jedis pub = proxy.jedis(proxy.writePort())) {
                    assertEquals(3L, pub.publish("pc:count", "m" + i), "publisher " + i);
                }
            }
            for (RawClient c : subs) {
                for (int i = 0; i < 3; i++) {
                    assertEquals("[message, pc:count, m" + i + "]", c.readReply());
                }
            }
        } finally {
            for (RawClient c : subs) {
                c.close();
            }
        }
    }

    /**
     * Keyspace notifications come from the master that holds the key: a client that PSUBSCRIBEs
     * to them hears every master's (the subscription is on one), and a PUBLISH, which the cluster
     * bus carries to every node, still arrives once. After PUNSUBSCRIBE nothing more comes.
     */
    @Test
    void keyspaceNotificationsOfEveryMasterArriveOnceAndPublishOnce() throws Exception {
        List<String> keys = new ArrayList<>();
        for (RedisNode m : cluster.masters()) {
            keys.add(java.util.stream.IntStream.range(0, 1000).mapToObj(i -> "ksn:" + i)
                    .filter(k -> cluster.masterOf(k).equals(m)).findFirst().orElseThrow());
            try (Jedis d = ProxyFixture.direct(m)) {
                d.configSet("notify-keyspace-events", "K$");
            }
        }
        try (RawClient sub = new RawClient(proxy.writePort()); Jedis c = proxy.jedis(proxy.writePort());
             RawClient one = new RawClient(proxy.writePort())) {
            sub.send(RawClient.command("PSUBSCRIBE", "*"));
            assertEquals("[psubscribe, *, :1]", sub.readReply());
            // A SUBSCRIBE to the keys' own channels hears every master too.
            List<String> channels = keys.stream().map(k -> "__keyspace@0__:" + k).toList();
            one.send(RawClient.command(java.util.stream.Stream.concat(java.util.stream.Stream.of("SUBSCRIBE"),
                    channels.stream()).toArray(String[]::new)));
            for (int i = 0; i < channels.size(); i++) {
                assertEquals("[subscribe, " + channels.get(i) + ", :" + (i + 1) + "]", one.readReply());
            }
            for (String k : keys) {
                c.set(k, "v");
            }
            assertEquals(1L, c.publish("ksn:channel", "hello"), "one subscriber, counted once");
            java.util.Set<String> heard = new java.util.HashSet<>();
            for (int i = 0; i < keys.size() + 1; i++) {
                heard.add(sub.readReply());
            }
            java.util.Set<String> expected = new java.util.HashSet<>();
            for (String k : keys) {
                expected.add("[pmessage, *, __keyspace@0__:" + k + ", set]");
            }
            expected.add("[pmessage, *, ksn:channel, hello]");
            assertEquals(expected, heard, "each master's event, and the message once");
            java.util.Set<String> own = new java.util.HashSet<>();
            for (int i = 0; i < channels.size(); i++) {
                own.add(one.readReply());
            }
            assertEquals(channels.stream().map(ch -> "[message, " + ch + ", set]").collect(java.util.stream.Collectors.toSet()),
                    own, "a SUBSCRIBE to each key's channel hears each master");
            sub.send(RawClient.command("PUNSUBSCRIBE", "*"));
            assertEquals("[punsubscribe, *, :0]", sub.readReply());
            c.set(keys.get(keys.size() - 1), "again");
            sub.send(RawClient.command("PING"));
            assertEquals("+PONG", sub.readReply(), "no event after the unsubscribe, from any master");
        } finally {
            for (RedisNode m : cluster.masters()) {
                try (Jedis d = ProxyFixture.direct(m)) {
                    d.configSet("notify-keyspace-events", "");
                }
            }
        }
    }

    /**
     * A client's subscriptions share one connection, on the node of its first shard channel:
     * SSUBSCRIBE to a channel another node serves is refused with an error that says so (not the
     * node's -MOVED, which a plain client could not follow, naming a backend address), and the
     * subscriptions it has keep working. On a connection of its own, that channel works.
     */
    @Test
    void aShardChannelServedByAnotherNodeIsRefusedClearlyAndTheOthersGoOn() throws Exception {
        String first = "orders:{42}";
        RedisNode firstNode = cluster.masterOf(first);
        String other = java.util.stream.IntStream.range(0, 1000).mapToObj(i -> "orders:{" + i + "}")
                .filter(c -> !cluster.masterOf(c).equals(firstNode)).findFirst().orElseThrow();
        try (RawClient c = new RawClient(proxy.writePort()); RawClient c2 = new RawClient(proxy.writePort());
             Jedis pub = proxy.jedis(proxy.writePort())) {
            c.send(RawClient.command("SSUBSCRIBE", first));
            assertEquals("[ssubscribe, " + first + ", :1]", c.readReply());
            c.send(RawClient.command("SSUBSCRIBE", other));
            String refused = c.readReply();
            assertTrue(refused.startsWith("-ERR respproxy: shard channel '" + other + "'"), refused);
            assertTrue(!refused.contains("MOVED") && !refused.contains("127.0.0.1"), refused);
            assertEquals(1L, (Long) pub.sendCommand(redis.clients.jedis.Protocol.Command.SPUBLISH, first, "still"));
            assertEquals("[smessage, " + first + ", still]", c.readReply());

            c2.send(RawClient.command("SSUBSCRIBE", other));
            assertEquals("[ssubscribe, " + other + ", :1]", c2.readReply());
            assertEquals(1L, (Long) pub.sendCommand(redis.clients.jedis.Protocol.Command.SPUBLISH, other, "there"));
            assertEquals("[smessage, " + other + ", there]", c2.readReply());
        }
    }

    /**
     * A resharding moves a subscribed shard channel's slot: Redis ends the subscription with an
     * {@code sunsubscribe} message, which reaches the client as it would directly, and subscribing
     * again is served by the new owner: at once, while the proxy's view may still name the old
     * owner, the client gets -TRYAGAIN (never the node's -MOVED) until it knows. The slot is moved
     * back after.
     */
    @Test
    void aShardSubscriptionWhoseSlotMovesEndsAndIsTakenUpOnTheNewOwner() throws Exception {
        String channel = "moving:{7}";
        int slot = ClusterUnderLoad.slot(channel);
        RedisNode from = cluster.masterOf(channel);
        RedisNode to = cluster.masters().stream().filter(m -> !m.equals(from)).findFirst().orElseThrow();
        try (RawClient c = new RawClient(proxy.writePort()); Jedis pub = proxy.jedis(proxy.writePort())) {
            c.send(RawClient.command("SSUBSCRIBE", channel));
            assertEquals("[ssubscribe, " + channel + ", :1]", c.readReply());
            cluster.moveSlot(slot, from, to);
            try {
                assertEquals("[sunsubscribe, " + channel + ", :0]", c.readReply());
                // At once, before the proxy's next refresh: its view may still name the old owner,
                // whose -MOVED must not reach the client (it gets -TRYAGAIN and subscribes again).
                int tryAgains = 0;
                String confirmed;
                while (true) {
                    c.send(RawClient.command("SSUBSCRIBE", channel));
                    confirmed = c.readReply();
                    if (!confirmed.startsWith("-TRYAGAIN respproxy: the channel's slot is moving") || tryAgains++ > 20) {
                        break;
                    }
                    Thread.sleep(50);
                }
                assertEquals("[ssubscribe, " + channel + ", :1]", confirmed, "after " + tryAgains + " TRYAGAIN");
                assertEquals(1L, (Long) pub.sendCommand(redis.clients.jedis.Protocol.Command.SPUBLISH, channel, "moved"));
                assertEquals("[smessage, " + channel + ", moved]", c.readReply());
            } finally {
                cluster.moveSlot(slot, to, from);
                ClusterUnderLoad.awaitProxyMaster(proxy, channel, from);
            }
        }
    }

    /**
     * WAIT after writes to several masters waits on each of them and answers the smallest count:
     * with one master's replica frozen, 0 within the timeout.
     */
    @Test
    void waitCountsTheReplicasOfEveryMasterWrittenTo() throws Exception {
        try (Jedis c = proxy.jedis(proxy.writePort())) {
            String[] kv = new String[60];
            for (int i = 0; i < 30; i++) {
                kv[2 * i] = "wk:" + i;
                kv[2 * i + 1] = "v";
            }
            assertEquals("OK", c.mset(kv));
            assertEquals(1L, c.waitReplicas(1, 5000), "each master's replica acknowledged");
            assertEquals("OK", c.set("wk:0", "again"));
            assertEquals(1L, c.waitReplicas(1, 5000));
            RedisNode replica = cluster.replicas().get(0);
            replica.pause();
            try {
                assertEquals("OK", c.mset(kv));
                long t0 = System.nanoTime();
                assertEquals(0L, c.waitReplicas(1, 300), "the frozen replica's master has no acknowledgement");
                assertTrue((System.nanoTime() - t0) / 1_000_000 >= 250, "WAIT waited for its timeout");
                assertEquals("PONG", c.ping(), "the connection goes on after WAIT");
            } finally {
                replica.resume();
            }
        }
    }

    /** redis-benchmark, a plain client with no cluster support, through the proxy: every request answered. */
    @Test
    void redisBenchmarkThroughTheProxy() throws IOException, InterruptedException {
        Path bench = Path.of(cluster.binary().path().getParent().toString(), "redis-benchmark");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(bench), "redis-benchmark next to redis-server");
        Process p = new ProcessBuilder(bench.toString(), "-h", "127.0.0.1", "-p", Integer.toString(proxy.writePort()),
                "-t", "set,get,incr,lpush,mset", "-r", "100000", "-n", "5000", "-c", "8", "-q")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        for (String t : List.of("SET:", "GET:", "INCR:", "LPUSH", "MSET")) {
            assertTrue(out.contains(t), t + " in " + out);
        }
        assertTrue(!out.toLowerCase().contains("error"), out);
        long keys = 0;
        for (RedisNode m : cluster.masters()) {
            try (Jedis d = ProxyFixture.direct(m)) {
                keys += d.dbSize();
            }
        }
        assertTrue(keys > 1000, "redis-benchmark's keys landed on the masters: " + keys);
    }
}
