package io.respproxy.proxy.it;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import redis.clients.jedis.Jedis;

/**
 * Clients that misbehave the way applications do (a paused pod, a debugger, a consumer that
 * stopped reading) and one that behaves, for the isolation ITs: what a stalled client costs the
 * others is measured from the well-behaved one's side.
 */
final class SlowClients {

    private SlowClients() {}

    /**
     * The well-behaved client's slowest SET+GET the ITs accept. Generous: the proxy runs inside the
     * test JVM with PARANOID leak detection, beside the Redis processes, on a 2-core machine (the
     * bench measures the real figure); without the backpressure it was 12.8 s with 20 stalled
     * clients, and what the stalled clients hold in the proxy is asserted besides.
     */
    static final long STALL_BOUND_MILLIS = 2000;

    /** A socket that writes and never reads; its receive buffer is small, as a stalled reader's fills. */
    static final class NeverReads implements AutoCloseable {
        private final Socket socket = new Socket();
        private final Thread writer;

        /** Connects, then writes {@code bytes} from a thread of its own (the write blocks once the proxy stops reading). */
        NeverReads(int port, byte[] bytes) throws IOException {
            socket.setReceiveBufferSize(16 * 1024);
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            OutputStream out = socket.getOutputStream();
            writer = new Thread(() -> {
                try {
                    out.write(bytes);
                    out.flush();
                } catch (IOException closed) {
                    // closed by the proxy (a limit, the budget) or by close()
                }
            }, "never-reads-" + socket.getLocalPort());
            writer.setDaemon(true);
            writer.start();
        }

        /** True when the proxy closed the connection within {@code millis} (reading what it sent first). */
        boolean closedWithin(long millis) throws IOException {
            return RawClient.closedWithin(socket, socket.getInputStream(), millis);
        }

        @Override
        public void close() throws IOException {
            socket.close();
            try {
                writer.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** {@code count} copies of one command, as one pipeline. */
    static byte[] pipeline(int count, String... command) {
        byte[] one = RawClient.command(command).getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[one.length * count];
        for (int i = 0; i < count; i++) {
            System.arraycopy(one, 0, all, i * one.length, one.length);
        }
        return all;
    }

    /** {@code n} clients that each pipeline {@code count} GETs of {@code key} and never read a reply. */
    static List<NeverReads> pipelinedGets(int port, int n, int count, String key) throws IOException {
        List<NeverReads> clients = new ArrayList<>();
        byte[] gets = pipeline(count, "GET", key);
        for (int i = 0; i < n; i++) {
            clients.add(new NeverReads(port, gets));
        }
        return clients;
    }

    /** {@code n} clients that SUBSCRIBE to {@code channel} and never read. */
    static List<NeverReads> stalledSubscribers(int port, int n, String channel) throws IOException {
        List<NeverReads> clients = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            clients.add(new NeverReads(port, RawClient.command("SUBSCRIBE", channel).getBytes(StandardCharsets.UTF_8)));
        }
        return clients;
    }

    static void closeAll(List<NeverReads> clients) throws IOException {
        for (NeverReads c : clients) {
            c.close();
        }
    }

    /**
     * A client that SETs and GETs its own key in turn every 10 ms, reading each reply: its slowest
     * command, its errors, and any GET that did not read back the value just SET.
     */
    static final class WellBehaved implements AutoCloseable {
        private final Thread thread;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicLong slowestNanos = new AtomicLong();
        private final long startNanos = System.nanoTime();
        private volatile long slowestAtMillis;
        private final AtomicLong commands = new AtomicLong();
        private final List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());

        WellBehaved(int port, String key) {
            thread = new Thread(() -> {
                try (Jedis j = new Jedis("127.0.0.1", port, 10_000)) {
                    for (int i = 0; !stop.get(); i++) {
                        long t0 = System.nanoTime();
                        try {
                            String value = "v" + i;
                            String ok = j.set(key, value);
                            String got = j.get(key);
                            if (!"OK".equals(ok) || !value.equals(got)) {
                                errors.add("SET/GET " + key + " answered " + ok + "/" + got + ", expected OK/" + value);
                            }
                        } catch (RuntimeException e) {
                            errors.add(e.toString());
                        }
                        // Two commands: the slower of the two is at most the pair's time.
                        long took = System.nanoTime() - t0;
                        if (took > slowestNanos.get()) {
                            slowestNanos.set(took);
                            slowestAtMillis = (t0 - startNanos) / 1_000_000;
                        }
                        commands.addAndGet(2);
                        Thread.sleep(10);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "well-behaved-" + key);
            thread.setDaemon(true);
            thread.start();
        }

        long slowestMillis() {
            return slowestNanos.get() / 1_000_000;
        }

        /** The slowest command, and when it started (for a failure message). */
        String slowest() {
            return slowestMillis() + " ms, " + slowestAtMillis + " ms after the client started";
        }

        long commands() {
            return commands.get();
        }

        List<String> errors() {
            return List.copyOf(errors);
        }

        @Override
        public void close() throws InterruptedException {
            if (stop.get()) {
                return;
            }
            stop.set(true);
            thread.join(15_000);
            if (thread.isAlive()) {
                throw new AssertionError("the well-behaved client is stuck in a command");
            }
            System.out.println("well-behaved client " + thread.getName() + ": " + commands() + " commands, slowest "
                    + slowest() + ", errors " + errors.size());
        }
    }
}
