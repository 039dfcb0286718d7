package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.testkit.ReplicatedRedis;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * Malformed and hostile input on a raw socket: protocol errors close the connection (after the
 * replies before them), refused commands leave it open, a client that never reads is cut off.
 */
class ProtocolIT {

    private static ReplicatedRedis redis;
    private static ProxyFixture proxy;

    @BeforeAll
    static void start() throws Exception {
        redis = ProxyEnvironment.redis(1);
        // max-pending-output above the limits, so that a reader that stops is sent past them (by
        // default it is not: its commands wait in its socket once 256 KB are unsent, SlowClientsIT).
        proxy = ProxyFixture.start(redis, """
                limits {
                  max-bulk-length = 200kb
                  max-pending-output = 64mb
                  client-output-buffer { hard = 1mb, soft = 512kb }
                }
                """);
    }

    @AfterAll
    static void stop() {
        ProxyEnvironment.close(null, proxy, redis);
    }

    private static void assertProtocolErrorAndClose(String input, String error) throws Exception {
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(input);
            assertEquals("-ERR Protocol error: " + error, c.readReply(), input);
            assertTrue(c.closedWithin(3000), "the connection closes after a protocol error: " + input);
        }
    }

    @Test
    void malformedFramesAreProtocolErrorsAndClose() throws Exception {
        assertProtocolErrorAndClose("*abc\r\n", "invalid multibulk length");
        assertProtocolErrorAndClose("*1\r\n$abc\r\n", "invalid bulk length");
        assertProtocolErrorAndClose("*1\r\n$-5\r\n", "invalid bulk length");
        assertProtocolErrorAndClose("*2\r\n$3\r\nGET\r\n:1\r\n", "expected '$', got ':'");
        assertProtocolErrorAndClose("SET k \"unbalanced\r\n", "unbalanced quotes in request");
    }

    @Test
    void repliesBeforeTheProtocolErrorAreDelivered() throws Exception {
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("SET", "p:before", "1") + RawClient.command("GET", "p:before") + "*x\r\n"
                    + RawClient.command("SET", "p:after", "never"));
            assertEquals("+OK", c.readReply());
            assertEquals("1", c.readReply());
            assertEquals("-ERR Protocol error: invalid multibulk length", c.readReply());
            assertTrue(c.closedWithin(3000));
        }
        try (Jedis m = ProxyFixture.direct(redis.master())) {
            assertEquals(null, m.get("p:after"), "nothing after a protocol error is executed");
        }
    }

    @Test
    void bulkOverTheConfiguredLimitIsAProtocolErrorWithoutLeaks() throws Exception {
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("SET", "p:ok", "x".repeat(150 * 1024)));
            assertEquals("+OK", c.readReply(), "a bulk under max-bulk-length is fine");
        }
        try (RawClient c = new RawClient(proxy.writePort())) {
            // Header announcing 300 KB, and part of the body: refused at the header.
            c.send("*3\r\n$3\r\nSET\r\n$4\r\np:no\r\n$" + (300 * 1024) + "\r\n" + "y".repeat(64 * 1024));
            assertEquals("-ERR Protocol error: invalid bulk length", c.readReply());
            assertTrue(c.closedWithin(3000));
        }
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send("*1000000000\r\n");
            assertEquals("-ERR Protocol error: invalid multibulk length", c.readReply());
            assertTrue(c.closedWithin(3000));
        }
        try (Jedis m = ProxyFixture.direct(redis.master())) {
            assertEquals(null, m.get("p:no"));
        }
    }

    @Test
    void unknownCommandIsAnErrorAndTheConnectionStaysOpen() throws Exception {
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("foo", "a", "b"));
            assertEquals("-ERR unknown command 'foo', with args beginning with: 'a' 'b' ", c.readReply());
            c.send(RawClient.command("FOOBAR"));
            assertEquals("-ERR unknown command 'FOOBAR', with args beginning with: ", c.readReply());
            c.send(RawClient.command("PING"));
            assertEquals("+PONG", c.readReply());
            c.send(RawClient.command("GET"));
            assertEquals("-ERR wrong number of arguments for 'get' command", c.readReply());
            c.send(RawClient.command("GET", "p:none"));
            assertEquals("(nil)", c.readReply());
        }
    }

    @Test
    void deniedCommandsAreErrorsAndTheConnectionStaysOpen() throws Exception {
        try (RawClient c = new RawClient(proxy.writePort())) {
            for (String[] cmd : new String[][] {{"SHUTDOWN"}, {"shutdown", "nosave"}, {"CONFIG", "SET", "maxmemory", "1"},
                    {"DEBUG", "SLEEP", "0"}, {"REPLICAOF", "NO", "ONE"}, {"MONITOR"}, {"FLUSHALL"}}) {
                if (cmd[0].equals("FLUSHALL")) {
                    continue; // not in the default deny list
                }
                c.send(RawClient.command(cmd));
                String reply = c.readReply();
                assertTrue(reply.startsWith("-ERR") && reply.contains("disabled by the proxy"), String.join(" ", cmd) + " -> " + reply);
                c.send(RawClient.command("PING"));
                assertEquals("+PONG", c.readReply());
            }
            c.send(RawClient.command("CONFIG", "SET", "maxmemory", "1"));
            assertEquals("-ERR command 'config|set' is disabled by the proxy (deny-commands)", c.readReply());
            c.send(RawClient.command("CONFIG", "GET", "maxmemory"));
            assertEquals("[maxmemory, 0]", c.readReply(), "CONFIG GET is not denied");
        }
        assertTrue(redis.master().ping(java.time.Duration.ofSeconds(2)), "the master still runs");
    }

    @Test
    void inlineCommands() throws Exception {
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send("PING\r\n");
            assertEquals("+PONG", c.readReply());
            c.send("SET p:inline \"a b\"\r\nGET p:inline\n");
            assertEquals("+OK", c.readReply());
            assertEquals("a b", c.readReply());
        }
    }

    /**
     * A client that pipelines GETs of a 100 KB value and never reads: once its unsent replies pass
     * client-output-buffer.hard (1 MB) it is disconnected; other clients carry on.
     */
    @Test
    void slowReaderIsDisconnectedAtTheOutputBufferLimit() throws Exception {
        assertSlowReaderDisconnected(proxy, 500);
    }

    /** Over the soft limit (512 KB) for longer than soft-seconds (1 s), under the hard one: disconnected too. */
    @Test
    void slowReaderOverTheSoftLimitForSoftSecondsIsDisconnected() throws Exception {
        try (ProxyFixture soft = ProxyFixture.start(redis, "limits.max-pending-output = 8mb\n"
                + "limits.client-output-buffer { hard = 64mb, soft = 512kb, soft-seconds = 1 }")) {
            // 20 MB of replies: the loopback socket buffers absorb a few MB (like Redis, the proxy
            // counts only what it still holds), the rest stays over 512 KB, under the 64 MB hard limit.
            assertSlowReaderDisconnected(soft, 200);
        }
    }

    private static void assertSlowReaderDisconnected(ProxyFixture p, int count) throws Exception {
        String big = "b".repeat(100 * 1024);
        try (Jedis w = p.jedis(p.writePort())) {
            w.set("p:bigkey", big);
        }
        try (Socket s = new Socket(); Jedis other = p.jedis(p.writePort())) {
            s.setReceiveBufferSize(4096);
            s.connect(new InetSocketAddress("127.0.0.1", p.writePort()));
            byte[] get = RawClient.command("GET", "p:bigkey").getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < count; i++) {
                s.getOutputStream().write(get);
            }
            s.getOutputStream().flush();
            // Not reading. Others are served meanwhile.
            long deadline = System.currentTimeMillis() + 3000;
            while (System.currentTimeMillis() < deadline) {
                assertEquals(big.length(), other.strlen("p:bigkey"));
                Thread.sleep(50);
            }
            // Now read what is there: the connection must have ended before every reply was sent.
            s.setSoTimeout(5000);
            InputStream in = s.getInputStream();
            long received = 0;
            byte[] buf = new byte[65536];
            boolean eof = false;
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    received += n;
                }
                eof = true;
            } catch (java.net.SocketException reset) {
                eof = true;
            } catch (java.net.SocketTimeoutException e) {
                // still open: fails below
            }
            assertTrue(eof, "the slow reader is still connected after receiving " + received + " bytes");
            assertTrue(received < (long) count * big.length(), "it got every reply (" + received + " bytes)");
            assertEquals("PONG", other.ping());
        }
    }
}
