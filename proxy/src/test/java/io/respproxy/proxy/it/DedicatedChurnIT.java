package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.routing.NodeAddress;
import io.respproxy.testkit.ReplicatedRedis;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * One client's trouble stays with that client (issue 6, items 10 and 11): a client that starts a
 * stateful command (SUBSCRIBE, BLPOP, MULTI, WAIT) and vanishes before its dedicated connection is
 * up, or a data node that closes the proxy's connections while it is alive, is no evidence against
 * the node. Other clients' writes go on without an error and without being held.
 */
class DedicatedChurnIT {

    private static ReplicatedRedis redis;
    private static ProxyFixture proxy;

    @BeforeAll
    static void start() throws Exception {
        redis = ProxyEnvironment.redis(1);
        proxy = ProxyFixture.start(redis);
    }

    @AfterAll
    static void stop() {
        ProxyEnvironment.close(null, proxy, redis);
    }

    @Test
    void clientsThatLeaveBeforeTheirDedicatedConnectionIsUpMarkNoNodeDown() throws Exception {
        String[] commands = {
            RawClient.command("SUBSCRIBE", "churn:ch"),
            RawClient.command("BLPOP", "churn:q", "0"),
            RawClient.command("MULTI"),
            RawClient.command("WAIT", "1", "0"),
        };
        int before = proxy.service().backendConnections();
        try (Watch watch = new Watch()) {
            long writesBefore = watch.writes.get();
            for (int i = 0; i < 1000; i++) {
                for (String c : commands) {
                    try (Socket s = new Socket("127.0.0.1", proxy.writePort())) {
                        s.setSoLinger(true, 0); // a reset: gone at once
                        s.getOutputStream().write(c.getBytes(StandardCharsets.UTF_8));
                        s.getOutputStream().flush();
                    }
                }
                // About 1,000 a second: as hostile as the fuzz in the issue (150 a second), yet the
                // proxy (with PARANOID leak tracking) keeps up on a shared 2-core machine.
                Thread.sleep(1);
            }
            long during = watch.writes.get() - writesBefore;
            watch.check("4,000 clients that sent a stateful command and left at once");
            assertTrue(during > 0, "writes went on during the churn: " + during);
        }
        // Nothing left behind: every dedicated connection of those clients is closed.
        ProxyFixture.await(Duration.ofSeconds(10), "the backend connections to return to " + before,
                () -> proxy.service().backendConnections() <= before + 2);
        // And nothing held against the node: the next client's transaction connects at once (no
        // "cannot connect ... retrying in" from a reconnect backoff fed by the proxy's own cancels).
        for (int i = 0; i < 4; i++) {
            try (RawClient c = new RawClient(proxy.writePort())) {
                c.send(RawClient.command("MULTI") + RawClient.command("INCR", "churn:after") + RawClient.command("EXEC"));
                assertEquals("+OK", c.readReply());
                assertEquals("+QUEUED", c.readReply());
                assertTrue(c.readReply().startsWith("[:"));
            }
        }
    }

    @Test
    void connectionsTheNodeClosesWhileItIsAliveAreAReconnectNotANodeFailure() throws Exception {
        try (Watch watch = new Watch(); Jedis m = ProxyFixture.direct(redis.master())) {
            for (int round = 0; round < 20; round++) {
                // What Sentinel does to a node it reconfigures (CLIENT KILL TYPE normal), aimed at
                // the proxy's data connections only: the health checks are not under test here.
                for (String line : m.clientList().split("\n")) {
                    if (line.contains(" name=respproxy ")) {
                        m.clientKill(new redis.clients.jedis.params.ClientKillParams().id(field(line, "id")));
                    }
                }
                Thread.sleep(50);
            }
            watch.checkNodesOnly("20 rounds of CLIENT KILL of the proxy's connections to the master");
            // Only the writes in flight on a killed connection fail; reconnecting is never refused.
            for (String e : List.copyOf(watch.errors)) {
                assertTrue(e.contains(" lost (") && e.endsWith("; the command may have been applied"), e);
            }
            assertTrue(watch.writes.get() > 100, "writes went on: " + watch.writes.get());
        }
    }

    private static String field(String clientListLine, String name) {
        for (String f : clientListLine.split(" ")) {
            if (f.startsWith(name + "=")) {
                return f.substring(name.length() + 1);
            }
        }
        throw new AssertionError("no " + name + " in " + clientListLine);
    }

