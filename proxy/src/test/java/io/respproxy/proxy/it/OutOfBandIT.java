package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.respproxy.testkit.ReplicatedRedis;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * Control that must not queue behind what it controls: a script that runs forever on the master
 * holds the proxy's shared connection there, so SCRIPT KILL and FUNCTION KILL go on a connection
 * of their own, at once. And CLIENT REPLY, which the proxy implements itself.
 */
class OutOfBandIT {

    private static ReplicatedRedis redis;
    private static ProxyFixture proxy;

    @BeforeAll
    static void start() throws Exception {
        redis = ProxyEnvironment.redis(1);
        proxy = ProxyFixture.start(redis);
        try (Jedis master = ProxyFixture.direct(redis.master())) {
            // Redis answers other clients (and accepts the kill) once a script has run this long.
            master.configSet(redis.binary().version().isAtLeast(7, 0) ? "busy-reply-threshold" : "lua-time-limit",
                    "100");
        }
    }

    @AfterAll
    static void stop() {
        ProxyEnvironment.close(null, proxy, redis);
    }

    @Test
    void scriptKillStopsAScriptThatRunsForever() throws Exception {
        killWhileRunning(RawClient.command("EVAL", "while true do end", "0"), RawClient.command("SCRIPT", "KILL"));
    }

    @Test
    void functionKillStopsAFunctionThatRunsForever() throws Exception {
        assumeTrue(redis.binary().version().isAtLeast(7, 0), "functions need Redis 7");
        try (Jedis j = proxy.jedis(proxy.writePort())) {
            j.functionLoadReplace("#!lua name=spinlib\nredis.register_function('spin', function() while true do end end)");
        }
        killWhileRunning(RawClient.command("FCALL", "spin", "0"), RawClient.command("FUNCTION", "KILL"));
    }

    private void killWhileRunning(String longCommand, String kill) throws Exception {
        try (RawClient runner = new RawClient(proxy.writePort()); RawClient killer = new RawClient(proxy.writePort());
             RawClient other = new RawClient(proxy.writePort())) {
            runner.send(longCommand);
            CompletableFuture<String> ran = CompletableFuture.supplyAsync(() -> {
                try {
                    return runner.readReply();
                } catch (Exception e) {
                    return e.toString();
                }
            });
            Thread.sleep(300);
            assertTrue(!ran.isDone(), "the script still runs: " + (ran.isDone() ? ran.join() : ""));
            long start = System.nanoTime();
            killer.send(kill);
            assertEquals("+OK", killer.readReply());
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(millis < 2000, "the kill was answered at once, not after the script: " + millis + " ms");
            String killed = ran.get(5, TimeUnit.SECONDS);
            assertTrue(killed.startsWith("-") && killed.toLowerCase().contains("killed"), killed);
            other.send(RawClient.command("SET", "after-kill", "1"));
            assertEquals("+OK", other.readReply(), "the master serves again");
        }
    }

