package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.testkit.ReplicatedRedis;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * MONITOR through the proxy (when not in {@code deny-commands}): the client sees the node's own
 * stream, the commands every client runs there (through the proxy's shared connections, and
 * scripts' calls), in the node's order, and talks to the node as a monitor does.
 */
class MonitorIT {

    private static ReplicatedRedis redis;
    private static ProxyFixture proxy;

    @BeforeAll
    static void start() throws Exception {
        redis = ProxyEnvironment.redis(1);
        proxy = ProxyFixture.start(redis, "deny-commands = [SHUTDOWN]");
    }

    @AfterAll
    static void stop() {
        ProxyEnvironment.close(null, proxy, redis);
    }

    /**
     * The next monitor line that is not the proxy's own health probe or role check (they run on
     * the node too, every 100 ms, and a MONITOR on the node shows them as it shows any client).
     */
    private static String nextLine(RawClient monitor) throws IOException {
        while (true) {
            String line = monitor.readReply();
            String lower = line.toLowerCase(java.util.Locale.ROOT);
            if (!lower.contains("] \"info\"") && !lower.contains("] \"ping\"")) {
                return line;
            }
        }
    }

    /** The next frame that is not a monitor line: the node's (or the proxy's) answer to the client. */
    private static String answer(RawClient monitor) throws IOException {
        String reply;
        do {
            reply = monitor.readReply();
        } while (reply.startsWith("+") && reply.contains("] \""));
        return reply;
    }

    @Test
    void monitorShowsWhatOtherClientsAndScriptsRunOnTheMaster() throws Exception {
        try (RawClient monitor = new RawClient(proxy.writePort()); Jedis other = proxy.jedis(proxy.writePort())) {
            monitor.send(RawClient.command("MONITOR"));
            assertEquals("+OK", monitor.readReply());
            assertEquals("OK", other.set("mon:foo", "bar"));
            assertEquals("bar", other.get("mon:foo"));
            other.eval("redis.call('set', KEYS[1], ARGV[1])", List.of("mon:lua"), List.of("x"));
            String set = nextLine(monitor);
            assertTrue(set.matches("\\+\\d+\\.\\d+ \\[0 127\\.0\\.0\\.1:\\d+] \"SET\" \"mon:foo\" \"bar\""), set);
            assertTrue(nextLine(monitor).endsWith("\"GET\" \"mon:foo\""));
            assertTrue(nextLine(monitor).contains("\"EVAL\" \"redis.call('set', KEYS[1], ARGV[1])\" \"1\" \"mon:lua\" \"x\""));
            String lua = nextLine(monitor);
            assertTrue(lua.matches("\\+\\d+\\.\\d+ \\[0 lua] \"set\" \"mon:lua\" \"x\""), lua);
        }
    }

    @Test
    void aMonitorTalksToTheNodeAsAMonitorDoesUntilReset() throws Exception {
        try (RawClient monitor = new RawClient(proxy.writePort())) {
            monitor.send(RawClient.command("MONITOR"));
            assertEquals("+OK", monitor.readReply());
            // The node lists it as a monitor, at the address its lines name it by.
            monitor.send(RawClient.command("CLIENT", "INFO"));
            String info = answer(monitor);
            assertTrue(info.contains("flags=O"), "the node lists it as a monitor: " + info);
            java.util.regex.Matcher addr = java.util.regex.Pattern.compile("addr=(\\S+)").matcher(info);
            assertTrue(addr.find(), info);
            // Redis refuses a monitor's keyspace commands; its PING is answered, then shown.
            monitor.send(RawClient.command("GET", "mon:foo"));
            assertEquals("-ERR Replica can't interact with the keyspace", answer(monitor));
            monitor.send(RawClient.command("PING"));
            assertEquals("+PONG", answer(monitor));
            String line;
            List<String> seen = new ArrayList<>();
            do {
                line = monitor.readReply();
                seen.add(line);
            } while (!line.endsWith("[0 " + addr.group(1) + "] \"PING\"") && seen.size() < 100);
            assertTrue(line.endsWith("[0 " + addr.group(1) + "] \"PING\""), "its own PING is in the stream: " + seen);
            // RESET ends it: the proxy answers, the client is an ordinary one again.
            monitor.send(RawClient.command("RESET"));
            assertEquals("+RESET", answer(monitor));
            monitor.send(RawClient.command("SET", "mon:after", "1"));
            assertEquals("+OK", monitor.readReply());
            monitor.send(RawClient.command("CLIENT", "INFO"));
            String after = monitor.readReply();
            assertTrue(after.contains("flags=N"), after);
        }
    }

    @Test
    void theReadPortMonitorsAReplica() throws Exception {
        try (RawClient monitor = new RawClient(proxy.readPort()); Jedis writer = proxy.jedis(proxy.writePort())) {
            monitor.send(RawClient.command("MONITOR"));
            assertEquals("+OK", monitor.readReply());
            monitor.send(RawClient.command("CLIENT", "INFO"));
            String info = answer(monitor);
            int replica = redis.replicas().get(0).port();
            assertTrue(info.contains("laddr=127.0.0.1:" + replica + " "), "monitoring the replica: " + info);
            assertEquals("OK", writer.set("mon:w", "1"));
        }
    }

    @Test
    void denyCommandsRefusesItByDefault() throws Exception {
        try (ProxyFixture defaults = ProxyFixture.start(redis); RawClient c = new RawClient(defaults.writePort())) {
            c.send(RawClient.command("MONITOR"));
            assertEquals("-ERR command 'monitor' is disabled by the proxy (deny-commands)", c.readReply());
            c.send(RawClient.command("PING"));
            assertEquals("+PONG", c.readReply());
        }
    }
}