    /**
     * Writers on the write port and a watcher of the topology, for the duration of a test: every
     * write's latency and error, and every moment the master was not the one it was at the start.
     */
    private static final class Watch implements AutoCloseable {
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicLong writes = new AtomicLong();
        final AtomicLong longestWriteNanos = new AtomicLong();
        final List<String> errors = Collections.synchronizedList(new ArrayList<>());
        final List<String> topologyChanges = Collections.synchronizedList(new ArrayList<>());
        final AtomicLong maxHeld = new AtomicLong();
        final long holdTimeoutsBefore = proxy.service().stats().holdTimeouts.sum();
        /** Any node marked down (or up) publishes a new snapshot: the version shows it even between samples. */
        final long topologyVersion = settledTopologyVersion();
        final List<Thread> threads = new ArrayList<>();

        Watch() {
            NodeAddress master = proxy.service().topology().primaryShard().master();
            for (int w = 0; w < 3; w++) {
                int writer = w;
                threads.add(start("writer-" + w, () -> {
                    Jedis j = proxy.jedis(proxy.writePort());
                    long n = 0;
                    while (running.get()) {
                        long t0 = System.nanoTime();
                        try {
                            j.set("churn:w" + writer, Long.toString(n++));
                            longestWriteNanos.accumulateAndGet(System.nanoTime() - t0, Math::max);
                            writes.incrementAndGet();
                        } catch (redis.clients.jedis.exceptions.JedisDataException e) {
                            errors.add(e.getMessage());
                        } catch (RuntimeException e) {
                            errors.add(e.getClass().getSimpleName() + ": " + e.getMessage());
                            j.close();
                            j = proxy.jedis(proxy.writePort());
                        }
                    }
                    j.close();
                }));
            }
            // Writing before the test starts: connected, not queued behind the test's own clients.
            ProxyFixture.await(Duration.ofSeconds(10), "the writers to be writing", () -> writes.get() >= 30);
            threads.add(start("topology-watch", () -> {
                while (running.get()) {
                    NodeAddress now = proxy.service().topology().primaryShard().master();
                    if (!master.equals(now)) {
                        topologyChanges.add("master " + now + " at " + System.currentTimeMillis());
                    }
                    maxHeld.accumulateAndGet(proxy.service().stats().heldCommands.get(), Math::max);
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }));
        }

        /**
         * The topology version once it has not changed for a second: the tests share one proxy, and
         * what an earlier test did (20 rounds of CLIENT KILL) can still be settling in the health
         * checks (a replica briefly ineligible right after them was seen once) when the next starts.
         */
        private static long settledTopologyVersion() {
            long[] last = {-1};
            long[] since = {System.nanoTime()};
            ProxyFixture.await(Duration.ofSeconds(20), "the topology to settle", () -> {
                long v = proxy.service().topology().version();
                if (v != last[0]) {
                    last[0] = v;
                    since[0] = System.nanoTime();
                }
                return System.nanoTime() - since[0] > 1_000_000_000L;
            });
            return last[0];
        }

        private static Thread start(String name, Runnable r) {
            Thread t = new Thread(r, "DedicatedChurnIT-" + name);
            t.setDaemon(true);
            t.start();
            return t;
        }

        /** Stops the threads; asserts no node was marked down and no write failed or waited. */
        void check(String what) throws InterruptedException {
            checkNodesOnly(what);
            assertEquals(List.of(), errors, "write errors during " + what);
            long longestMs = longestWriteNanos.get() / 1_000_000;
            System.out.printf("DedicatedChurnIT: %s: %d writes, longest %d ms%n", what, writes.get(), longestMs);
            // No write waited for a master (that ends in -TRYAGAIN at hold-timeout, 10 s). Tighter
            // wall-clock bounds do not hold on a shared 2-core machine: clients, proxy and Redis
            // all run on it, so a storm of connections slows every write for a while.
            assertTrue(longestMs < 10_000, "longest write took " + longestMs + " ms during " + what);
        }

        /** Stops the threads; asserts no node was marked down and nothing was held. */
        void checkNodesOnly(String what) throws InterruptedException {
            stopThreads();
            System.out.printf("DedicatedChurnIT: %s: %d writes, %d write errors %s%n", what, writes.get(), errors.size(),
                    errors.stream().distinct().limit(3).toList());
            assertEquals(List.of(), topologyChanges.stream().limit(5).toList(), "master changes during " + what);
            assertEquals(topologyVersion, proxy.service().topology().version(), "topology changes during " + what);
            assertEquals(0, maxHeld.get(), "commands held during " + what);
            assertEquals(holdTimeoutsBefore, proxy.service().stats().holdTimeouts.sum());
        }

        private void stopThreads() throws InterruptedException {
            running.set(false);
            for (Thread t : threads) {
                t.join(10_000);
                assertTrue(!t.isAlive(), t.getName() + " finished");
            }
        }

        @Override
        public void close() throws InterruptedException {
            stopThreads();
        }
    }
}
