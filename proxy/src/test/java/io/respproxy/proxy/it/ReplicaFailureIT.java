package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.testkit.RedisNode;
import io.respproxy.testkit.ReplicatedRedis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.args.ClientType;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.ClientKillParams;

/**
 * A replica that dies stops receiving reads: once the health check has marked it down, reads on
 * the read port see no errors at all; when it comes back it serves again.
 */
class ReplicaFailureIT {

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

    @Test
    void killedReplicaStopsGettingReadsWithoutClientErrors() throws Exception {
        try (Jedis w = proxy.jedis(proxy.writePort())) {
            w.set("f:k", "v");
            assertEquals(2, w.waitReplicas(2, 2000));
        }
        RedisNode victim = redis.replicas().get(0);
        RedisNode survivor = redis.replicas().get(1);

        // Readers running across the kill: count what clients see at the exact moment.
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        List<String> transitionErrors = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> readers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread th = new Thread(() -> {
                Jedis r = new Jedis("127.0.0.1", proxy.readPort(), 3000);
                while (running.get()) {
                    try {
                        if (Objects.equals("v", r.get("f:k"))) {
                            ok.incrementAndGet();
                        } else {
                            transitionErrors.add("wrong value");
                        }
                    } catch (RuntimeException e) {
                        transitionErrors.add(e.getClass().getSimpleName() + ": " + e.getMessage());
                        r.close();
                        r = new Jedis("127.0.0.1", proxy.readPort(), 3000);
                    }
                }
                r.close();
            });
            th.start();
            readers.add(th);
        }
        Thread.sleep(200);
        int beforeKill = ok.get();
        victim.kill();
        ProxyFixture.await(Duration.ofSeconds(10), "the proxy to stop reading from " + victim,
                () -> proxy.readReplicaCount() == 1);
        running.set(false);
        for (Thread th : readers) {
            th.join(10_000);
        }
        System.out.printf("ReplicaFailureIT: %d GETs before the kill, %d OK in total, %d client errors while the "
                + "replica was being marked down: %s%n", beforeKill, ok.get(), transitionErrors.size(),
                transitionErrors.stream().distinct().limit(5).toList());
        assertTrue(ok.get() > beforeKill, "reads went on during the transition");

        // Marked down: not a single error any more, and every read lands on the survivor.
        RoutingIT.calls(survivor, "get");
        long survivorBefore = RoutingIT.calls(survivor, "get");
        int errors = 0;
        try (Jedis r = proxy.jedis(proxy.readPort())) {
            for (int i = 0; i < 1000; i++) {
                try {
                    assertEquals("v", r.get("f:k"));
                } catch (redis.clients.jedis.exceptions.JedisException e) {
                    errors++;
                }
            }
        }
        assertEquals(0, errors, "GET errors after the dead replica was marked down");
        assertEquals(1000, RoutingIT.calls(survivor, "get") - survivorBefore);

