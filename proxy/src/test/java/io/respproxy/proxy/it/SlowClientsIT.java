package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.proxy.service.ClientMemory;
import io.respproxy.proxy.service.ListenerStats;
import io.respproxy.testkit.ReplicatedRedis;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;

/**
 * Clients that stop reading, beside one that behaves, through a static-mode proxy with default
 * limits: what the stalled ones hold in the proxy, what they cost the well-behaved one, and how
 * they end (output limit by class, the client-buffer budget).
 */
class SlowClientsIT {

    private static final int VALUE = 100 * 1024;
    /** A 1 KB key: a pipeline of GETs of it is more bytes than the sockets' buffers hold. */
    private static final String LONG_KEY = "k".repeat(1024);
    private static ReplicatedRedis redis;
    private static ProxyFixture proxy;

    @BeforeAll
    static void start() throws Exception {
        redis = ProxyEnvironment.redis(0);
        proxy = ProxyFixture.start(redis, "limits.client-output-buffer.pubsub { hard = 1mb, soft = 0 }");
        try (Jedis j = proxy.jedis(proxy.writePort())) {
            j.set("big", "v".repeat(VALUE));
            j.set(LONG_KEY, "m".repeat(4 * 1024));
        }
    }

    @AfterAll
    static void stop() {
        ProxyEnvironment.close(null, proxy, redis);
    }

