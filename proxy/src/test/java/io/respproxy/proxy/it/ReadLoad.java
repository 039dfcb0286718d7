package io.respproxy.proxy.it;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import redis.clients.jedis.Jedis;

/**
 * One client reading through a proxy port until closed (LLEN of one key, one at a time): counts
 * the reads, the errors and the longest time without an answer.
 */
final class ReadLoad implements AutoCloseable {

    private final Thread thread;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<String> errorSamples = Collections.synchronizedList(new ArrayList<>());
    private volatile long reads;
    private volatile long errors;
    private volatile long longestStallMs;

    ReadLoad(int port, String key) {
        thread = new Thread(() -> {
            Jedis j = new Jedis("127.0.0.1", port, 15_000);
            long last = System.nanoTime();
            while (running.get()) {
                try {
                    j.llen(key);
                    reads++;
                    long now = System.nanoTime();
                    longestStallMs = Math.max(longestStallMs, (now - last) / 1_000_000);
                    last = now;
                } catch (RuntimeException e) {
                    errors++;
                    if (errorSamples.size() < 5) {
                        errorSamples.add(e.getClass().getSimpleName() + ": " + e.getMessage());
                    }
                    j.close();
                    j = new Jedis("127.0.0.1", port, 15_000);
                }
            }
            j.close();
        }, "reader-" + port);
        thread.setDaemon(true);
        thread.start();
    }

    long reads() {
        return reads;
    }

    long errors() {
        return errors;
    }

    long longestStallMs() {
        return longestStallMs;
    }

    List<String> errorSamples() {
        return List.copyOf(errorSamples);
    }

    @Override
    public void close() {
        running.set(false);
        try {
            thread.join(20_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while stopping the reader", e);
        }
        if (thread.isAlive()) {
            throw new AssertionError("the reader did not stop within 20 s");
        }
    }

    @Override
    public String toString() {
        return reads + " reads through port, " + errors + " read errors " + errorSamples()
                + ", longest read stall " + longestStallMs + " ms";
    }
}
