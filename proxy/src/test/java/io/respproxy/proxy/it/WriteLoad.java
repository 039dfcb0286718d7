package io.respproxy.proxy.it;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import redis.clients.jedis.Jedis;

/**
 * Clients writing through the proxy across a fault, counted the way a user would count them: each
 * client RPUSHes 1, 2, 3... to a list of its own and remembers which appends were acknowledged,
 * which failed (with the error text) and the longest time one append took. At the end every
 * acknowledged value must be in the list: a later write cannot mask a lost one, because each value
 * is checked on its own.
 */
final class WriteLoad implements AutoCloseable {

    /** One writer's record. Written by its thread, read after {@link #stop()}. */
    static final class Writer {
        final String key;
        final List<Long> acked = new ArrayList<>();
        final List<String> errors = new ArrayList<>();
        long longestNanos;
        long sent;

        Writer(String key) {
            this.key = key;
        }
    }

    private final List<Writer> writers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);

    /** Starts {@code clients} writers on 127.0.0.1:{@code port}, keys {@code prefix}0.. */
    WriteLoad(int port, String prefix, int clients) {
        for (int i = 0; i < clients; i++) {
            Writer w = new Writer(prefix + i);
            writers.add(w);
            Thread t = new Thread(() -> run(port, w), "write-load-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    private void run(int port, Writer w) {
        Jedis j = new Jedis("127.0.0.1", port, 30_000);
        long value = 0;
        while (running.get()) {
            value++;
            w.sent++;
            long start = System.nanoTime();
            try {
                j.rpush(w.key, Long.toString(value));
                w.acked.add(value);
            } catch (RuntimeException e) {
                w.errors.add(value + ": " + e.getMessage());
                j.close();
                j = new Jedis("127.0.0.1", port, 30_000);
            }
            w.longestNanos = Math.max(w.longestNanos, System.nanoTime() - start);
        }
        j.close();
    }

    /** Stops every writer and waits for it (failing if one does not finish). */
    List<Writer> stop() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(40));
            if (t.isAlive()) {
                throw new AssertionError(t.getName() + " did not finish");
            }
        }
        return writers;
    }

    /** Total acknowledged appends so far (approximate while running). */
    long acked() {
        long n = 0;
        for (Writer w : writers) {
            n += w.acked.size();
        }
        return n;
    }

    /** Acknowledged values of {@code w} missing from {@code list} (what the master has now). */
    static List<Long> lost(Writer w, List<String> list) {
        Set<String> present = new HashSet<>(list);
        List<Long> lost = new ArrayList<>();
        for (long v : w.acked) {
            if (!present.contains(Long.toString(v))) {
                lost.add(v);
            }
        }
        return lost;
    }

    /** Values that appear more than once, or out of order, in {@code list} (a command applied twice). */
    static List<String> disorder(List<String> list) {
        List<String> bad = new ArrayList<>();
        long previous = 0;
        for (String s : list) {
            long v = Long.parseLong(s);
            if (v <= previous) {
                bad.add(s);
            }
            previous = v;
        }
        return Collections.unmodifiableList(bad);
    }

    static String errorsOf(List<Writer> ws) {
        StringBuilder sb = new StringBuilder();
        for (Writer w : ws) {
            for (String e : w.errors) {
                sb.append(w.key).append(' ').append(e).append('\n');
            }
        }
        return sb.toString();
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
