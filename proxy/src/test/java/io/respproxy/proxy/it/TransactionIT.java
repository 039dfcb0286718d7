package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.resource.ClientResources;
import io.respproxy.testkit.ReplicatedRedis;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Transaction;

/** MULTI/EXEC, DISCARD and WATCH through the proxy, answered exactly as Redis answers them. */
class TransactionIT {

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
    void queuedRepliesAndExecArrayOnTheWire() throws Exception {
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("SET", "tx:raw", "5"));
            assertEquals("+OK", c.readReply());
            c.send(RawClient.command("MULTI"));
            assertEquals("+OK", c.readReply());
            c.send(RawClient.command("INCR", "tx:raw"));
            assertEquals("+QUEUED", c.readReply());
            c.send(RawClient.command("GET", "tx:raw"));
            assertEquals("+QUEUED", c.readReply());
            c.send(RawClient.command("LPUSH", "tx:raw", "x"));
            assertEquals("+QUEUED", c.readReply());
            c.send(RawClient.command("EXEC"));
            assertEquals("[:6, 6, -WRONGTYPE Operation against a key holding the wrong kind of value]", c.readReply());
            // The connection is back to normal afterwards.
            c.send(RawClient.command("GET", "tx:raw"));
            assertEquals("6", c.readReply());
        }
    }

    @Test
    void pipelinedTransactionAfterOtherCommands() throws Exception {
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("SET", "tx:p", "a") + RawClient.command("GET", "tx:p") + RawClient.command("MULTI")
                    + RawClient.command("APPEND", "tx:p", "b") + RawClient.command("EXEC") + RawClient.command("GET", "tx:p"));
            assertEquals("+OK", c.readReply());
            assertEquals("a", c.readReply());
            assertEquals("+OK", c.readReply());
            assertEquals("+QUEUED", c.readReply());
            assertEquals("[:2]", c.readReply());
            assertEquals("ab", c.readReply());
        }
    }

    @Test
    void execAndDiscardWithoutMulti() throws Exception {
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("EXEC"));
            assertEquals("-ERR EXEC without MULTI", c.readReply());
            c.send(RawClient.command("DISCARD"));
            assertEquals("-ERR DISCARD without MULTI", c.readReply());
            c.send(RawClient.command("PING"));
            assertEquals("+PONG", c.readReply());
        }
    }

    /**
     * EXEC or DISCARD without MULTI while WATCHing is refused and the watch stays, as in Redis: a
     * later transaction is still aborted by a write to the watched key, and the watched
     * connection is not lent to another client (whose transaction it would abort).
     */
    @Test
    void execOrDiscardWithoutMultiKeepsTheWatch() throws Exception {
        for (String end : new String[] {"EXEC", "DISCARD"}) {
            try (RawClient a = new RawClient(proxy.writePort()); Jedis b = proxy.jedis(proxy.writePort())) {
                a.send(RawClient.command("WATCH", "tx:w"));
                assertEquals("+OK", a.readReply());
                a.send(RawClient.command(end));
                assertEquals("-ERR " + end + " without MULTI", a.readReply());
                b.set("tx:w", "b");
                // Other clients' transactions run on connections without a watch.
                for (int i = 0; i < 4; i++) {
                    try (RawClient other = new RawClient(proxy.writePort())) {
                        other.send(RawClient.command("MULTI") + RawClient.command("SET", "tx:other", "o")
                                + RawClient.command("EXEC"));
                        assertEquals("+OK", other.readReply());
                        assertEquals("+QUEUED", other.readReply());
                        assertEquals("[+OK]", other.readReply(), end + ": another client's EXEC");
                    }
                }
                a.send(RawClient.command("MULTI"));
                assertEquals("+OK", a.readReply());
                a.send(RawClient.command("SET", "tx:w", "a"));
                assertEquals("+QUEUED", a.readReply());
                a.send(RawClient.command("EXEC"));
                assertEquals("(nil)", a.readReply(), end + " without MULTI kept the watch");
                assertEquals("b", b.get("tx:w"));
            }
        }
    }

    @Test
    void nestedMultiIsAnErrorAndTheTransactionGoesOn() throws Exception {
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("MULTI"));
            assertEquals("+OK", c.readReply());
            c.send(RawClient.command("MULTI"));
            assertEquals("-ERR MULTI calls can not be nested", c.readReply());
            c.send(RawClient.command("SET", "tx:nested", "1"));
            assertEquals("+QUEUED", c.readReply());
            c.send(RawClient.command("EXEC"));
            assertEquals("[+OK]", c.readReply());
        }
    }

    /** Redis flags a transaction with a command it rejected at queue time; EXEC then aborts it. */
    @Test
    void unknownCommandInsideMultiAbortsExec() throws Exception {
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("MULTI"));
            assertEquals("+OK", c.readReply());
            c.send(RawClient.command("SET", "tx:abort", "1"));
            assertEquals("+QUEUED", c.readReply());
            c.send(RawClient.command("NOSUCHCOMMAND", "x"));
            assertEquals("-ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'x' ", c.readReply());
            c.send(RawClient.command("EXEC"));
            assertEquals("-EXECABORT Transaction discarded because of previous errors.", c.readReply());
        }
        try (Jedis m = ProxyFixture.direct(redis.master())) {
            assertNull(m.get("tx:abort"), "a discarded transaction must not have run");
        }
    }

    /** Same for a command the proxy refuses (deny-commands) inside MULTI. */
    @Test
    void deniedCommandInsideMultiAbortsExec() throws Exception {
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("MULTI"));
            assertEquals("+OK", c.readReply());
            c.send(RawClient.command("SET", "tx:abort2", "1"));
            assertEquals("+QUEUED", c.readReply());
            c.send(RawClient.command("CONFIG", "SET", "maxmemory", "1"));
            assertTrue(c.readReply().startsWith("-ERR"));
            c.send(RawClient.command("EXEC"));
            assertEquals("-EXECABORT Transaction discarded because of previous errors.", c.readReply());
        }
        try (Jedis m = ProxyFixture.direct(redis.master())) {
            assertNull(m.get("tx:abort2"), "a discarded transaction must not have run");
        }
    }

    /** SELECT queued in a transaction switches the client's database when EXEC runs, as in Redis. */
    @Test
    void selectInsideMultiChangesTheClientsDb() throws Exception {
        // A proxy of its own: a failure here may leave a pooled backend connection in db 5.
        try (ProxyFixture own = ProxyFixture.start(redis); RawClient a = new RawClient(own.writePort())) {
            a.send(RawClient.command("MULTI"));
            assertEquals("+OK", a.readReply());
            a.send(RawClient.command("SELECT", "5"));
            assertEquals("+QUEUED", a.readReply());
            a.send(RawClient.command("SET", "tx:sel", "in5"));
            assertEquals("+QUEUED", a.readReply());
            a.send(RawClient.command("EXEC"));
            assertEquals("[+OK, +OK]", a.readReply());
            a.send(RawClient.command("GET", "tx:sel"));
            assertEquals("in5", a.readReply(), "after EXEC the client is in db 5, as SELECT said");
        }
    }

    /** ... and it must not leave the proxy's pooled backend connection in db 5 for the next client. */
    @Test
    void selectInsideMultiDoesNotLeakIntoOtherClientsTransactions() throws Exception {
        try (ProxyFixture own = ProxyFixture.start(redis)) {
            try (RawClient a = new RawClient(own.writePort())) {
                a.send(RawClient.command("MULTI") + RawClient.command("SELECT", "6")
                        + RawClient.command("SET", "tx:sel6", "in6") + RawClient.command("EXEC"));
                assertEquals("+OK", a.readReply());
                assertEquals("+QUEUED", a.readReply());
                assertEquals("+QUEUED", a.readReply());
                assertEquals("[+OK, +OK]", a.readReply());
            }
            // Later transactions of fresh clients (db 0), on every event loop, write to db 0.
            for (int i = 0; i < 4; i++) {
                try (RawClient b = new RawClient(own.writePort())) {
                    b.send(RawClient.command("MULTI") + RawClient.command("SET", "tx:sel:" + i, "in0")
                            + RawClient.command("EXEC"));
                    assertEquals("+OK", b.readReply());
                    assertEquals("+QUEUED", b.readReply());
                    assertEquals("[+OK]", b.readReply());
                }
            }
        }
        try (Jedis m = ProxyFixture.direct(redis.master())) {
            for (int i = 0; i < 4; i++) {
                assertEquals("in0", m.get("tx:sel:" + i), "client " + i + "'s transaction must write to db 0");
            }
        }
    }

    @Test
    void jedisMultiExecAndDiscard() {
        try (Jedis j = proxy.jedis(proxy.writePort())) {
            j.del("tx:j", "tx:jl");
            Transaction t = j.multi();
            t.set("tx:j", "1");
            t.incrBy("tx:j", 41);
            t.rpush("tx:jl", "a", "b");
            t.get("tx:j");
            List<Object> results = t.exec();
            assertEquals(List.of("OK", 42L, 2L, "42"), results);

            Transaction d = j.multi();
            d.set("tx:j", "discarded");
            assertEquals("OK", d.discard());
            assertEquals("42", j.get("tx:j"));
        }
    }

    @Test
    void jedisWatchAbortsWhenAnotherClientWritesTheKey() {
        try (Jedis a = proxy.jedis(proxy.writePort()); Jedis b = proxy.jedis(proxy.writePort())) {
            a.set("tx:w", "orig");
            assertEquals("OK", a.watch("tx:w"));
            assertEquals("OK", b.set("tx:w", "changed-by-b"));
            Transaction t = a.multi();
            t.set("tx:w", "from-a");
            assertNull(t.exec(), "EXEC after a watched key changed returns a null array");
            assertEquals("changed-by-b", a.get("tx:w"));

            // Unchanged watched key: EXEC runs.
            assertEquals("OK", a.watch("tx:w"));
            Transaction t2 = a.multi();
            t2.set("tx:w", "from-a");
            assertEquals(List.of("OK"), t2.exec());
            assertEquals("from-a", b.get("tx:w"));
        }
    }

    @Test
    void watchThenUnwatchLetsExecRun() throws Exception {
        try (RawClient a = new RawClient(proxy.writePort()); Jedis b = proxy.jedis(proxy.writePort())) {
            a.send(RawClient.command("WATCH", "tx:u"));
            assertEquals("+OK", a.readReply());
            a.send(RawClient.command("UNWATCH"));
            assertEquals("+OK", a.readReply());
            b.set("tx:u", "b");
            a.send(RawClient.command("MULTI"));
            assertEquals("+OK", a.readReply());
            a.send(RawClient.command("SET", "tx:u", "a"));
            assertEquals("+QUEUED", a.readReply());
            a.send(RawClient.command("EXEC"));
            assertEquals("[+OK]", a.readReply());
        }
    }

    @Test
    void lettuceResp3MultiExecAndWatch() {
        RedisClient client = ProxyFixture.lettuce(resources, proxy.writePort(), true);
        try (StatefulRedisConnection<String, String> ca = client.connect();
             StatefulRedisConnection<String, String> cb = client.connect()) {
            RedisCommands<String, String> a = ca.sync();
            RedisCommands<String, String> b = cb.sync();
            assertEquals("OK", a.multi());
            assertNull(a.set("tx:l", "1"), "queued commands return null in Lettuce's sync API");
            a.incr("tx:l");
            TransactionResult r = a.exec();
            assertFalse(r.wasDiscarded());
            assertEquals(List.of("OK", 2L), r.stream().toList());

            assertEquals("OK", a.multi());
            a.set("tx:l", "x");
            assertEquals("OK", a.discard());
            assertEquals("2", a.get("tx:l"));

            assertEquals("OK", a.watch("tx:l"));
            b.set("tx:l", "by-b");
            a.multi();
            a.set("tx:l", "by-a");
            assertTrue(a.exec().wasDiscarded());
            assertEquals("by-b", a.get("tx:l"));
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    /**
     * Commands pipelined right behind the command that ends a WATCH or a transaction belong after
     * it: MULTI after UNWATCH opens a new transaction (it is not left on the released connection),
     * and a WATCH after EXEC watches for this client's next transaction.
     */
    @Test
    void commandsPipelinedBehindTheEndOfAModeStartAfterIt() throws Exception {
        try (RawClient c = new RawClient(proxy.writePort()); RawClient other = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("WATCH", "tx:end") + RawClient.command("UNWATCH") + RawClient.command("MULTI"));
            assertEquals("+OK", c.readReply(), "WATCH");
            assertEquals("+OK", c.readReply(), "UNWATCH");
            assertEquals("+OK", c.readReply(), "MULTI");
            c.send(RawClient.command("SET", "tx:end", "1") + RawClient.command("EXEC") + RawClient.command("WATCH", "tx:end"));
            assertEquals("+QUEUED", c.readReply(), "SET inside the transaction MULTI opened");
            assertEquals("[+OK]", c.readReply(), "EXEC");
            assertEquals("+OK", c.readReply(), "WATCH after EXEC");
            other.send(RawClient.command("SET", "tx:end", "5"));
            assertEquals("+OK", other.readReply());
            c.send(RawClient.command("MULTI") + RawClient.command("INCR", "tx:end") + RawClient.command("EXEC"));
            assertEquals("+OK", c.readReply());
            assertEquals("+QUEUED", c.readReply());
            assertEquals("(nil)", c.readReply(), "the key changed after WATCH: EXEC aborts");
        }
    }
}
