package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.resource.ClientResources;
import io.respproxy.testkit.ReplicatedRedis;
import java.time.Duration;
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
 * The dedicated connection of a blocking command dies under the client (here: CLIENT KILL on the
 * master): the client's connection stays open, the client gets an error that says what may have
 * happened, and its next commands work.
 */
class DedicatedConnectionLossIT {

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

    private static RawClient client(int protocol) throws Exception {
        RawClient c = new RawClient(proxy.writePort());
        if (protocol == 3) {
            c.send(RawClient.command("HELLO", "3"));
            assertTrue(c.readReply().contains("proto=:3"));
        }
        return c;
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
