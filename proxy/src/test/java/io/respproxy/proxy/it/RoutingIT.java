package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.testkit.RedisNode;
import io.respproxy.testkit.ReplicatedRedis;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/** Reads land on replicas, writes on the master, proved by each node's own command counters. */
class RoutingIT {

    private static final int N = 400;

    private static ReplicatedRedis redis;
    private static ProxyFixture proxy;

    @BeforeAll
    static void start() throws Exception {
        redis = ProxyEnvironment.redis(2);
        proxy = ProxyFixture.start(redis);
    }

    @AfterAll
    static void stop() {
        ProxyEnvironment.close(null, proxy, redis);
    }

    private static List<RedisNode> nodes() {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(redis.master()), redis.replicas().stream()).toList();
    }

    private static void resetStats() {
        for (RedisNode n : nodes()) {
            try (Jedis d = ProxyFixture.direct(n)) {
                d.configResetStat();
            }
        }
    }

    /** {@code calls} of {@code cmdstat_<cmd>} in the node's INFO commandstats; 0 when absent. */
    static long calls(RedisNode node, String cmd) {
        try (Jedis d = ProxyFixture.direct(node)) {
            for (String line : d.info("commandstats").split("\r\n")) {
                if (line.startsWith("cmdstat_" + cmd + ":")) {
                    String calls = line.substring(line.indexOf("calls=") + 6);
                    return Long.parseLong(calls.substring(0, calls.indexOf(',')));
                }
            }
            return 0;
        }
    }

    private static void seedAndAwaitReplicas(String key, String value) {
        try (Jedis w = proxy.jedis(proxy.writePort())) {
            w.set(key, value);
        }
        for (RedisNode r : redis.replicas()) {
            try (Jedis d = ProxyFixture.direct(r)) {
                ProxyFixture.await(Duration.ofSeconds(5), key + " on " + r, () -> Objects.equals(value, d.get(key)));
            }
        }
    }

    @Test
    void getsOnTheReadPortGoToReplicasOnlyAndSpreadOverBoth() {
        seedAndAwaitReplicas("r:k", "v");
        resetStats();
        try (Jedis r = proxy.jedis(proxy.readPort())) {
            for (int i = 0; i < N; i++) {
                assertEquals("v", r.get("r:k"));
            }
        }
        assertEquals(0, calls(redis.master(), "get"), "GETs on the read port reached the master");
        long r0 = calls(redis.replicas().get(0), "get");
        long r1 = calls(redis.replicas().get(1), "get");
        assertEquals(N, r0 + r1);
        assertTrue(r0 >= N / 4 && r1 >= N / 4, "round-robin over both replicas: " + r0 + " / " + r1);
    }

    @Test
    void pipelinedGetsOnTheAutoPortGoToReplicasAndSetsToTheMaster() {
        seedAndAwaitReplicas("r:auto", "a");
        resetStats();
        try (Jedis a = proxy.jedis(proxy.autoPort())) {
            Pipeline p = a.pipelined();
            for (int i = 0; i < N; i++) {
                p.get("r:auto");
                p.set("r:auto:" + i, "x");
            }
            p.sync();
        }
        assertEquals(0, calls(redis.master(), "get"));
        assertEquals(N, calls(redis.master(), "set"));
        assertEquals(N, calls(redis.replicas().get(0), "get") + calls(redis.replicas().get(1), "get"));
    }

    /**
     * A SCAN cursor means something only to the node that issued it (each seeds its hash function
     * at random): on the read port, whose reads spread over two replicas, each walk stays on one,
     * and returns every key exactly once.
     */
    @Test
    void scanOnTheReadPortReturnsEveryKeyExactlyOnce() {
        int n = 1000;
        String[] kv = new String[2 * n];
        for (int i = 0; i < n; i++) {
            kv[2 * i] = "r:scan:" + i;
            kv[2 * i + 1] = "v";
        }
        try (Jedis w = proxy.jedis(proxy.writePort())) {
            assertEquals("OK", w.mset(kv));
        }
        seedAndAwaitReplicas("r:scan:last", "v"); // replicated in order: the others are there too
        resetStats();
        for (int walk = 0; walk < 4; walk++) {
            try (Jedis r = proxy.jedis(proxy.readPort())) {
                for (int i = 0; i < walk; i++) {
                    r.get("r:scan:0"); // moves the client's read round-robin on: walks start on either replica
                }
                List<String> keys = new java.util.ArrayList<>();
                String cursor = ScanParams.SCAN_POINTER_START;
                do {
                    ScanResult<String> page = r.scan(cursor, new ScanParams().match("r:scan:*").count(20));
                    keys.addAll(page.getResult());
                    cursor = page.getCursor();
                } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
                assertEquals(n + 1, keys.size(), "every key exactly once");
                assertEquals(n + 1, new java.util.HashSet<>(keys).size());
            }
        }
        assertEquals(0, calls(redis.master(), "scan"));
        assertTrue(calls(redis.replicas().get(0), "scan") > 0 && calls(redis.replicas().get(1), "scan") > 0,
                "walks spread over both replicas");
    }

    @Test
    void everythingOnTheWritePortGoesToTheMaster() {
        resetStats();
        try (Jedis w = proxy.jedis(proxy.writePort())) {
            for (int i = 0; i < N; i++) {
                w.set("r:w:" + i, "v");
                assertEquals("v", w.get("r:w:" + i));
            }
        }
        assertEquals(N, calls(redis.master(), "set"));
        assertEquals(N, calls(redis.master(), "get"));
        assertEquals(0, calls(redis.replicas().get(0), "get") + calls(redis.replicas().get(1), "get"));
    }

    @Test
    void writesOnTheReadPortGoToTheMasterByDefault() {
        resetStats();
        try (Jedis r = proxy.jedis(proxy.readPort())) {
            for (int i = 0; i < 50; i++) {
                assertEquals("OK", r.set("r:rw:" + i, "v"));
            }
            assertEquals(50, r.del("r:rw:" + 0, "r:rw:" + 1) + 48);
        }
        assertEquals(50, calls(redis.master(), "set"));
    }

    @Test
    void readPortRejectingWritesAnswersReadonly() throws Exception {
        try (ProxyFixture rejecting = ProxyFixture.start(redis, "read-port.writes = reject");
             RawClient c = new RawClient(rejecting.readPort())) {
            for (String[] cmd : new String[][] {{"SET", "r:ro", "v"}, {"INCR", "r:ro"}, {"DEL", "r:ro"},
                    {"LPUSH", "r:ro", "x"}, {"EXPIRE", "r:ro", "10"}}) {
                c.send(RawClient.command(cmd));
                assertEquals("-READONLY You can't write against a read only replica.", c.readReply(), cmd[0]);
            }
            c.send(RawClient.command("GET", "r:none"));
            assertEquals("(nil)", c.readReply(), "reads still work and the connection stays open");
            try (Jedis w = rejecting.jedis(rejecting.writePort())) {
                assertEquals("OK", w.set("r:ro", "v"));
            }
        }
    }

    /**
     * WAIT counts the replicas that acknowledged this client's writes: with one of two replicas
     * stopped, WAIT 2 must time out and answer 1, as Redis does.
     */
    @Test
    void waitCountsOnlyReplicasThatAcknowledgedThisClientsWrite() {
        RedisNode stopped = redis.replicas().get(1);
        try (Jedis w = proxy.jedis(proxy.writePort())) {
            assertEquals("OK", w.set("r:wait:before", "1"));
            assertEquals(2, w.waitReplicas(2, 2000));
            stopped.pause();
            try {
                assertEquals("OK", w.set("r:wait", "1"));
                assertEquals(1, w.waitReplicas(2, 500), "WAIT 2 500 with one replica stopped");
                assertEquals(1, w.waitReplicas(1, 2000));
            } finally {
                stopped.resume();
            }
        }
        ProxyFixture.await(Duration.ofSeconds(10), "both replicas serving reads again", () -> proxy.readReplicaCount() == 2);
    }
}
