package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.testkit.ReplicatedRedis;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.resps.Slowlog;

/**
 * SLOWLOG and LATENCY HISTOGRAM through the proxy: the clients' commands as they saw them, with
 * their own addresses and names (the node's would show the proxy's connections, and never the
 * commands the proxy answers itself), following CONFIG SET and CONFIG RESETSTAT as Redis does.
 */
class ClientLatencyIT {

    private static ReplicatedRedis redis;

    @BeforeAll
    static void start() {
        redis = ProxyEnvironment.redis(0);
    }

    @AfterAll
    static void stop() {
        ProxyEnvironment.close(null, null, redis);
    }

    private static String clientAddr(Jedis j) {
        String info = j.clientInfo();
        int at = info.indexOf("addr=") + 5;
        return info.substring(at, info.indexOf(' ', at));
    }

    @Test
    void everyCommandWithTheClientsAddressAndNameAtZero() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(redis, "slowlog.log-slower-than = 0");
             Jedis j = proxy.jedis(proxy.writePort())) {
            j.clientSetname("slow-app");
            String addr = clientAddr(j);
            assertEquals("OK", j.slowlogReset());
            j.set("slow:k", "v");
            assertEquals("v", j.get("slow:k"));
            // Newest first; the RESET itself is logged after it emptied the log, as in Redis.
            List<Slowlog> log = j.slowlogGet(3);
            assertEquals(3, log.size());
            assertEquals(List.of("get", "slow:k"), lower(log.get(0).getArgs()));
            assertEquals(List.of("set", "slow:k", "v"), lower(log.get(1).getArgs()));
            assertEquals(List.of("slowlog", "reset"), lower(log.get(2).getArgs()));
            assertEquals(addr, log.get(0).getClientIpPort().toString());
            assertEquals("slow-app", log.get(0).getClientName());
            assertTrue(log.get(0).getId() > log.get(1).getId());
            assertTrue(Math.abs(log.get(0).getTimeStamp() - System.currentTimeMillis() / 1000) <= 5);
            assertEquals(4, j.slowlogLen()); // SLOWLOG GET too, logged once it answered
        }
    }

    private static List<String> lower(List<String> args) {
        return args.stream().map(a -> a.toLowerCase(java.util.Locale.ROOT)).toList();
    }

    @Test
    void onlyCommandsSlowerThanTheThresholdAndConfigSetMovesIt() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(redis, "slowlog.log-slower-than = 50000\ndeny-commands = [SHUTDOWN]");
             Jedis j = proxy.jedis(proxy.writePort())) {
            j.slowlogReset();
            j.set("slow:fast", "1");
            // About 100 ms in the node, measured by the proxy from read to reply.
            String busy = "local t = redis.call('TIME'); local start = t[1] * 1000000 + t[2]; "
                    + "repeat t = redis.call('TIME') until t[1] * 1000000 + t[2] - start > 100000; return 1";
            assertEquals(1L, j.eval(busy, 0));
            List<Slowlog> log = j.slowlogGet();
            assertEquals(1, log.size(), "only the script: " + log);
            assertEquals("eval", log.get(0).getArgs().get(0).toLowerCase(java.util.Locale.ROOT));
            assertTrue(log.get(0).getExecutionTime() >= 100_000, log.get(0).getExecutionTime() + " µs");
            // CONFIG SET through the proxy sets the node's and the proxy's.
            assertEquals("OK", j.configSet("slowlog-log-slower-than", "0"));
            j.set("slow:now", "1");
            assertEquals(List.of("set", "slow:now", "1"), lower(j.slowlogGet(1).get(0).getArgs()));
            assertEquals("OK", j.configSet("slowlog-log-slower-than", "-1"));
            j.slowlogReset();
            j.set("slow:never", "1");
            assertEquals(0, j.slowlogLen());
            assertEquals("OK", j.configSet("slowlog-log-slower-than", "10000"));
        }
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
