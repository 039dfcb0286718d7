package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.resource.ClientResources;
import io.respproxy.testkit.ReplicatedRedis;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.ClientKillParams;

/**
 * The dedicated connection of a transaction, a WATCH or a blocking command dies under the client
 * (here: CLIENT KILL on the master): the client's connection stays open, the client gets the
 * answers Redis gives for a discarded transaction, a broken watch or an interrupted wait, and its
 * next commands work.
 */
class DedicatedConnectionLossIT {

    static final String EXECABORT_LOST = "-EXECABORT Transaction discarded because the connection to the master was lost.";
    static final String BLOCKED_LOST = "-ERR connection to the master was lost while blocked; the command may have been applied";
    static final String BLOCKED_READ_LOST = "-ERR connection to the server was lost while blocked; nothing was applied, "
            + "the command can be sent again";

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

    /**
     * Kills the one connection of the master's CLIENT LIST that {@code line} picks out (the
     * proxy's), and waits until the proxy has seen it close: a command the client sends next
     * then meets the new state, not a connection dying under it.
     */
    static void killOnMaster(String what, Predicate<String> line) {
        try (Jedis m = ProxyFixture.direct(redis.master())) {
            ProxyFixture.await(Duration.ofSeconds(5), what + " on the master",
                    () -> m.clientList().lines().filter(line).count() == 1);
            String found = m.clientList().lines().filter(line).findFirst().orElseThrow();
            String id = found.substring(3, found.indexOf(' '));
            int before = proxy.service().backendConnections();
            assertEquals(1, m.clientKill(new ClientKillParams().id(id)), "killed " + found);
            ProxyFixture.await(Duration.ofSeconds(5), "the proxy to see " + what + " closed",
                    () -> proxy.service().backendConnections() < before);
        }
    }

    static void killTransactionConnection() {
        killOnMaster("a connection inside MULTI", l -> l.contains("flags=x"));
    }

    private static RawClient client(int protocol) throws Exception {
        RawClient c = new RawClient(proxy.writePort());
        if (protocol == 3) {
            c.send(RawClient.command("HELLO", "3"));
            assertTrue(c.readReply().contains("proto=:3"));
        }
        return c;
    }

    @Test
    void aTransactionWhoseConnectionDiesIsDiscardedAndTheClientGoesOn() throws Exception {
        for (int protocol : new int[] {2, 3}) {
            String k = "dl:tx:" + protocol;
            try (RawClient c = client(protocol)) {
                c.send(RawClient.command("SET", k, "1"));
                assertEquals("+OK", c.readReply());
                c.send(RawClient.command("MULTI"));
                assertEquals("+OK", c.readReply());
                c.send(RawClient.command("INCR", k));
                assertEquals("+QUEUED", c.readReply());
                killTransactionConnection();
                c.send(RawClient.command("INCR", k));
                assertEquals("+QUEUED", c.readReply(), "queued, as Redis queues after a queuing error");
                c.send(RawClient.command("MULTI"));
                assertEquals("-ERR MULTI calls can not be nested", c.readReply());
                c.send(RawClient.command("EXEC"));
                assertEquals(EXECABORT_LOST, c.readReply());
                c.send(RawClient.command("GET", k));
                assertEquals("1", c.readReply(), "nothing of the transaction ran");
                c.send(RawClient.command("MULTI") + RawClient.command("INCR", k) + RawClient.command("EXEC"));
                assertEquals("+OK", c.readReply());
                assertEquals("+QUEUED", c.readReply());
                assertEquals("[:2]", c.readReply(), "out of MULTI, and the next transaction runs");
            }
        }
    }

    @Test
    void discardAfterTheLossEndsTheTransaction() throws Exception {
        try (RawClient c = client(2)) {
            c.send(RawClient.command("MULTI"));
            assertEquals("+OK", c.readReply());
            c.send(RawClient.command("SET", "dl:discard", "x"));
            assertEquals("+QUEUED", c.readReply());
            killTransactionConnection();
            c.send(RawClient.command("DISCARD"));
            assertEquals("+OK", c.readReply());
            c.send(RawClient.command("GET", "dl:discard"));
            assertEquals("(nil)", c.readReply());
        }
    }

