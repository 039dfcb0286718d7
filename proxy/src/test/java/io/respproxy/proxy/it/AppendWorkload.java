package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.testkit.RedisNode;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Clients that each RPUSH 1, 2, 3, ... to their own list through a proxy port and remember which
 * appends were acknowledged; {@link #stopAndVerify} then checks every acknowledged value is in
 * the list on the final master (value by value: a later append cannot hide a lost one).
 */
final class AppendWorkload {

    /**
     * @param acked          acknowledged appends, all clients
     * @param errors         error replies and connection errors the clients saw
     * @param errorSamples   a few distinct error texts
     * @param longestStallMs the longest time a client went without an acknowledgement
     * @param lost           acknowledged appends missing from the final master's lists
     * @param duplicates     values found twice in a list (an append applied twice)
     * @param seconds        how long the clients ran
     * @param maybeApplied   errors saying the command may have been applied (it was in flight)
     * @param lostWindow     when the lost appends were acknowledged (wall clock, to read beside the logs)
     * @param outOfOrder     values found after a larger one in a list (appends applied out of order)
     * @param sent           appends the clients sent, all clients
     * @param connections    connections the clients opened (one each, plus one per reconnect)
     * @param stallsMs       each client's longest stall, by its list's key
     * @param lostBytes      the lost appends' RPUSH requests in bytes (what Redis's replication
     *                       stream carried for them)
     * @param refused        errors saying the command was not run (-TRYAGAIN: held past the hold timeout)
     */
    record Result(long acked, long errors, List<String> errorSamples, long longestStallMs, long lost,
                  long duplicates, double seconds, long maybeApplied, String lostWindow, long outOfOrder,
                  long sent, long connections, java.util.Map<String, Long> stallsMs, long lostBytes, long refused) {

        /** Acknowledged appends per millisecond, over the whole run. */
        double perMs() {
            return acked / (seconds * 1000.0);
        }

        @Override
        public String toString() {
            return String.format("%d acknowledged appends in %.1f s, %d client errors (%d in flight, %d refused) %s, "
                    + "longest stall %d ms, %d acknowledged appends lost%s, %d duplicates, %d out of order", acked,
                    seconds, errors, maybeApplied, refused, errorSamples, longestStallMs, lost, lostWindow, duplicates,
                    outOfOrder);
        }
    }

    private final int port;
    private final String prefix;
    private final List<Writer> writers = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<String> errorSamples = Collections.synchronizedList(new ArrayList<>());
    private long startedAt;
    private long stoppedAt;

    AppendWorkload(int port, int clients, String prefix) {
        this(port, clients, 0, prefix);
    }

    /**
     * @param pipelined how many of the {@code clients} send their appends in pipelines of
     *                  {@link #PIPELINE} (the others send one at a time)
     */
    AppendWorkload(int port, int clients, int pipelined, String prefix) {
        this.port = port;
        this.prefix = prefix;
        for (int i = 0; i < clients; i++) {
            writers.add(new Writer(prefix + i, i < pipelined ? PIPELINE : 1));
        }
    }

    /** Appends per pipeline of a pipelining client. */
    static final int PIPELINE = 8;

    /**
     * {@code clients} clients appending through {@code port} ({@code pipelined} of them in
     * pipelines), started, and a second of acknowledged appends: the run up to a fault.
     */
    static AppendWorkload running(int port, int clients, int pipelined, String prefix) throws InterruptedException {
        AppendWorkload w = new AppendWorkload(port, clients, pipelined, prefix);
        w.start();
        Thread.sleep(1000);
        assertTrue(w.acked() > 0, "appends go through before the fault");
        return w;
    }

    void start() {
        startedAt = System.nanoTime();
        for (Writer w : writers) {
            w.thread.start();
        }
    }

    /** Acknowledged appends so far, all clients. */
    long acked() {
        long n = 0;
        for (Writer w : writers) {
            n += w.ackedCount;
        }
        return n;
    }

    /** Stops the clients (each must finish within 20 s) and checks their lists on {@code master}. */
    Result stopAndVerify(RedisNode master) throws InterruptedException {
        try (Jedis d = ProxyFixture.direct(master)) {
            return stopAndVerify(key -> d.lrange(key, 0, -1));
        }
    }

    /**
     * Stops the clients (each must finish within 20 s), for workloads that must stop together
     * before any is verified (reading the lists back takes a while); {@link #stopAndVerify} does it
     * too. Once only: later calls return at once.
     */
    void stop() throws InterruptedException {
        if (!running.getAndSet(false)) {
            return;
        }
        for (Writer w : writers) {
            w.thread.join(20_000);
            if (w.thread.isAlive()) {
                throw new AssertionError(w.key + "'s client did not stop within 20 s");
            }
        }
        stoppedAt = System.nanoTime();
    }

    /** The keys of the clients' lists. */
    List<String> keys() {
        return writers.stream().map(w -> w.key).toList();
    }

    /**
     * Stops the clients (each must finish within 20 s) and checks their lists as {@code lists}
     * reads them (e.g. each from the master that owns its slot in a cluster).
     */
    Result stopAndVerify(java.util.function.Function<String, List<String>> lists) throws InterruptedException {
        stop();
        double seconds = (stoppedAt - startedAt) / 1e9;
        long acked = 0;
        long errors = 0;
        long stall = 0;
        long lost = 0;
        long duplicates = 0;
        long maybeApplied = 0;
        long refused = 0;
        long outOfOrder = 0;
        long sent = 0;
        long connections = 0;
        long lostBytes = 0;
        long firstLost = Long.MAX_VALUE;
        long lastLost = Long.MIN_VALUE;
        java.util.Map<String, Long> stalls = new java.util.LinkedHashMap<>();
        for (Writer w : writers) {
            stalls.put(w.key, w.longestStallNanos / 1_000_000);
            if (w.longestStallNanos > 500_000_000L) {
                System.out.println(w.key + ": longest stall " + w.longestStallNanos / 1_000_000 + " ms, ended at "
                        + java.time.Instant.ofEpochMilli(w.longestStallEndMillis));
            }
            acked += w.acked.cardinality();
            errors += w.errors;
            maybeApplied += w.maybeApplied;
            refused += w.refused;
            sent += w.sent;
            connections += w.connections;
            stall = Math.max(stall, w.longestStallNanos / 1_000_000);
            BitSet present = new BitSet();
            int previous = 0;
            for (String v : lists.apply(w.key)) {
                int seq = Integer.parseInt(v);
                if (present.get(seq)) {
                    duplicates++;
                }
                if (seq <= previous) {
                    outOfOrder++;
                }
                previous = Math.max(previous, seq);
                present.set(seq);
            }
            BitSet missing = (BitSet) w.acked.clone();
            missing.andNot(present);
            lost += missing.cardinality();
            for (int seq = missing.nextSetBit(0); seq >= 0; seq = missing.nextSetBit(seq + 1)) {
                lostBytes += rpushBytes(w.key, Integer.toString(seq));
                firstLost = Math.min(firstLost, w.ackMillis[seq]);
                lastLost = Math.max(lastLost, w.ackMillis[seq]);
            }
        }
        List<String> samples;
        synchronized (errorSamples) {
            samples = errorSamples.stream().distinct().limit(5).toList();
        }
        String window = lost == 0 ? "" : String.format(" (acknowledged from %s to %s, %d ms)",
                java.time.Instant.ofEpochMilli(firstLost), java.time.Instant.ofEpochMilli(lastLost), lastLost - firstLost);
        return new Result(acked, errors, samples, stall, lost, duplicates, seconds, maybeApplied, window, outOfOrder,
                sent, connections, stalls, lostBytes, refused);
    }

    /** The size of {@code RPUSH key value} in RESP (ASCII key and value). */
    static long rpushBytes(String key, String value) {
        return "*3\r\n".length() + bulkBytes("RPUSH") + bulkBytes(key) + bulkBytes(value);
    }

    private static long bulkBytes(String s) {
        return 1 + Integer.toString(s.length()).length() + 2 + s.length() + 2;
    }

    /** One client: its own connection, list and counters (read by the test thread after join). */
    private final class Writer implements Runnable {
        final String key;
        final Thread thread;
        final BitSet acked = new BitSet();
        /** Wall-clock time of each acknowledgement, by value. */
        long[] ackMillis = new long[1 << 16];
        volatile long ackedCount;
        long errors;
        long maybeApplied;
        long refused;
        long longestStallNanos;
        /** When the longest stall ended (wall clock, to read beside the logs). */
        long longestStallEndMillis;
        long sent;
        long connections;

        final int depth;

        Writer(String key, int depth) {
            this.key = key;
            this.depth = depth;
            this.thread = new Thread(this, "append-" + key);
            this.thread.setDaemon(true); // a failed test must not leave it spinning in a live JVM
        }

        @Override
        public void run() {
            Jedis j = connect();
            long lastAck = System.nanoTime();
            int seq = 0;
            while (running.get()) {
                if (depth > 1) {
                    Jedis before = j;
                    j = pipeline(j, seq);
                    seq += depth;
                    if (j == before) {
                        long now = System.nanoTime();
                        stalled(now - lastAck);
                        lastAck = now;
                    }
                    continue;
                }
                seq++;
                sent++;
                try {
                    j.rpush(key, Integer.toString(seq));
                    ack(seq);
                    long now = System.nanoTime();
                    stalled(now - lastAck);
                    lastAck = now;
                } catch (JedisConnectionException e) {
                    error(e);
                    j.close();
                    j = connect();
                } catch (JedisDataException e) {
                    error(e);
                }
            }
            stalled(System.nanoTime() - lastAck);
            j.close();
        }

        /** The client went {@code nanos} without an acknowledgement, up to now. */
        private void stalled(long nanos) {
            if (nanos > longestStallNanos) {
                longestStallNanos = nanos;
                longestStallEndMillis = System.currentTimeMillis();
            }
        }

        private void ack(int seq) {
            acked.set(seq);
            if (seq >= ackMillis.length) {
                ackMillis = java.util.Arrays.copyOf(ackMillis, ackMillis.length * 2);
            }
            ackMillis[seq] = System.currentTimeMillis();
            ackedCount++;
        }

        /** Appends seq+1 .. seq+depth in one pipeline; returns the connection to go on with. */
        private Jedis pipeline(Jedis j, int seq) {
            List<redis.clients.jedis.Response<Long>> replies = new ArrayList<>(depth);
            try {
                redis.clients.jedis.Pipeline p = j.pipelined();
                for (int k = 1; k <= depth; k++) {
                    sent++;
                    replies.add(p.rpush(key, Integer.toString(seq + k)));
                }
                p.sync();
            } catch (JedisConnectionException e) {
                // Which of the batch were applied is unknown: each unanswered one is an error.
                for (int k = 0; k < depth; k++) {
                    error(e);
                }
                j.close();
                return connect();
            }
            for (int k = 0; k < depth; k++) {
                try {
                    replies.get(k).get();
                    ack(seq + k + 1);
                } catch (JedisDataException e) {
                    error(e);
                }
            }
            return j;
        }

        private void error(RuntimeException e) {
            errors++;
            if (String.valueOf(e.getMessage()).contains("may have been applied")) {
                maybeApplied++;
            } else if (String.valueOf(e.getMessage()).startsWith("TRYAGAIN")) {
                refused++;
            }
            if (errorSamples.size() < 100) {
                errorSamples.add(e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }

        private Jedis connect() {
            connections++;
            // Longer than the proxy's hold-timeout: a held write is answered, not cut by the client.
            return new Jedis("127.0.0.1", port, 15_000);
        }
    }

    @Override
    public String toString() {
        return "AppendWorkload{" + prefix + ", port " + port + "}";
    }
}
