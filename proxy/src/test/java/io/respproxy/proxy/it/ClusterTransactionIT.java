package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.resource.ClientResources;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.Shard;
import io.respproxy.routing.slot.SlotHash;
import io.respproxy.testkit.RedisCluster;
import io.respproxy.testkit.RedisNode;
import io.respproxy.testkit.RedisTopologies;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Transaction;

/**
 * MULTI/EXEC, WATCH and blocking commands through the proxy in {@code mode = cluster}: a
 * transaction is pinned to the node of its first key, answered as Redis Cluster answers a client
 * on that node; a key of another node is -CROSSSLOT and the EXEC -EXECABORT, nothing applied.
 */
class ClusterTransactionIT {

    private static RedisCluster cluster;
    private static ProxyFixture proxy;
    private static ClientResources resources;
    /** A hash tag whose slot lives on each master, in shard order. */
    private static String[] tags;

    @BeforeAll
    static void start() throws Exception {
        cluster = RedisTopologies.cluster().password(ProxyFixture.BACKEND_PASSWORD).start();
        proxy = ProxyFixture.cluster(cluster, "");
        resources = ProxyEnvironment.lettuceResources();
        List<Shard> shards = proxy.service().topology().shards();
        assertEquals(3, shards.size());
        tags = new String[shards.size()];
        for (int i = 0, found = 0; found < tags.length; i++) {
            String tag = "{tx" + i + "}";
            int shard = shards.indexOf(owner(tag));
            if (tags[shard] == null) {
                tags[shard] = tag;
                found++;
            }
        }
    }

    @AfterAll
    static void stop() {
        ProxyEnvironment.close(resources, proxy, cluster);
    }

    static Shard owner(String key) {
        return proxy.service().topology().shardForSlot(SlotHash.slot(key.getBytes(StandardCharsets.UTF_8)));
    }

    /** The master that owns {@code key}, straight (bypassing the proxy). */
    static Jedis directOwner(String key) {
        return ProxyFixture.direct(node(owner(key).master()));
    }

    /** Hash-tagged transactions commit on every master, each on its key's node. */
    @Test
    void hashTagTransactionsCommitOnTheirKeysNode() throws Exception {
        for (String tag : tags) {
            try (RawClient c = new RawClient(proxy.writePort())) {
                c.send(RawClient.command("MULTI"));
                assertEquals("+OK", c.readReply());
                c.send(RawClient.command("SET", tag + "a", "1"));
                assertEquals("+QUEUED", c.readReply());
                c.send(RawClient.command("INCR", tag + "n"));
                assertEquals("+QUEUED", c.readReply());
                c.send(RawClient.command("GET", tag + "a"));
                assertEquals("+QUEUED", c.readReply());
                c.send(RawClient.command("EXEC"));
                assertEquals("[+OK, :1, 1]", c.readReply());
                c.send(RawClient.command("GET", tag + "n"));
                assertEquals("1", c.readReply(), "back to normal after EXEC");
            }
            try (Jedis d = directOwner(tag + "a")) {
                assertEquals("1", d.get(tag + "a"));
                assertEquals("1", d.get(tag + "n"));
            }
        }
    }

    /** Commands without keys before the first key are answered +QUEUED and run in order in the transaction. */
    @Test
    void keylessCommandsBeforeTheFirstKeyRunInTheTransaction() throws Exception {
        String tag = tags[2];
        try (RawClient c = new RawClient(proxy.writePort())) {
            // pipelined, as clients send transactions
            c.send(RawClient.command("MULTI") + RawClient.command("PING") + RawClient.command("ECHO", "hi")
                    + RawClient.command("SET", tag + "k", "v") + RawClient.command("PING", "x")
                    + RawClient.command("GET", tag + "k") + RawClient.command("EXEC"));
            assertEquals("+OK", c.readReply());
            assertEquals("+QUEUED", c.readReply());
            assertEquals("+QUEUED", c.readReply());
            assertEquals("+QUEUED", c.readReply());
            assertEquals("+QUEUED", c.readReply());
            assertEquals("+QUEUED", c.readReply());
            assertEquals("[+PONG, hi, +OK, x, v]", c.readReply());
        }
    }

