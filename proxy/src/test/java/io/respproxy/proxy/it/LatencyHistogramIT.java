package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.testkit.ReplicatedRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * LATENCY HISTOGRAM through the proxy: per command, the latency its clients saw, in Redis 7's
 * shape, commands the proxy answers itself (CLIENT ID) included, reset by CONFIG RESETSTAT.
 */
class LatencyHistogramIT {

    private static ReplicatedRedis redis;

    @BeforeAll
    static void start() {
        redis = ProxyEnvironment.redis(0);
    }

    @AfterAll
    static void stop() {
        ProxyEnvironment.close(null, null, redis);
    }

    @Test
    void perCommandCallsAndBucketsSinceResetstat() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(redis, "deny-commands = [SHUTDOWN]");
             RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("CONFIG", "RESETSTAT"));
            assertEquals("+OK", c.readReply());
            // Only the RESETSTAT since the reset: counted once answered, as Redis counts it.
            c.send(RawClient.command("LATENCY", "HISTOGRAM"));
            String empty = c.readReply();
            assertTrue(empty.matches("\\[config\\|resetstat, \\[calls, :1, histogram_usec, \\[:\\d+, :1]]]"), empty);
            c.send(RawClient.command("SET", "lh:a", "b") + RawClient.command("SET", "lh:c", "d")
                    + RawClient.command("CLIENT", "ID") + RawClient.command("GET", "lh:a"));
            assertEquals("+OK", c.readReply());
            assertEquals("+OK", c.readReply());
            assertTrue(c.readReply().startsWith(":"));
            assertEquals("b", c.readReply());
            // Named commands and a container's subcommands; a name no command has is skipped.
            c.send(RawClient.command("LATENCY", "HISTOGRAM", "set", "client", "nosuchcommand"));
            String some = c.readReply();
            assertTrue(some.matches("\\[set, \\[calls, :2, histogram_usec, \\[(:\\d+, :[12](, )?)+]], "
                    + "client\\|id, \\[calls, :1, histogram_usec, \\[:\\d+, :1]]]"), some); // in the order asked
            c.send(RawClient.command("HELLO", "3"));
            c.readReply();
            c.send(RawClient.command("LATENCY", "HISTOGRAM", "get"));
            String resp3 = c.readReply();
            assertTrue(resp3.matches("\\{get=\\{calls=:1, histogram_usec=\\{:\\d+=:1}}}"), resp3);
        }
    }
}