    @Test
    void clientReplyOffOnSkipInAPipeline() throws Exception {
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("CLIENT", "REPLY", "OFF")
                    + RawClient.command("SET", "reply:k", "1")
                    + RawClient.command("GET", "reply:k")
                    + RawClient.command("NOSUCHCOMMAND")
                    + RawClient.command("CLIENT", "REPLY", "ON")
                    + RawClient.command("GET", "reply:k")
                    + RawClient.command("CLIENT", "REPLY", "SKIP")
                    + RawClient.command("INCR", "reply:k")
                    + RawClient.command("GET", "reply:k")
                    + RawClient.command("CLIENT", "REPLY", "MAYBE")
                    + RawClient.command("PING"));
            assertEquals("+OK", c.readReply(), "CLIENT REPLY ON answers; nothing before it did");
            assertEquals("1", c.readReply(), "the SET sent while replies were off was applied");
            assertEquals("2", c.readReply(), "SKIP hid its own reply and the INCR's, not the GET after");
            assertEquals("-ERR syntax error", c.readReply());
            assertEquals("+PONG", c.readReply());
        }
    }

    @Test
    void clientUnblockByTheIdTheProxyGave() throws Exception {
        try (RawClient blocked = new RawClient(proxy.readPort()); RawClient other = new RawClient(proxy.writePort())) {
            blocked.send(RawClient.command("CLIENT", "ID"));
            String id = blocked.readReply().substring(1);
            other.send(RawClient.command("CLIENT", "UNBLOCK", id));
            assertEquals(":0", other.readReply(), "not blocked: 0, as Redis");
            other.send(RawClient.command("CLIENT", "UNBLOCK", "987654321"));
            assertEquals(":0", other.readReply(), "no such client: 0");

            // As the suite does (wait_for_blocked_client): once INFO counts the client blocked,
            // one UNBLOCK finds it, even when it comes before the node has answered the proxy's
            // CLIENT ID for that connection. Many rounds, for the UNBLOCK to come that early.
            for (int round = 0; round < 30; round++) {
                blocked.send(RawClient.command("BLPOP", "unblock:none", "0"));
                awaitBlocked(other, 1);
                other.send(RawClient.command("CLIENT", "UNBLOCK", id, "TIMEOUT"));
                assertEquals(":1", other.readReply(), "round " + round);
                assertEquals("(nil)", blocked.readReply(), "TIMEOUT: the blocking command returns as if it timed out");
            }

            blocked.send(RawClient.command("BLPOP", "unblock:none", "0"));
            awaitBlocked(other, 1);
            other.send(RawClient.command("CLIENT", "UNBLOCK", id, "ERROR"));
            assertEquals(":1", other.readReply());
            assertEquals("-UNBLOCKED client unblocked via CLIENT UNBLOCK", blocked.readReply());

            blocked.send(RawClient.command("PING"));
            assertEquals("+PONG", blocked.readReply(), "the unblocked client goes on");
        }
    }

    /** Until the proxy's INFO counts {@code n} blocked clients, as the suite's wait_for_blocked_client. */
    private static void awaitBlocked(RawClient c, int n) throws Exception {
        for (int i = 0; i < 500; i++) {
            c.send(RawClient.command("INFO", "clients"));
            if (c.readReply().contains("blocked_clients:" + n + "\r\n")) {
                return;
            }
            Thread.sleep(2);
        }
        throw new AssertionError(n + " blocked clients never counted");
    }

    /**
     * A script that runs longer than backend.command-timeout is not a dead master: it answers
     * -BUSY. Commands queued behind the script on the proxy's connection wait for it (as they would
     * on that connection in Redis) instead of failing with "may have been applied", other
     * connections get Redis's -BUSY, the master is not marked down, and SCRIPT KILL ends it.
     */
    @Test
    void aScriptLongerThanTheCommandTimeoutIsBusyNotDead() throws Exception {
        try (ProxyFixture short1s = ProxyFixture.start(redis, "backend.command-timeout = 1s");
             RawClient runner = new RawClient(short1s.writePort());
             RawClient other1 = new RawClient(short1s.writePort());
             RawClient other2 = new RawClient(short1s.writePort());
             RawClient killer = new RawClient(short1s.writePort())) {
            runner.send(RawClient.command("EVAL", "while true do end", "0"));
            Thread.sleep(150);
            other1.send(RawClient.command("SET", "busy:1", "v"));
            other2.send(RawClient.command("SET", "busy:2", "v"));
            Thread.sleep(2500); // two and a half command timeouts
            assertTrue(short1s.service().topology().primaryShard().hasMaster(), "the busy master is not marked down");
            killer.send(RawClient.command("SCRIPT", "KILL"));
            assertEquals("+OK", killer.readReply());
            String killed = runner.readReply();
            assertTrue(killed.startsWith("-") && killed.toLowerCase().contains("killed"), killed);
            for (RawClient c : new RawClient[] {other1, other2}) {
                String reply = c.readReply();
                assertTrue(reply.equals("+OK") || reply.startsWith("-BUSY"),
                        "queued behind the script (then done) or refused by Redis as busy, never failed by the proxy: "
                                + reply);
            }
        }
    }

    /**
     * One event loop: every client's commands share its lane. A script pending on the lane's
     * connection sends other clients to a spare, and a script that runs past
     * backend.script-set-aside-after has its connection set aside, so the others meet the master
     * as Redis's own clients do: PING and SET get -BUSY (busy-reply-threshold is 100 ms here)
     * instead of waiting behind the script, and PING gets PONG again once it is killed. The
     * script's own client keeps its order: what it pipelined behind the script runs after it.
     */
    @Test
    void aLongScriptOnTheSharedConnectionHoldsOnlyWhatWasQueuedBehindIt() throws Exception {
        try (ProxyFixture one = ProxyFixture.start(redis, "event-loops = 1", "");
             RawClient runner = new RawClient(one.writePort());
             RawClient later = new RawClient(one.writePort());
             RawClient killer = new RawClient(one.writePort())) {
            runner.send(RawClient.command("EVAL", "while true do end", "0")
                    + RawClient.command("SET", "aside:order", "first"));
            Thread.sleep(400);
            later.send(RawClient.command("PING"));
            assertTrue(later.readReply().startsWith("-BUSY"), "the master is busy, and PING says so");
            later.send(RawClient.command("SET", "aside:later", "v"));
            assertTrue(later.readReply().startsWith("-BUSY"), "a write after the script is refused as Redis would");
            // The runner's SET waits behind its script; its next command must not overtake it.
            runner.send(RawClient.command("APPEND", "aside:order", "+second"));
            killer.send(RawClient.command("SCRIPT", "KILL"));
            assertEquals("+OK", killer.readReply());
            String killed = runner.readReply();
            assertTrue(killed.startsWith("-") && killed.toLowerCase().contains("killed"), killed);
            assertEquals("+OK", runner.readReply(), "the SET pipelined behind the script ran after it");
            assertEquals(":12", runner.readReply(), "APPEND ran after the SET it was sent after");
            later.send(RawClient.command("PING"));
            assertEquals("+PONG", later.readReply());
            later.send(RawClient.command("GET", "aside:order"));
            assertEquals("first+second", later.readReply());
            long setAside = one.service().backendStats().nodes().values().stream()
                    .mapToLong(n -> n.scriptSetAsides.sum()).sum();
            assertEquals(1, setAside, "respproxy_backend_script_set_asides_total counts the connection set aside");
        }
    }

    /**
     * Redis's suite does this ("Timedout read-only scripts can be killed by SCRIPT KILL even when
     * use pcall"): one client starts a script that never ends, another PINGs at once and kills the
     * script only once PING says -BUSY. Queued on the shared connection behind the script, the PING
     * would wait for the script's end, and the script would never be killed.
     */
    @Test
    void aCommandSentRightBehindAnotherClientsScriptIsAnsweredBusy() throws Exception {
        try (ProxyFixture one = ProxyFixture.start(redis, "event-loops = 1", "");
             RawClient runner = new RawClient(one.writePort());
             RawClient other = new RawClient(one.writePort())) {
            runner.send(RawClient.command("EVAL", "while true do end", "0"));
            // As the suite's wait_for_condition: PING until it says -BUSY (the first may run before
            // the script does, on a connection of its own as on Redis). Each PING must be answered.
            String ping = "";
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!ping.startsWith("-BUSY") && System.nanoTime() < deadline) {
                other.send(RawClient.command("PING"));
                ping = other.readReply();
            }
            assertTrue(ping.startsWith("-BUSY"), "answered as Redis answers it, not stuck behind the script: " + ping);
            other.send(RawClient.command("SCRIPT", "KILL"));
            assertEquals("+OK", other.readReply());
            String killed = runner.readReply();
            assertTrue(killed.startsWith("-") && killed.toLowerCase().contains("killed"), killed);
            runner.send(RawClient.command("PING"));
            assertEquals("+PONG", runner.readReply());
        }
    }

    /**
     * In another database, as Redis's own test suite runs (db 9): the connection that replaces the
     * one set aside must SELECT, which a busy node refuses. SCRIPT KILL still gets through, and
     * the commands that land on that connection get the node's own -BUSY.
     */
    @Test
    void scriptKillGetsThroughFromADatabaseOtherThanZero() throws Exception {
        try (ProxyFixture one = ProxyFixture.start(redis, "event-loops = 1", "");
             RawClient runner = new RawClient(one.writePort());
             RawClient later = new RawClient(one.writePort());
             RawClient killer = new RawClient(one.writePort())) {
            for (RawClient c : List.of(runner, later, killer)) {
                c.send(RawClient.command("SELECT", "9"));
                assertEquals("+OK", c.readReply());
            }
            runner.send(RawClient.command("EVAL", "while true do end", "0"));
            Thread.sleep(400);
            later.send(RawClient.command("GET", "busy:db9"));
            assertEquals("-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.",
                    later.readReply(), "the node's own refusal, not the proxy's handshake error");
            killer.send(RawClient.command("SCRIPT", "KILL"));
            assertEquals("+OK", killer.readReply());
            String killed = runner.readReply();
            assertTrue(killed.startsWith("-") && killed.toLowerCase().contains("killed"), killed);
            later.send(RawClient.command("SET", "busy:db9", "after"));
            assertEquals("+OK", later.readReply());
            killer.send(RawClient.command("GET", "busy:db9"));
            assertEquals("after", killer.readReply(), "the new connection is in db 9");
        }
        try (Jedis master = ProxyFixture.direct(redis.master())) {
            assertEquals(null, master.get("busy:db9"), "nothing landed in db 0");
        }
    }

    /** The kill gets through when every dedicated connection is taken (here the only one, by a BLPOP). */
    @Test
    void scriptKillGetsThroughAtTheDedicatedConnectionCap() throws Exception {
        try (ProxyFixture capped = ProxyFixture.start(redis, "backend.dedicated.max-per-node = 1");
             RawClient blocked = new RawClient(capped.writePort());
             RawClient runner = new RawClient(capped.writePort());
             RawClient killer = new RawClient(capped.writePort())) {
            blocked.send(RawClient.command("BLPOP", "cap:none", "0"));
            Thread.sleep(200);
            runner.send(RawClient.command("EVAL", "while true do end", "0"));
            Thread.sleep(300);
            killer.send(RawClient.command("SCRIPT", "KILL"));
            assertEquals("+OK", killer.readReply());
            String killed = runner.readReply();
            assertTrue(killed.startsWith("-") && killed.toLowerCase().contains("killed"), killed);
            killer.send(RawClient.command("LPUSH", "cap:none", "x"));
            assertEquals(":1", killer.readReply());
            assertEquals("[cap:none, x]", blocked.readReply(), "the blocked client was served all along");
        }
    }
}