    /** The most every client together held in the proxy while {@code millis} passed, sampled every 20 ms. */
    static long peakClientBuffers(ClientMemory memory, long millis) throws InterruptedException {
        long peak = 0;
        long end = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < end) {
            peak = Math.max(peak, memory.total());
            Thread.sleep(20);
        }
        return peak;
    }

    @Test
    void clientsThatNeverReadHoldLittleAndDelayNoOne() throws Exception {
        try (SlowClients.WellBehaved good = new SlowClients.WellBehaved(proxy.writePort(), "good:static")) {
            Thread.sleep(300);
            // Each would receive 500 MB; before the backpressure each held up to its 256 MB output
            // limit, and the well-behaved client waited behind their replies on the shared connection.
            List<SlowClients.NeverReads> stalled = SlowClients.pipelinedGets(proxy.writePort(), 20, 5000, "big");
            long peak;
            try {
                peak = peakClientBuffers(proxy.service().clientMemory(), 3000);
            } finally {
                SlowClients.closeAll(stalled);
            }
            good.close();
            assertEquals(List.of(), good.errors());
            assertTrue(good.commands() > 100, "the well-behaved client kept going: " + good.commands() + " commands");
            assertTrue(good.slowestMillis() < SlowClients.STALL_BOUND_MILLIS, "slowest well-behaved SET+GET: " + good.slowest());
            // Each: max-pending-output (256 KB), a 64 KB chunk, its pipeline read ahead (110 KB).
            assertTrue(peak < 20L * (1 << 20), "20 stalled clients held " + (peak >> 10) + " KB in the proxy");
        }
    }

    /**
     * The kernel takes up to 4 MB of replies per connection (net.ipv4.tcp_wmem) before the proxy
     * sees a client fall behind; with {@code limits.tcp-notsent-lowat} (16 KB) it takes that much
     * unsent, and the rest waits in the proxy where the window counts it. What 20 stalled clients
     * pull out of Redis is what every other client's commands queue behind on the shared
     * connection when they all stall at once.
     */
    @Test
    void clientsThatStopReadingPullLittleThroughTheSharedConnection() throws Exception {
        try (Jedis direct = ProxyFixture.direct(redis.master())) {
            long before = netOutputBytes(direct);
            List<SlowClients.NeverReads> stalled = SlowClients.pipelinedGets(proxy.writePort(), 20, 5000, "big");
            long pulled;
            try {
                Thread.sleep(2000);
                pulled = netOutputBytes(direct) - before;
            } finally {
                SlowClients.closeAll(stalled);
            }
            // Each: max-pending-output (256 KB) and what its estimate lets in flight, 16 KB unsent
            // in its socket and 16 KB in its receive buffer: 6 MB for the 20 when measured; with
            // the option at 0 (the kernel's own), 79 MB.
            assertTrue(pulled < 20L * 768 * 1024, "20 stalled clients pulled " + (pulled >> 10) + " KB from Redis");
        }
    }

    private static long netOutputBytes(Jedis direct) {
        String stats = direct.info("stats");
        String line = stats.lines().filter(l -> l.startsWith("total_net_output_bytes:")).findFirst().orElseThrow();
        return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
    }

    /**
     * Jedis's pipelines (and the Tcl suite's deferred clients) write every command before reading
     * any reply: once its replies stand still, the proxy reads the rest of its commands ahead so it
     * can finish writing and read, instead of both waiting for ever.
     */
    @Test
    void aPipelineWrittenWholeBeforeAnyReplyIsReadCompletes() throws Exception {
        // 10 MB of commands and 40 MB of replies: both far past the sockets' buffers.
        int count = 10_000;
        byte[] gets = SlowClients.pipeline(count, "GET", LONG_KEY);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", proxy.writePort()), 5000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            AtomicReference<Throwable> writeFailure = new AtomicReference<>();
            Thread writer = new Thread(() -> {
                try {
                    out.write(gets);
                    out.flush();
                } catch (IOException e) {
                    writeFailure.set(e);
                }
            });
            writer.start();
            writer.join(30_000);
            assertTrue(!writer.isAlive(), "the whole pipeline was written (the proxy read it ahead)");
            assertEquals(null, writeFailure.get());
            InputStream in = new java.io.BufferedInputStream(s.getInputStream());
            byte[] expected = ("$" + 4 * 1024 + "\r\n" + "m".repeat(4 * 1024) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < count; i++) {
                byte[] reply = in.readNBytes(expected.length);
                assertTrue(java.util.Arrays.equals(expected, reply), "reply " + i + " is the value");
            }
        }
    }

    @Test
    void subscribersThatNeverReadAreClosedAtThePubSubLimitAndNoOneElseNotices() throws Exception {
        ListenerStats write = listener("write");
        long closesBefore = write.outputLimitCloses.sum();
        AtomicInteger received = new AtomicInteger();
        JedisPubSub counter = new JedisPubSub() {
            @Override
            public void onMessage(String channel, String message) {
                received.incrementAndGet();
            }
        };
        Jedis reader = proxy.jedis(proxy.writePort());
        Thread subscriber = new Thread(() -> reader.subscribe(counter, "news"));
        subscriber.start();
        List<SlowClients.NeverReads> stalled = SlowClients.stalledSubscribers(proxy.writePort(), 3, "news");
        try (Jedis publisher = proxy.jedis(proxy.writePort());
             SlowClients.WellBehaved good = new SlowClients.WellBehaved(proxy.writePort(), "good:pubsub")) {
            ProxyFixture.await(Duration.ofSeconds(10), "4 subscribers", () -> publisher.pubsubNumSub("news")
                    .getOrDefault("news", 0L) == 4);
            String message = "x".repeat(1024);
            int published = 0;
            long deadline = System.currentTimeMillis() + 30_000;
            while (write.outputLimitCloses.sum() - closesBefore < 3 && System.currentTimeMillis() < deadline) {
                for (int i = 0; i < 100; i++) {
                    assertTrue(publisher.publish("news", message) >= 1, "the reading subscriber is subscribed");
                    published++;
                }
            }
            assertEquals(3, write.outputLimitCloses.sum() - closesBefore, "each stalled subscriber closed at 1 MB");
            for (SlowClients.NeverReads c : stalled) {
                assertTrue(c.closedWithin(5000), "a stalled subscriber's connection is closed");
            }
            int expected = published;
            ProxyFixture.await(Duration.ofSeconds(10), "every message to reach the reading subscriber",
                    () -> received.get() == expected);
            good.close();
            assertEquals(List.of(), good.errors());
            assertTrue(good.slowestMillis() < SlowClients.STALL_BOUND_MILLIS, "slowest well-behaved SET+GET: " + good.slowest());
        } finally {
            counter.unsubscribe();
            subscriber.join(5000);
            reader.close();
            SlowClients.closeAll(stalled);
        }
    }

    /**
     * Stalled subscribers behind on the same messages hold them once: each is still closed at its
     * pub/sub limit (1 MB here, counted in full for each, as Redis counts it), but together they
     * hold about one limit's worth beside what each holds for itself (its 256 KB window), not one
     * per subscriber. Every message differs, so nothing is saved by messages repeating.
     */
    @Test
    void stalledSubscribersHoldTheMessagesTheyAreBehindOnOnce() throws Exception {
        ListenerStats write = listener("write");
        long closesBefore = write.outputLimitCloses.sum();
        int n = 12;
        List<SlowClients.NeverReads> stalled = SlowClients.stalledSubscribers(proxy.writePort(), n, "shared");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread publisher = new Thread(() -> {
            try (Jedis p = proxy.jedis(proxy.writePort())) {
                String fill = "y".repeat(1000);
                for (long i = 0; !stop.get(); i++) {
                    p.publish("shared", i + fill);
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        try (Jedis j = proxy.jedis(proxy.writePort())) {
            ProxyFixture.await(Duration.ofSeconds(10), n + " subscribers", () -> j.pubsubNumSub("shared")
                    .getOrDefault("shared", 0L) == n);
            publisher.start();
            long peak = 0;
            long deadline = System.currentTimeMillis() + 30_000;
            while (write.outputLimitCloses.sum() - closesBefore < n && System.currentTimeMillis() < deadline) {
                peak = Math.max(peak, proxy.service().clientMemory().total());
                Thread.sleep(5);
            }
            assertEquals(n, write.outputLimitCloses.sum() - closesBefore, "each stalled subscriber closed at 1 MB");
            for (SlowClients.NeverReads c : stalled) {
                assertTrue(c.closedWithin(5000), "a stalled subscriber's connection is closed");
            }
            System.out.println(n + " stalled subscribers held at most " + (peak >> 10) + " KB in the proxy");
            // Unshared, the 12 hold 12 MB when they reach their limits together (checked: 12 MB; shared 4.7 MB).
            assertTrue(peak < 8L << 20, n + " stalled subscribers held " + (peak >> 10) + " KB in the proxy");
        } finally {
            stop.set(true);
            publisher.join(5000);
            SlowClients.closeAll(stalled);
        }
        assertEquals(null, failure.get(), "the publisher saw no error");
    }

    /**
     * A 100 MB value for a client that reads it slowly: the proxy holds it for that client alone
     * (one reply in flight: its window is one reply of that size), the shared connection goes on
     * serving the others, and the slow client gets every byte.
     */
    @Test
    void aSlowConsumerOfA100MbValueDelaysNoOneAndGetsItWhole() throws Exception {
        int size = 100 << 20;
        try (Jedis j = proxy.jedis(proxy.writePort())) {
            j.set("huge".getBytes(StandardCharsets.US_ASCII), new byte[size]);
        }
        try (SlowClients.WellBehaved good = new SlowClients.WellBehaved(proxy.writePort(), "good:huge");
             Socket slow = new Socket()) {
            slow.setReceiveBufferSize(16 * 1024);
            slow.connect(new InetSocketAddress("127.0.0.1", proxy.writePort()), 5000);
            slow.setSoTimeout(10_000);
            // Two GETs: the second waits in its socket behind the first's 100 MB until they drain.
            slow.getOutputStream().write(SlowClients.pipeline(2, "GET", "huge"));
            Thread.sleep(1500);
            long held = proxy.service().clientMemory().total();
            assertTrue(held <= size + (4L << 20), "the slow client holds one value, not two: " + (held >> 20) + " MB");
            InputStream in = new java.io.BufferedInputStream(slow.getInputStream(), 1 << 16);
            String header = "$" + size + "\r\n";
            for (int reply = 0; reply < 2; reply++) {
                byte[] head = in.readNBytes(header.length());
                assertEquals(header, new String(head, StandardCharsets.US_ASCII), "reply " + reply);
                long zeros = 0;
                byte[] buf = new byte[1 << 16];
                for (long left = size; left > 0; ) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                    assertTrue(n > 0, "EOF in reply " + reply);
                    for (int i = 0; i < n; i++) {
                        zeros += buf[i] == 0 ? 1 : 0;
                    }
                    left -= n;
                    if (reply == 0 && left > size / 2) {
                        Thread.sleep(1); // a slow reader for the first half of the first value
                    }
                }
                assertEquals(size, zeros, "reply " + reply + " is the value");
                assertEquals("\r\n", new String(in.readNBytes(2), StandardCharsets.US_ASCII));
            }
            good.close();
            assertEquals(List.of(), good.errors());
            assertTrue(good.slowestMillis() < SlowClients.STALL_BOUND_MILLIS, "slowest well-behaved SET+GET: " + good.slowest());
        } finally {
            try (Jedis j = proxy.jedis(proxy.writePort())) {
                j.del("huge");
            }
        }
    }

    /** Past max-memory-clients the clients holding the most are closed; one holding nothing never is. */
    @Test
    void pastTheBudgetTheLargestClientsAreClosed() throws Exception {
        try (ProxyFixture small = ProxyFixture.start(redis, "max-memory-clients = 4mb",
                "limits.max-pending-output = 1mb")) {
            ClientMemory memory = small.service().clientMemory();
            try (SlowClients.WellBehaved good = new SlowClients.WellBehaved(small.writePort(), "good:budget")) {
                List<SlowClients.NeverReads> stalled = SlowClients.pipelinedGets(small.writePort(), 8, 200, "big");
                try {
                    ProxyFixture.await(Duration.ofSeconds(20), "evictions, and the clients within the budget",
                            () -> memory.evictedClients() >= 2 && memory.total() <= 4L << 20);
                    // Two event loops each see the other's total as last published (at most 1 MiB or
                    // 100 ms behind): a client's growth may pass the budget briefly before a loop acts.
                    long peakAfter = peakClientBuffers(memory, 1000);
                    assertTrue(peakAfter <= 6L << 20, "client buffers after the evictions: " + (peakAfter >> 10) + " KB");
                    int closed = 0;
                    for (SlowClients.NeverReads c : stalled) {
                        closed += c.closedWithin(200) ? 1 : 0;
                    }
                    assertEquals(memory.evictedClients(), closed, "the evicted clients are the stalled ones");
                    assertTrue(closed < stalled.size(), "only as many as the budget needs: " + closed);
                } finally {
                    SlowClients.closeAll(stalled);
                }
                good.close();
                assertEquals(List.of(), good.errors());
                try (Jedis j = small.jedis(small.writePort())) {
                    assertTrue(j.info("stats").contains("evicted_clients:" + memory.evictedClients() + "\r\n"),
                            "INFO stats evicted_clients");
                }
            }
        }
    }

    private static ListenerStats listener(String name) {
        for (ListenerStats l : proxy.service().stats().listeners()) {
            if (l.name().equals(name)) {
                return l;
            }
        }
        throw new AssertionError("no listener " + name);
    }
}
