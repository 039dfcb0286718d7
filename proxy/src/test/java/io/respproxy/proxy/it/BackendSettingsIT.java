package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.testkit.RedisNode;
import io.respproxy.testkit.ReplicatedRedis;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;

/**
 * Each backend setting of issue 6, item 7, shown by its effect: what Redis sees (CLIENT LIST), what
 * the proxy holds, and what a client reads.
 */
class BackendSettingsIT {

    private static ReplicatedRedis redis;

    @BeforeAll
    static void start() {
        redis = ProxyEnvironment.redis(1);
    }

    @AfterAll
    static void stop() {
        ProxyEnvironment.close(null, null, redis);
    }

    /** The proxy's data connections on {@code node} (the health checks name theirs respproxy-health). */
    private static List<String> proxyConnections(RedisNode node) {
        try (Jedis d = ProxyFixture.direct(node)) {
            return d.clientList().lines().filter(l -> l.contains(" name=respproxy ")).toList();
        }
    }

    private static void awaitProxyConnections(RedisNode node, int n) {
        ProxyFixture.await(Duration.ofSeconds(10), n + " proxy connections on " + node,
                () -> proxyConnections(node).size() == n);
    }

    @Test
    void connectionsPerNodeSpreadsClientsOverThatManyConnectionsAndKeepsEachPipelineInOrder() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(redis, "backend.connections-per-node = 3")) {
            List<Jedis> clients = new ArrayList<>();
            try {
                // 12 clients over 2 event loops: each loop hands out its 3 lanes twice.
                for (int i = 0; i < 12; i++) {
                    Jedis j = proxy.jedis(proxy.writePort());
                    j.set("cpn:" + i, "v");
                    clients.add(j);
                }
                awaitProxyConnections(redis.master(), 6);
                assertEquals(6, proxy.service().backendConnections());
                for (String line : proxyConnections(redis.master())) {
                    assertTrue(line.contains(" cmd=set "), "every connection carried writes: " + line);
                }

                // A pipelined SET then GET of the same key must run in that order: one lane per client.
                Jedis j = clients.get(0);
                Pipeline p = j.pipelined();
                List<Response<String>> reads = new ArrayList<>();
                for (int i = 0; i < 2000; i++) {
                    p.set("cpn:order", Integer.toString(i));
                    reads.add(p.get("cpn:order"));
                }
                p.sync();
                for (int i = 0; i < 2000; i++) {
                    assertEquals(Integer.toString(i), reads.get(i).get(), "GET after SET #" + i);
                }
            } finally {
                clients.forEach(Jedis::close);
            }
        }
    }

    @Test
    void idleDedicatedConnectionsAreClosedAfterTheIdleTimeout() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(redis, "backend.dedicated.idle-timeout = 1s");
             Jedis j = proxy.jedis(proxy.writePort())) {
            j.set("idle:k", "v");
            int shared = proxy.service().backendConnections();
            var tx = j.multi();
            tx.incr("idle:n");
            tx.exec();
            long released = System.nanoTime();
            // The transaction's connection went back to the pool, idle, beside the spare its loop
            // opened when the transaction took it.
            assertEquals(shared + 2, proxy.service().backendConnections());
            ProxyFixture.await(Duration.ofSeconds(5), "the idle dedicated connection to close",
                    () -> proxy.service().backendConnections() == shared);
            long closedAfterMs = (System.nanoTime() - released) / 1_000_000;
            System.out.printf("BackendSettingsIT: idle dedicated connection closed %d ms after it went idle%n", closedAfterMs);
            // Not at once: after about the idle timeout (measured from when this client saw EXEC's
            // reply, which is after the proxy released the connection, hence the slack).
            assertTrue(closedAfterMs >= 700, "closed after " + closedAfterMs + " ms, before the 1 s idle timeout");
            awaitProxyConnections(redis.master(), shared);
        }
    }

    @Test
    void maxPerNodeCountsEveryEventLoopAndRefusesBeyondIt() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(redis, "backend.dedicated.max-per-node = 2");
             RawClient a = new RawClient(proxy.writePort());
             RawClient b = new RawClient(proxy.writePort());
             RawClient c = new RawClient(proxy.writePort());
             Jedis pusher = ProxyFixture.direct(redis.master())) {
            // a and b land on different event loops (accepted round-robin), c on a's.
            a.send(RawClient.command("BLPOP", "mpn:a", "0"));
            b.send(RawClient.command("BLPOP", "mpn:b", "0"));
            ProxyFixture.await(Duration.ofSeconds(5), "two clients blocked on the master",
                    () -> blockedOnMaster() == 2);
            c.send(RawClient.command("BLPOP", "mpn:c", "0"));
            assertEquals("-ERR respproxy: too many dedicated backend connections (transactions, blocking commands, "
                    + "subscriptions); try again later", c.readReply());
            // The connection stays usable, and once a's BLPOP is answered its connection serves c.
            pusher.lpush("mpn:a", "x");
            assertEquals("[mpn:a, x]", a.readReply());
            c.send(RawClient.command("BLPOP", "mpn:c", "0"));
            ProxyFixture.await(Duration.ofSeconds(5), "c blocked on the master", () -> blockedOnMaster() == 2);
            pusher.lpush("mpn:c", "y");
            assertEquals("[mpn:c, y]", c.readReply());
            pusher.lpush("mpn:b", "z");
            assertEquals("[mpn:b, z]", b.readReply());
        }
    }

    @Test
    void atMaxPerNodeAnIdleConnectionForAnotherDbMakesRoom() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(redis, "backend.dedicated.max-per-node = 1");
             RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("MULTI") + RawClient.command("SET", "mpn:db", "0") + RawClient.command("EXEC"));
            assertEquals("+OK", c.readReply());
            assertEquals("+QUEUED", c.readReply());
            assertEquals("[+OK]", c.readReply());
            // The db 0 connection is idle and fills the cap: a transaction in db 1 still gets one.
            c.send(RawClient.command("SELECT", "1") + RawClient.command("MULTI") + RawClient.command("SET", "mpn:db", "1")
                    + RawClient.command("EXEC"));
            assertEquals("+OK", c.readReply());
            assertEquals("+OK", c.readReply());
            assertEquals("+QUEUED", c.readReply());
            assertEquals("[+OK]", c.readReply());
            try (Jedis d = ProxyFixture.direct(redis.master())) {
                d.select(1);
                assertEquals("1", d.get("mpn:db"));
            }
        }
    }

    @Test
    void atMaxPerNodeAnIdleConnectionOnAnotherEventLoopMakesRoom() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(redis, "backend.dedicated.max-per-node = 1");
             RawClient a = new RawClient(proxy.writePort());
             RawClient b = new RawClient(proxy.writePort())) {
            // a and b are accepted one after the other: on different event loops.
            a.send(RawClient.command("MULTI") + RawClient.command("SET", "mpn:loop", "a") + RawClient.command("EXEC"));
            assertEquals("+OK", a.readReply());
            assertEquals("+QUEUED", a.readReply());
            assertEquals("[+OK]", a.readReply());
            awaitProxyConnections(redis.master(), 1);
            // a's loop holds the one connection, idle: b's loop still gets one, and a's is closed.
            b.send(RawClient.command("MULTI") + RawClient.command("SET", "mpn:loop", "b") + RawClient.command("EXEC"));
            assertEquals("+OK", b.readReply());
            assertEquals("+QUEUED", b.readReply());
            assertEquals("[+OK]", b.readReply());
            awaitProxyConnections(redis.master(), 1);
        }
    }

    private static long blockedOnMaster() {
        try (Jedis d = ProxyFixture.direct(redis.master())) {
            return d.clientList().lines().filter(l -> l.contains("flags=b") && l.contains(" name=respproxy ")).count();
        }
    }

    /** Ids of the proxy's connections on the master in {@code db}, and of those blocked. */
    private static java.util.Set<String> idsOnMaster(int db, boolean blockedOnly) {
        try (Jedis d = ProxyFixture.direct(redis.master())) {
            return d.clientList().lines()
                    .filter(l -> l.contains(" name=respproxy ") && l.contains(" db=" + db + " "))
                    .filter(l -> !blockedOnly || l.contains("flags=b"))
                    .map(l -> l.substring(l.indexOf("id=") + 3, l.indexOf(' ')))
                    .collect(java.util.stream.Collectors.toSet());
        }
    }

    /**
     * Once a loop has used a dedicated connection, it keeps one more ready (handshake done, db
     * selected), so a second client's BLPOP on that loop is written at once rather than after a
     * connect: it reaches Redis before a command another client sends right after it.
     */
    @Test
    void aLoopKeepsASpareSoTheNextBlockingCommandNeedsNoConnect() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(redis);
             RawClient a = new RawClient(proxy.writePort());
             RawClient b = new RawClient(proxy.writePort());
             RawClient c = new RawClient(proxy.writePort());
             Jedis pusher = ProxyFixture.direct(redis.master())) {
            // a and c are on one event loop (accepted round-robin, b on the other), both in db 9.
            a.send(RawClient.command("SELECT", "9"));
            c.send(RawClient.command("SELECT", "9"));
            assertEquals("+OK", a.readReply());
            assertEquals("+OK", c.readReply());
            a.send(RawClient.command("BLPOP", "spare:a", "0"));
            ProxyFixture.await(Duration.ofSeconds(5), "a blocked on the master", () -> blockedOnMaster() == 1);
            // Beside a's connection, its loop opened a spare, already in db 9.
            ProxyFixture.await(Duration.ofSeconds(5), "a spare connection in db 9",
                    () -> idsOnMaster(9, false).size() == 2);
            java.util.Set<String> before = idsOnMaster(9, false);
            c.send(RawClient.command("BLPOP", "spare:c", "0"));
            ProxyFixture.await(Duration.ofSeconds(5), "c blocked on the master", () -> blockedOnMaster() == 2);
            java.util.Set<String> blocked = idsOnMaster(9, true);
            assertTrue(before.containsAll(blocked), "c's BLPOP went out on the spare " + before + ", not on a "
                    + "connection opened for it: blocked " + blocked);
            pusher.select(9);
            pusher.lpush("spare:c", "y");
            assertEquals("[spare:c, y]", c.readReply());
            pusher.lpush("spare:a", "x");
            assertEquals("[spare:a, x]", a.readReply());
        }
    }

    /**
     * A spare's handshake would show in a monitor's stream among the clients' commands, where
     * Redis shows only theirs: while a client is in MONITOR, taking the spare opens no other.
     */
    @Test
    void noSpareOpensWhileAClientMonitors() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(redis, "deny-commands = [SHUTDOWN]"); // MONITOR allowed
             RawClient a = new RawClient(proxy.writePort());
             RawClient monitor = new RawClient(proxy.writePort());
             RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("SET", "spare:warm", "1")); // the loop's shared connection is up
            assertEquals("+OK", c.readReply());
            a.send(RawClient.command("BLPOP", "spare:m", "0")); // a's loop: a's connection and a spare
            ProxyFixture.await(Duration.ofSeconds(5), "a blocked on the master", () -> blockedOnMaster() == 1);
            monitor.send(RawClient.command("MONITOR"));
            assertEquals("+OK", monitor.readReply());
            int open = proxy.service().backendConnections();
            // c, on a's loop, takes the spare for its transaction; no other opens in its place.
            c.send(RawClient.command("MULTI") + RawClient.command("SET", "spare:k", "v") + RawClient.command("EXEC")
                    + RawClient.command("SET", "spare:after", "1"));
            assertEquals("+OK", c.readReply());
            assertEquals("+QUEUED", c.readReply());
            assertEquals("[+OK]", c.readReply());
            assertEquals("+OK", c.readReply());
            List<String> lines = new ArrayList<>();
            String line;
            do {
                line = monitor.readReply();
                String lower = line.toLowerCase(java.util.Locale.ROOT);
                if (!lower.contains("] \"info\"") && !lower.contains("] \"ping\"") // the health checks
                        && !lower.contains("respproxy-health")) {
                    lines.add(line.substring(line.indexOf("] ") + 2));
                }
            } while (!line.contains("spare:after") && lines.size() < 50);
            assertEquals(List.of("\"MULTI\"", "\"SET\" \"spare:k\" \"v\"", "\"EXEC\"", "\"SET\" \"spare:after\" \"1\""),
                    lines);
            Thread.sleep(200);
            assertEquals(open, proxy.service().backendConnections(), "no connection opened while monitored");
            c.send(RawClient.command("LPUSH", "spare:m", "x")); // a blocked client left behind would count in the next test
            assertEquals(":1", c.readReply());
            assertEquals("[spare:m, x]", a.readReply());
        }
    }

    @Test
    void commandTimeoutFailsATransactionOnAStalledMasterButNotABlockingCommand() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(redis, "backend.command-timeout = 1s");
             Jedis pusher = proxy.jedis(proxy.writePort())) {
            // Blocking commands wait as long as they asked, beyond the command timeout.
            try (RawClient b = new RawClient(proxy.writePort())) {
                b.send(RawClient.command("BLPOP", "ct:q", "0"));
                Thread.sleep(2500);
                pusher.lpush("ct:q", "v");
                assertEquals("[ct:q, v]", b.readReply());
                b.send(RawClient.command("WAIT", "2", "2500")); // one replica: waits the whole 2.5 s
                assertEquals(":1", b.readReply());
            }
            // A transaction on a stalled master gets an error once the command timeout has passed,
            // and is discarded.
            RedisNode master = redis.master();
            try (RawClient t = new RawClient(proxy.writePort())) {
                t.send(RawClient.command("MULTI"));
                assertEquals("+OK", t.readReply());
                master.pause();
                long t0 = System.nanoTime();
                t.send(RawClient.command("SET", "ct:k", "v"));
                t.socket().setSoTimeout(4000);
                String reply = t.readReply();
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(reply.startsWith("-ERR backend 127.0.0.1:" + master.port() + " did not answer in time"), reply);
                assertTrue(ms >= 900, "not before the command timeout: " + ms + " ms");
                System.out.printf("BackendSettingsIT: SET in MULTI on a stalled master answered after %d ms: %s%n", ms, reply);
                // The transaction went with its connection; the client stays connected and leaves MULTI.
                t.send(RawClient.command("EXEC"));
                assertEquals(DedicatedConnectionLossIT.EXECABORT_LOST, t.readReply());
            } finally {
                master.resume();
            }
            ProxyFixture.await(Duration.ofSeconds(10), "the master back", () -> proxy.service().topology().primaryShard().hasMaster());
        }
    }

    @Test
    void maxNestingDepthLimitsRepliesAndRequestsAreFlat() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(redis, "limits.max-nesting-depth = 3");
             RawClient c = new RawClient(proxy.writePort())) {
            long version = proxy.service().topology().version();
            c.send(RawClient.command("EVAL", "return {{{1}}}", "0"));
            assertEquals("[[[:1]]]", c.readReply());
            c.send(RawClient.command("SET", "nest:k", "v"));
            assertEquals("+OK", c.readReply());
            // Only the command that asked for the deep reply fails: the commands pipelined behind it
            // on the same backend connection are answered, and the node is not marked down.
            c.send(RawClient.command("EVAL", "return {{{{1}}}}", "0") + RawClient.command("GET", "nest:k")
                    + RawClient.command("EVAL", "return {{{1}}}", "0"));
            assertEquals("-ERR reply nesting too deep for respproxy (limits.max-nesting-depth)", c.readReply());
            assertEquals("v", c.readReply());
            assertEquals("[[[:1]]]", c.readReply());
            assertEquals(version, proxy.service().topology().version());
        }
        try (ProxyFixture proxy = ProxyFixture.start(redis);
             RawClient c = new RawClient(proxy.writePort())) {
            // A request is an array of bulk strings: a nested array is a protocol error, as from Redis.
            c.send("*1\r\n*1\r\n$4\r\nPING\r\n");
            assertEquals("-ERR Protocol error: expected '$', got '*'", c.readReply());
            assertThrows(IOException.class, c::readReply, "the connection is closed");
        }
    }
}
