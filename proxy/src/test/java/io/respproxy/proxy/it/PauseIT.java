package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.testkit.ReplicatedRedis;
import java.io.IOException;
import java.net.SocketTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * CLIENT PAUSE / UNPAUSE of the proxy's clients, with what Redis promises: paused commands wait,
 * they do not fail; WRITE holds writes, may-replicate commands, scripts that may write and EXEC
 * of a transaction that writes; reads, read-only scripts and syntax errors are answered at once.
 */
class PauseIT {

    private static ReplicatedRedis redis;
    private static ProxyFixture proxy;

    @BeforeAll
    static void start() throws Exception {
        redis = ProxyEnvironment.redis(0);
        proxy = ProxyFixture.start(redis);
    }

    @AfterAll
    static void stop() {
        ProxyEnvironment.close(null, proxy, redis);
    }

    @AfterEach
    void unpause() throws Exception {
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("CLIENT", "UNPAUSE"));
            c.readReply();
        }
    }

    /** Nothing arrives within {@code millis}: the command waits. */
    private static void waits(RawClient c, long millis) throws IOException {
        c.socket().setSoTimeout((int) millis);
        try {
            String r = c.readReply();
            throw new AssertionError("answered while paused: " + r);
        } catch (SocketTimeoutException expected) {
            // still waiting
        } finally {
            c.socket().setSoTimeout(5000);
        }
    }

    private static String blockedClients(RawClient c) throws IOException {
        c.send(RawClient.command("INFO", "clients"));
        return c.readReply().lines().filter(l -> l.startsWith("blocked_clients:")).findFirst().orElse("");
    }

    @Test
    void writePauseHoldsWritesAndAnswersReads() throws Exception {
        try (RawClient admin = new RawClient(proxy.writePort()); RawClient writer = new RawClient(proxy.writePort())) {
            admin.send(RawClient.command("CLIENT", "PAUSE", "60000", "WRITE"));
            assertEquals("+OK", admin.readReply());
            writer.send(RawClient.command("GET", "p:key") + RawClient.command("PING"));
            assertEquals("(nil)", writer.readReply(), "reads are answered during a WRITE pause");
            assertEquals("+PONG", writer.readReply());
            writer.send(RawClient.command("SET", "p:key"));
            assertEquals("-ERR wrong number of arguments for 'set' command", writer.readReply(),
                    "a syntax error is answered at once");
            writer.send(RawClient.command("SET", "p:key", "v") + RawClient.command("GET", "p:key"));
            waits(writer, 300);
            assertEquals("blocked_clients:1", blockedClients(admin));
            admin.send(RawClient.command("PUBLISH", "p:ch", "m"));
            waits(admin, 200);
            try (RawClient other = new RawClient(proxy.writePort())) {
                other.send(RawClient.command("CLIENT", "UNPAUSE"));
                assertEquals("+OK", other.readReply());
            }
            assertEquals("+OK", writer.readReply(), "the held SET ran, it did not fail");
            assertEquals("v", writer.readReply(), "and the GET behind it after it");
            assertEquals(":0", admin.readReply());
        }
    }

    @Test
    void allPauseEndsOnItsOwnAfterTheTimeout() throws Exception {
        try (RawClient admin = new RawClient(proxy.writePort()); RawClient c = new RawClient(proxy.writePort())) {
            admin.send(RawClient.command("CLIENT", "PAUSE", "400", "ALL"));
            assertEquals("+OK", admin.readReply());
            long start = System.nanoTime();
            c.send(RawClient.command("PING"));
            assertEquals("+PONG", c.readReply());
            long waited = (System.nanoTime() - start) / 1_000_000;
            assertTrue(waited >= 300, "PING waited for the pause to end, " + waited + " ms");
        }
    }

    @Test
    void scriptsWaitUnlessTheyDeclareNoWrites() throws Exception {
        try (RawClient admin = new RawClient(proxy.writePort()); RawClient c = new RawClient(proxy.writePort())) {
            admin.send(RawClient.command("SCRIPT", "LOAD", "#!lua flags=no-writes\nreturn 2"));
            String sha = admin.readReply();
            admin.send(RawClient.command("FUNCTION", "LOAD", "REPLACE", "#!lua name=plib\n"
                    + "redis.register_function{function_name='pro', callback=function() return 'ro' end, flags={'no-writes'}}\n"
                    + "redis.register_function('prw', function() return 'rw' end)"));
            assertEquals("plib", admin.readReply());
            admin.send(RawClient.command("CLIENT", "PAUSE", "60000", "WRITE"));
            assertEquals("+OK", admin.readReply());
            c.send(RawClient.command("EVAL", "#!lua flags=no-writes\nreturn 1", "0"));
            assertEquals(":1", c.readReply());
            c.send(RawClient.command("EVALSHA", sha, "0"));
            assertEquals(":2", c.readReply(), "a script the proxy saw loaded with no-writes");
            c.send(RawClient.command("FCALL", "pro", "0"));
            assertEquals("ro", c.readReply(), "a function the proxy saw registered with no-writes");
            c.send(RawClient.command("MULTI") + RawClient.command("GET", "p:x") + RawClient.command("EXEC"));
            assertEquals("+OK", c.readReply());
            assertEquals("+QUEUED", c.readReply());
            assertEquals("[(nil)]", c.readReply(), "a transaction that only reads runs");
            c.send(RawClient.command("FCALL", "prw", "0"));
            waits(c, 300);
            admin.send(RawClient.command("CLIENT", "UNPAUSE"));
            assertEquals("+OK", admin.readReply());
            assertEquals("rw", c.readReply());
            c.send(RawClient.command("EVAL", "return 3", "0"));
            assertEquals(":3", c.readReply());
        }
    }

    @Test
    void execOfATransactionThatWritesWaits() throws Exception {
        try (RawClient admin = new RawClient(proxy.writePort()); RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("MULTI") + RawClient.command("SET", "p:tx", "1"));
            assertEquals("+OK", c.readReply());
            assertEquals("+QUEUED", c.readReply());
            admin.send(RawClient.command("CLIENT", "PAUSE", "60000", "WRITE"));
            assertEquals("+OK", admin.readReply());
            c.send(RawClient.command("EXEC"));
            waits(c, 300);
            admin.send(RawClient.command("CLIENT", "UNPAUSE"));
            assertEquals("+OK", admin.readReply());
            assertEquals("[+OK]", c.readReply());
        }
    }

    @Test
    void pauseArgumentsAreCheckedAsRedisDoes() throws Exception {
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("CLIENT", "PAUSE", "abc"));
            assertEquals("-ERR timeout is not an integer or out of range", c.readReply());
            c.send(RawClient.command("CLIENT", "PAUSE", "-1"));
            assertEquals("-ERR timeout is negative", c.readReply());
            c.send(RawClient.command("CLIENT", "PAUSE", "10", "SOME"));
            assertEquals("-ERR CLIENT PAUSE mode must be WRITE or ALL", c.readReply());
            c.send(RawClient.command("CLIENT", "PAUSE"));
            assertFalse(c.readReply().startsWith("+"), "CLIENT PAUSE needs a timeout");
            // Inside MULTI it would reach the node at EXEC and pause the node itself.
            c.send(RawClient.command("MULTI") + RawClient.command("CLIENT", "PAUSE", "60000", "WRITE")
                    + RawClient.command("EXEC") + RawClient.command("SET", "p:after", "1"));
            assertEquals("+OK", c.readReply());
            assertEquals("-ERR CLIENT PAUSE inside MULTI is not supported by respproxy (it pauses the proxy's clients, "
                    + "not the node)", c.readReply());
            assertTrue(c.readReply().startsWith("-EXECABORT"));
            assertEquals("+OK", c.readReply(), "neither the proxy nor the node is paused");
        }
    }
}