    @Test
    void lettuceTransactionFailsWithExecAbortAndTheConnectionWorks() {
        for (boolean resp3 : new boolean[] {true, false}) {
            RedisClient client = ProxyFixture.lettuce(resources, proxy.writePort(), resp3);
            try (StatefulRedisConnection<String, String> conn = client.connect()) {
                RedisCommands<String, String> c = conn.sync();
                String k = "dl:lettuce:tx:" + resp3;
                c.set(k, "5");
                assertEquals("OK", c.multi());
                c.incr(k);
                killTransactionConnection();
                c.incr(k);
                RedisException e = assertThrows(RedisException.class, c::exec);
                assertEquals(EXECABORT_LOST.substring(1), e.getMessage());
                assertEquals("5", c.get(k));
                assertEquals(6L, c.incr(k));
                assertTrue(conn.isOpen());
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        }
    }

    /** A WATCH that cannot be honoured any more: the next EXEC answers nil, as for a touched key, and runs nothing. */
    @Test
    void aLostWatchMakesTheNextExecAnswerNil() throws Exception {
        for (int protocol : new int[] {2, 3}) {
            String k = "dl:watch:" + protocol;
            try (RawClient c = client(protocol)) {
                c.send(RawClient.command("SET", k, "1"));
                assertEquals("+OK", c.readReply());
                c.send(RawClient.command("WATCH", k));
                assertEquals("+OK", c.readReply());
                killOnMaster("the WATCH connection", l -> l.contains("cmd=watch"));
                c.send(RawClient.command("GET", k));
                assertEquals("1", c.readReply());
                c.send(RawClient.command("MULTI"));
                assertEquals("+OK", c.readReply());
                c.send(RawClient.command("SET", k, "2"));
                assertEquals("+QUEUED", c.readReply());
                c.send(RawClient.command("EXEC"));
                assertEquals(protocol == 3 ? "_" : "*-1", c.readLine(), "EXEC of a transaction whose watch was lost");
                c.send(RawClient.command("GET", k));
                assertEquals("1", c.readReply(), "the transaction did not run");
                c.send(RawClient.command("WATCH", k) + RawClient.command("MULTI") + RawClient.command("SET", k, "3")
                        + RawClient.command("EXEC") + RawClient.command("GET", k));
                assertEquals("+OK", c.readReply());
                assertEquals("+OK", c.readReply());
                assertEquals("+QUEUED", c.readReply());
                assertEquals("[+OK]", c.readReply(), "a new WATCH is honoured again");
                assertEquals("3", c.readReply());
            }
        }
    }

    /** UNWATCH after the loss forgets the broken watch, as it forgets any. */
    @Test
    void unwatchForgetsABrokenWatch() throws Exception {
        try (RawClient c = client(2)) {
            c.send(RawClient.command("WATCH", "dl:unwatch"));
            assertEquals("+OK", c.readReply());
            killOnMaster("the WATCH connection", l -> l.contains("cmd=watch"));
            c.send(RawClient.command("UNWATCH") + RawClient.command("MULTI") + RawClient.command("SET", "dl:unwatch", "x")
                    + RawClient.command("EXEC"));
            assertEquals("+OK", c.readReply());
            assertEquals("+OK", c.readReply());
            assertEquals("+QUEUED", c.readReply());
            assertEquals("[+OK]", c.readReply());
        }
    }

    /** Lettuce's optimistic locking: the transaction after a lost WATCH reports discarded; the retry commits. */
    @Test
    void lettuceSeesADiscardedTransactionAndItsRetryCommits() {
        RedisClient client = ProxyFixture.lettuce(resources, proxy.writePort(), true);
        try (StatefulRedisConnection<String, String> conn = client.connect()) {
            RedisCommands<String, String> c = conn.sync();
            c.set("dl:lettuce", "0");
            c.watch("dl:lettuce");
            killOnMaster("the WATCH connection", l -> l.contains("cmd=watch"));
            c.multi();
            c.set("dl:lettuce", "1");
            TransactionResult first = c.exec();
            assertTrue(first.wasDiscarded(), "EXEC after a lost WATCH");
            assertEquals("0", c.get("dl:lettuce"));
            c.watch("dl:lettuce");
            c.multi();
            c.set("dl:lettuce", "1");
            TransactionResult retry = c.exec();
            assertFalse(retry.wasDiscarded());
            assertEquals(List.of("OK"), retry.stream().map(String::valueOf).toList());
            assertTrue(conn.isOpen());
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @Test
    void aBlockedBlpopWhoseConnectionDiesGetsAnErrorAndTheClientGoesOn() throws Exception {
        try (RawClient c = client(2)) {
            c.send(RawClient.command("BLPOP", "dl:q", "0"));
            killOnMaster("the blocked BLPOP", l -> l.contains("flags=b") && l.contains("cmd=blpop"));
            assertEquals(BLOCKED_LOST, c.readReply());
            c.send(RawClient.command("PING"));
            assertEquals("+PONG", c.readReply());
            c.send(RawClient.command("RPUSH", "dl:q", "x") + RawClient.command("BLPOP", "dl:q", "1"));
            assertEquals(":1", c.readReply());
            assertEquals("[dl:q, x]", c.readReply(), "the next blocking command works");
        }
    }

    @Test
    void jedisBlpopThrowsAndTheConnectionWorks() throws Exception {
        try (Jedis j = proxy.jedis(proxy.writePort())) {
            CompletableFuture<Object> popped = CompletableFuture.supplyAsync(() -> {
                try {
                    return j.blpop(0, "dl:jq");
                } catch (JedisDataException e) {
                    return e;
                }
            });
            killOnMaster("the blocked BLPOP", l -> l.contains("flags=b") && l.contains("cmd=blpop"));
            Object result = popped.get(5, TimeUnit.SECONDS);
            assertTrue(result instanceof JedisDataException, String.valueOf(result));
            assertEquals(BLOCKED_LOST.substring(1), ((JedisDataException) result).getMessage());
            assertEquals("PONG", j.ping());
            assertEquals("OK", j.set("dl:jq:after", "1"));
        }
    }

    /** A blocking read interrupted the same way: nothing was applied, and the error says it can be sent again. */
    @Test
    void aBlockedXreadWhoseConnectionDiesSaysItCanBeSentAgain() throws Exception {
        try (RawClient c = client(3)) {
            c.send(RawClient.command("XADD", "dl:s", "*", "f", "v"));
            c.readReply();
            c.send(RawClient.command("XREAD", "BLOCK", "0", "STREAMS", "dl:s", "$"));
            killOnMaster("the blocked XREAD", l -> l.contains("flags=b") && l.contains("cmd=xread"));
            assertEquals(BLOCKED_READ_LOST, c.readReply());
            c.send(RawClient.command("XLEN", "dl:s"));
            assertEquals(":1", c.readReply());
        }
    }
}