    /** A transaction that names no key runs on a master; an empty one answers an empty array. */
    @Test
    void transactionsWithoutKeysRunOnAMaster() throws Exception {
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("MULTI"));
            assertEquals("+OK", c.readReply());
            c.send(RawClient.command("PING"));
            assertEquals("+QUEUED", c.readReply());
            c.send(RawClient.command("ECHO", "e"));
            assertEquals("+QUEUED", c.readReply());
            c.send(RawClient.command("EXEC"));
            assertEquals("[+PONG, e]", c.readReply());
            c.send(RawClient.command("MULTI") + RawClient.command("EXEC"));
            assertEquals("+OK", c.readReply());
            assertEquals("[]", c.readReply());
            c.send(RawClient.command("MULTI") + RawClient.command("PING") + RawClient.command("DISCARD")
                    + RawClient.command("EXEC"));
            assertEquals("+OK", c.readReply());
            assertEquals("+QUEUED", c.readReply());
            assertEquals("+OK", c.readReply());
            assertEquals("-ERR EXEC without MULTI", c.readReply());
        }
    }

    /** A key of another node fails that command with CROSSSLOT and the transaction with EXECABORT. */
    @Test
    void aKeyOfAnotherNodeIsCrossslotThenExecabort() throws Exception {
        String a = tags[0] + "cross";
        String b = tags[1] + "cross";
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("MULTI"));
            assertEquals("+OK", c.readReply());
            c.send(RawClient.command("SET", a, "1"));
            assertEquals("+QUEUED", c.readReply());
            c.send(RawClient.command("SET", b, "2"));
            assertEquals("-CROSSSLOT Keys in request don't hash to the same slot", c.readReply());
            c.send(RawClient.command("SET", a + "2", "3"));
            assertEquals("+QUEUED", c.readReply());
            c.send(RawClient.command("EXEC"));
            assertEquals("-EXECABORT Transaction discarded because of previous errors.", c.readReply());
            c.send(RawClient.command("GET", a));
            assertEquals("(nil)", c.readReply(), "nothing of it was applied");
            c.send(RawClient.command("SET", b, "after"));
            assertEquals("+OK", c.readReply(), "the connection goes on outside the transaction");
        }
        try (Jedis da = directOwner(a); Jedis db = directOwner(b)) {
            assertNull(da.get(a));
            assertNull(da.get(a + "2"));
            assertEquals("after", db.get(b));
        }
    }

    /** Refused before the first key too (the proxy chose no node yet): the transaction fails the same way. */
    @Test
    void errorsBeforeTheFirstKeyFailTheTransaction() throws Exception {
        String key = tags[1] + "early";
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("MULTI"));
            assertEquals("+OK", c.readReply());
            c.send(RawClient.command("NOSUCHCOMMAND", "x"));
            assertEquals("-ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'x' ", c.readReply());
            c.send(RawClient.command("MULTI"));
            assertEquals("-ERR MULTI calls can not be nested", c.readReply());
            c.send(RawClient.command("SET", key, "1"));
            assertEquals("+QUEUED", c.readReply());
            c.send(RawClient.command("EXEC"));
            assertEquals("-EXECABORT Transaction discarded because of previous errors.", c.readReply());

            c.send(RawClient.command("MULTI"));
            assertEquals("+OK", c.readReply());
            c.send(RawClient.command("ECHO"));
            assertEquals("-ERR wrong number of arguments for 'echo' command", c.readReply());
            c.send(RawClient.command("MSET", tags[0] + "x", "1", tags[1] + "y", "2"));
            assertEquals("-CROSSSLOT Keys in request don't hash to the same slot", c.readReply(),
                    "inside MULTI nothing is split");
            c.send(RawClient.command("EXEC"));
            assertEquals("-EXECABORT Transaction discarded because of previous errors.", c.readReply());
        }
        try (Jedis d = directOwner(key)) {
            assertNull(d.get(key));
        }
    }

    /** Keys of two slots on the pinned node: that node answers EXEC with CROSSSLOT, as Redis Cluster does. */
    @Test
    void twoSlotsOfTheSameNodeAreTheNodesCrossslot() throws Exception {
        Shard shard = owner(tags[0]);
        String other = null;
        for (int i = 0; other == null; i++) {
            String k = "same" + i;
            if (owner(k) == shard && SlotHash.slot(k.getBytes(StandardCharsets.UTF_8))
                    != SlotHash.slot(tags[0].getBytes(StandardCharsets.UTF_8))) {
                other = k;
            }
        }
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("MULTI"));
            assertEquals("+OK", c.readReply());
            c.send(RawClient.command("SET", tags[0] + "s", "1"));
            assertEquals("+QUEUED", c.readReply());
            c.send(RawClient.command("SET", other, "2"));
            assertEquals("+QUEUED", c.readReply());
            c.send(RawClient.command("EXEC"));
            assertEquals("-CROSSSLOT Keys in request don't hash to the same slot", c.readReply());
        }
        try (Jedis d = directOwner(other)) {
            assertNull(d.get(other));
            assertNull(d.get(tags[0] + "s"));
        }
    }

    /** WATCH pins to its key's node; MULTI follows it there; a key elsewhere is CROSSSLOT, then EXECABORT. */
    @Test
    void watchThenMultiThenAKeyOfAnotherNode() throws Exception {
        String a = tags[2] + "w";
        String b = tags[0] + "w";
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("WATCH", a));
            assertEquals("+OK", c.readReply());
            c.send(RawClient.command("GET", b));
            assertEquals("(nil)", c.readReply(), "outside MULTI another node's key is read there");
            c.send(RawClient.command("WATCH", b));
            assertEquals("-CROSSSLOT Keys in request don't hash to the same slot", c.readReply());
            c.send(RawClient.command("MULTI"));
            assertEquals("+OK", c.readReply());
            c.send(RawClient.command("SET", a, "1"));
            assertEquals("+QUEUED", c.readReply());
            c.send(RawClient.command("SET", b, "2"));
            assertEquals("-CROSSSLOT Keys in request don't hash to the same slot", c.readReply());
            c.send(RawClient.command("EXEC"));
            assertEquals("-EXECABORT Transaction discarded because of previous errors.", c.readReply());
        }
        try (Jedis da = directOwner(a); Jedis db = directOwner(b)) {
            assertNull(da.get(a));
            assertNull(db.get(b));
        }
    }

    /** Optimistic locking with a real client: a touched watched key makes EXEC answer nil; untouched, it commits. */
    @Test
    void watchedKeyTouchedByAnotherClientAbortsExec() {
        String key = tags[1] + "counter";
        try (Jedis j = proxy.jedis(proxy.writePort()); Jedis other = proxy.jedis(proxy.writePort())) {
            j.set(key, "10");
            j.watch(key);
            other.set(key, "11");
            Transaction t = j.multi();
            t.incr(key);
            assertNull(t.exec(), "the watched key was touched: EXEC answers nil");

            j.watch(key);
            Transaction t2 = j.multi();
            t2.incr(key);
            t2.get(key);
            assertEquals(List.of(12L, "12"), t2.exec());
        }
    }

    /** Lettuce (RESP3) and Jedis transactions on hash tags, on the write and the read port (to masters). */
    @Test
    void realClientsTransactionsOnHashTags() {
        String tag = tags[0];
        RedisClient client = ProxyFixture.lettuce(resources, proxy.readPort(), true);
        try (StatefulRedisConnection<String, String> conn = client.connect()) {
            RedisCommands<String, String> sync = conn.sync();
            assertEquals("OK", sync.multi());
            sync.set(tag + "lettuce", "1");
            sync.incrby(tag + "lettuce", 4);
            sync.get(tag + "lettuce");
            TransactionResult r = sync.exec();
            assertTrue(!r.wasDiscarded());
            assertEquals(List.of("OK", 5L, "5"), r.stream().toList());
        } finally {
            client.shutdown(0, 2, TimeUnit.SECONDS);
        }
        try (Jedis j = proxy.jedis(proxy.writePort())) {
            Transaction t = j.multi();
            t.hset(tag + "h", "f", "v");
            t.hget(tag + "h", "f");
            t.del(tag + "lettuce");
            assertEquals(List.of(1L, "v", 1L), t.exec());
        }
        try (Jedis d = directOwner(tag)) {
            assertEquals("v", d.hget(tag + "h", "f"));
            assertNull(d.get(tag + "lettuce"));
        }
    }

    /**
     * A slot moves behind the proxy's back (its view refreshes only when told): the pinned node's
     * -MOVED inside MULTI reaches the client as -TRYAGAIN, never as a redirect; EXEC aborts; the
     * proxy refreshes, and the transaction sent again commits on the slot's new owner.
     */
    @Test
    void aSlotMovedBehindTheProxysBackIsTryagainInsideATransaction() throws Exception {
        String key = null;
        Shard from = proxy.service().topology().shards().get(0);
        for (int i = 0; key == null; i++) {
            String k = "moved" + i;
            if (owner(k) == from) {
                key = k;
            }
        }
        int slot = SlotHash.slot(key.getBytes(StandardCharsets.UTF_8));
        RedisNode source = node(from.master());
        RedisNode target = node(proxy.service().topology().shards().get(1).master());
        try (ProxyFixture stale = ProxyFixture.cluster(cluster, "    cluster.refresh-interval = 1h\n")) {
            cluster.moveSlot(slot, source, target);
            try (RawClient c = new RawClient(stale.writePort())) {
                c.send(RawClient.command("MULTI"));
                assertEquals("+OK", c.readReply());
                c.send(RawClient.command("SET", key, "v"));
                assertEquals("-TRYAGAIN respproxy: this key's slot moved away from the node the transaction runs on; "
                        + "the transaction is discarded, send it again", c.readReply());
                c.send(RawClient.command("EXEC"));
                assertEquals("-EXECABORT Transaction discarded because of previous errors.", c.readReply());
                ProxyFixture.await(Duration.ofSeconds(10), "the proxy to learn the slot's new owner", () ->
                        stale.service().topology().shardForSlot(slot).master().port() == target.port());
                c.send(RawClient.command("MULTI") + RawClient.command("SET", key, "v") + RawClient.command("EXEC"));
                assertEquals("+OK", c.readReply());
                assertEquals("+QUEUED", c.readReply());
                assertEquals("[+OK]", c.readReply());
            }
            try (Jedis d = ProxyFixture.direct(target)) {
                assertEquals("v", d.get(key));
                d.del(key);
            }
        } finally {
            cluster.moveSlot(slot, target, source);
            ProxyFixture.await(Duration.ofSeconds(10), "the shared proxy to see the slot back", () ->
                    proxy.service().topology().shardForSlot(slot).master().port() == source.port());
        }
    }

    private static RedisNode node(NodeAddress address) {
        return cluster.nodes().stream().filter(n -> n.port() == address.port()).findFirst().orElseThrow();
    }

    /** Blocking commands pin to their key's node: a push there wakes them; keys of two slots are CROSSSLOT. */
    @Test
    void blockingCommandsWaitOnTheirKeysNode() throws Exception {
        for (String tag : tags) {
            String list = tag + "queue";
            try (Jedis blocked = proxy.jedis(proxy.writePort()); Jedis pusher = proxy.jedis(proxy.writePort())) {
                CompletableFuture<List<String>> popped = CompletableFuture.supplyAsync(() -> blocked.blpop(10, list));
                ProxyFixture.await(Duration.ofSeconds(5), "BLPOP to block on " + list + "'s node", () -> {
                    try (Jedis d = directOwner(list)) {
                        return d.info("clients").contains("blocked_clients:1");
                    }
                });
                assertEquals(1L, pusher.rpush(list, "job"));
                assertEquals(List.of(list, "job"), popped.get(10, TimeUnit.SECONDS));
            }
        }
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("BLPOP", tags[0] + "l", tags[1] + "l", "1"));
            assertEquals("-CROSSSLOT Keys in request don't hash to the same slot", c.readReply());
        }
        assertNotEquals(owner(tags[0]), owner(tags[1]));
    }
}