        // Back: it serves reads again.
        victim.restart();
        redis.awaitReplicasInSync(Duration.ofSeconds(15));
        ProxyFixture.await(Duration.ofSeconds(10), "the restarted replica to serve reads", () -> proxy.readReplicaCount() == 2);
        try (Jedis d = ProxyFixture.direct(victim)) {
            d.configResetStat();
        }
        try (Jedis r = proxy.jedis(proxy.readPort())) {
            for (int i = 0; i < 100; i++) {
                assertEquals("v", r.get("f:k"));
            }
        }
        assertTrue(RoutingIT.calls(victim, "get") > 0, "the restarted replica gets reads again");
    }

    /** Diagnosis for a hang: what arrives once the client sends a PING (which makes the proxy flush). */
    private static String afterPing(RawClient c) {
        List<String> more = new ArrayList<>();
        try {
            c.send(RawClient.command("PING"));
            c.socket().setSoTimeout(1000);
            for (int i = 0; i < 3; i++) {
                more.add(c.readReply());
            }
        } catch (java.io.IOException e) {
            more.add("(" + e.getClass().getSimpleName() + ")");
        }
        return "after a PING the client got " + more;
    }

    /** Brings a stopped or killed replica back and waits until the proxy reads from both again. */
    private static void restore(RedisNode node, ProxyFixture p) {
        if (node.isPaused()) {
            node.resume();
        }
        if (!node.isRunning()) {
            node.restart();
        }
        redis.awaitReplicasInSync(Duration.ofSeconds(15));
        ProxyFixture.await(Duration.ofSeconds(10), "two read replicas again", () -> p.readReplicaCount() == 2);
    }

    /**
     * A GET already written to a replica that then dies gets an answer at once (the connection
     * closes): not a hang. A read is safe to retry, so the answer should be the value, from
     * another node (DESIGN, data path principle 6).
     */
    @Test
    void readInFlightOnAReplicaThatDiesIsAnsweredNotLeftHanging() throws Exception {
        ProxyFixture.await(Duration.ofSeconds(15), "two read replicas", () -> proxy.readReplicaCount() == 2);
        try (Jedis w = proxy.jedis(proxy.writePort())) {
            w.set("f:inflight", "v");
            assertEquals(2, w.waitReplicas(2, 2000));
        }
        RedisNode victim = redis.replicas().get(0);
        try (RawClient c = new RawClient(proxy.readPort())) {
            // Stop it so the GET is certainly written and unanswered, then kill it: its sockets close.
            victim.pause();
            c.send(RawClient.command("GET", "f:inflight") + RawClient.command("GET", "f:inflight"));
            Thread.sleep(200);
            victim.kill();
            c.socket().setSoTimeout(3000); // command-timeout is 5 s: an answer before it must come from the close
            List<String> replies = new ArrayList<>();
            try {
                replies.add(c.readReply());
                replies.add(c.readReply());
            } catch (java.net.SocketTimeoutException e) {
                throw new AssertionError("no reply 3 s after the replica's connection closed; got only " + replies
                        + "; " + afterPing(c), e);
            }
            assertEquals(List.of("v", "v"), replies, "a read is retried on another node");
        } finally {
            restore(victim, proxy);
        }
    }

    /** Same when the replica just stalls: the command-timeout answers the client, it is not left hanging. */
    @Test
    void readOnAStalledReplicaIsAnsweredAfterTheCommandTimeout() throws Exception {
        try (ProxyFixture quick = ProxyFixture.start(redis, "backend.command-timeout = 1s")) {
            try (Jedis w = quick.jedis(quick.writePort())) {
                w.set("f:stall", "v");
                assertEquals(2, w.waitReplicas(2, 2000));
            }
            RedisNode stalled = redis.replicas().get(1);
            try (RawClient c = new RawClient(quick.readPort())) {
                stalled.pause();
                c.send(RawClient.command("GET", "f:stall") + RawClient.command("GET", "f:stall"));
                c.socket().setSoTimeout(4000);
                List<String> replies = new ArrayList<>();
                try {
                    replies.add(c.readReply());
                    replies.add(c.readReply());
                } catch (java.net.SocketTimeoutException e) {
                    throw new AssertionError("no reply 4 s after a GET to a stalled replica (command-timeout 1 s); got only "
                            + replies + "; " + afterPing(c), e);
                }
                assertEquals(List.of("v", "v"), replies, "a timed-out read is retried on another node");
            } finally {
                restore(stalled, quick);
            }
        }
    }

    /** A stalled (SIGSTOP) replica: reads move away from it once it fails its checks, no errors after. */
    @Test
    void pausedReplicaIsTakenOutOfRotation() throws Exception {
        ProxyFixture.await(Duration.ofSeconds(15), "two read replicas", () -> proxy.readReplicaCount() == 2);
        RedisNode stalled = redis.replicas().get(1);
        stalled.pause();
        try {
            ProxyFixture.await(Duration.ofSeconds(10), "the stalled replica to be marked down", () -> proxy.readReplicaCount() == 1);
            int errors = 0;
            try (Jedis r = proxy.jedis(proxy.readPort())) {
                for (int i = 0; i < 500; i++) {
                    try {
                        r.get("f:k");
                    } catch (redis.clients.jedis.exceptions.JedisException e) {
                        errors++;
                    }
                }
            }
            assertEquals(0, errors);
        } finally {
            stalled.resume();
        }
        ProxyFixture.await(Duration.ofSeconds(10), "the resumed replica back in rotation", () -> proxy.readReplicaCount() == 2);
    }
    /**
     * A replica with {@code replica-serve-stale-data no} answers reads -MASTERDOWN while its link
     * to the master is down (here cut again and again with CLIENT KILL TYPE MASTER, faster than
     * any health check): those reads go to another node and the client sees only values. The
     * replica's own error count proves it did refuse reads meanwhile.
     */
    @Test
    void readsAReplicaRefusesWithMasterdownAreAnsweredByAnotherNode() throws Exception {
        ProxyFixture.await(Duration.ofSeconds(15), "two read replicas", () -> proxy.readReplicaCount() == 2);
        try (Jedis w = proxy.jedis(proxy.writePort())) {
            w.set("f:stale", "v");
            assertEquals(2, w.waitReplicas(2, 2000));
        }
        RedisNode strict = redis.replicas().get(1);
        AtomicBoolean cutting = new AtomicBoolean(true);
        Thread cutter;
        try (Jedis d = ProxyFixture.direct(strict)) {
            d.configSet("replica-serve-stale-data", "no");
            d.configResetStat();
            cutter = new Thread(() -> {
                try (Jedis k = ProxyFixture.direct(strict)) {
                    while (cutting.get()) {
                        k.clientKill(new ClientKillParams().type(ClientType.MASTER));
                        Thread.sleep(5);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            cutter.start();
            int values = 0;
            List<String> errors = new ArrayList<>();
            try (Jedis r = proxy.jedis(proxy.readPort())) {
                long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
                while (System.nanoTime() < until) {
                    try {
                        if ("v".equals(r.get("f:stale"))) {
                            values++;
                        }
                    } catch (JedisDataException e) {
                        errors.add(e.getMessage());
                    }
                }
            } finally {
                cutting.set(false);
                cutter.join(5000);
            }
            String stats = d.info("errorstats");
            d.configSet("replica-serve-stale-data", "yes");
            assertTrue(stats.contains("errorstat_MASTERDOWN:count="), "the replica refused reads meanwhile: " + stats);
            assertEquals(List.of(), errors.stream().distinct().limit(3).toList(), "client errors");
            assertTrue(values > 100, values + " reads answered");
        }
    }
}
