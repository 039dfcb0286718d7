package io.respproxy.proxy.service;

import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process-wide budget for client buffers, every service together (Redis 7's
 * {@code maxmemory-clients}): what each client holds for itself in the proxy, replies its socket
 * has not taken and commands read but not yet run. Past the budget, the clients holding the most
 * are closed first.
 *
 * <p>A client and its account belong to one event loop, so each loop keeps its own clients and
 * total without locks ({@link Loop}) and publishes the total with one volatile write; the sum of
 * the published totals is the process's. A loop that finds the process over budget closes its own
 * largest clients until its share of the excess is freed (its total over the process's), so loops
 * do not close each other's clients nor free the same excess twice. Accounts are brought up to
 * date when a client's buffers change (cheap: a delta) and recounted exactly every 100 ms and
 * before any eviction.
 */
public final class ClientMemory {

    private static final Logger log = LoggerFactory.getLogger(ClientMemory.class);
    /** How often each loop recounts its clients exactly. */
    static final long SCAN_MILLIS = 100;
    /** A loop's published total is refreshed when its own moved by this much since. */
    private static final long PUBLISH_STEP = 1 << 20;
    /**
     * Under direct-memory pressure only clients holding at least this are closed: the pressure
     * may come from the pools' slack rather than from clients, and closing clients that hold
     * nothing would free nothing.
     */
    static final long PRESSURE_FLOOR = 256 << 10;
    /** Closing clients frees pooled memory only slowly: one pressure eviction per loop per second. */
    private static final long PRESSURE_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** A client as the budget sees it; called on the client's event loop only. */
    public interface Client {
        /** Bytes this client holds in the proxy now. */
        long bufferBytes();

        /** The client as CLIENT LIST shows it, for the log line. */
        String describe();

        /** Closes the client (its buffers are released when the close completes). */
        void evict();

        /**
         * Bytes queued for this client in its loop's {@link SharedFrames}: counted there, once for
         * every client queued on them, not in {@link #bufferBytes}; they rank the client for eviction.
         */
        default long sharedBytes() {
            return 0;
        }

        /** CLIENT NO-EVICT ON: never chosen to be closed (its bytes still count), as in Redis. */
        default boolean noEvict() {
            return false;
        }
    }

    private final long budget;
    /** Direct memory the JVM has reserved now, and past which clients are closed whatever the budget says. */
    private final LongSupplier directUsed;
    private final long directPressure;
    private final long directTarget;
    private final Map<EventLoop, Loop> loops = new ConcurrentHashMap<>();
    /** The loops as an array, for the sums on the data path (no iterator); replaced when one is added. */
    private volatile Loop[] loopArray = new Loop[0];
    private final LongAdder evicted = new LongAdder();

    /**
     * @param budget     bytes for all clients together; 0 disables eviction (accounting still runs)
     * @param directUsed the JVM's direct memory in use now
     * @param directMax  the JVM's direct memory limit: past nine tenths of it the largest clients
     *                   are closed too (to eight tenths), budget or not, since the budget counts
     *                   the clients' frames, not the allocator's slack beside them, and running out
     *                   fails every connection's next read
     */
    public ClientMemory(long budget, LongSupplier directUsed, long directMax) {
        this.budget = budget;
        this.directUsed = directUsed;
        this.directPressure = directMax > 0 ? directMax / 10 * 9 : Long.MAX_VALUE;
        this.directTarget = directMax > 0 ? directMax / 10 * 8 : Long.MAX_VALUE;
    }

    public long budget() {
        return budget;
    }

    /** Bytes all clients hold, as the loops last published (at most 100 ms or 1 MiB behind). */
    public long total() {
        long sum = 0;
        for (Loop l : loopArray) {
            sum += l.published;
        }
        return sum;
    }

    /** Clients closed because the budget was exceeded, since start (INFO's evicted_clients). */
    public long evictedClients() {
        return evicted.sum();
    }

    /** Opens {@code client}'s account on its loop (called on that loop). */
    public Account open(EventLoop loop, Client client) {
        return loop(loop).open(client);
    }

    /** The frames shared by clients of {@code loop} that are behind (called on that loop). */
    public SharedFrames sharedFrames(EventLoop loop) {
        return loop(loop).shared;
    }

    private Loop loop(EventLoop loop) {
        Loop l = loops.get(loop);
        if (l == null) {
            synchronized (loops) { // once per event loop, at its first client
                l = loops.computeIfAbsent(loop, Loop::new);
                loopArray = loops.values().toArray(new Loop[0]);
            }
        }
        return l;
    }

    /** One client's entry in its loop's total. */
    public static final class Account {
        private final Loop loop;
        private final Client client;
        private long reported;
        private int index;
        private boolean closed;

        private Account(Loop loop, Client client, int index) {
            this.loop = loop;
            this.client = client;
            this.index = index;
        }

        /** The client now holds {@code bytes}: its loop's total follows (and may evict). */
        public void update(long bytes) {
            if (!closed && bytes != reported) {
                long delta = bytes - reported;
                reported = bytes;
                loop.changed(delta);
            }
        }

        /** The client is gone. */
        public void close() {
            if (!closed) {
                closed = true;
                loop.remove(this);
            }
        }
    }

    /** The clients of one event loop and their total; touched on that loop only. */
    private final class Loop {
        private final EventLoop eventLoop;
        private final List<Account> accounts = new ArrayList<>();
        /** Frames several of its clients are behind on, counted once in the total. */
        private final SharedFrames shared = new SharedFrames(this::changed);
        /** The sum of every account's last report, and the shared frames' bytes. */
        private long total;
        private volatile long published;
        private long lastEvictionScanNanos;
        private long lastPressureEvictionNanos = System.nanoTime() - PRESSURE_EVERY_NANOS;
        private boolean scanning;

        Loop(EventLoop eventLoop) {
            this.eventLoop = eventLoop;
            eventLoop.scheduleAtFixedRate(this::scan, SCAN_MILLIS, SCAN_MILLIS, TimeUnit.MILLISECONDS);
        }

        Account open(Client client) {
            Account a = new Account(this, client, accounts.size());
            accounts.add(a);
            return a;
        }

        void remove(Account a) {
            Account last = accounts.remove(accounts.size() - 1);
            if (last != a) {
                accounts.set(a.index, last);
                last.index = a.index;
            }
            changed(-a.reported);
        }

        void changed(long delta) {
            total += delta;
            if (delta > 0 && !scanning && ((budget > 0 && total + sumOfOthers() > budget) || pressureDue())) {
                long now = System.nanoTime();
                if (now - lastEvictionScanNanos >= TimeUnit.MILLISECONDS.toNanos(1)) {
                    lastEvictionScanNanos = now;
                    scan();
                    return;
                }
            }
            if (Math.abs(total - published) >= PUBLISH_STEP) {
                published = total;
            }
        }

        /** The direct memory is past nine tenths of its limit and this loop may act on it again. */
        private boolean pressureDue() {
            return System.nanoTime() - lastPressureEvictionNanos >= PRESSURE_EVERY_NANOS
                    && directUsed.getAsLong() > directPressure;
        }

        private long sumOfOthers() {
            long sum = 0;
            for (Loop l : loopArray) {
                if (l != this) {
                    sum += l.published;
                }
            }
            return sum;
        }

        /** Recounts every client exactly, publishes the total, and evicts when over budget. */
        void scan() {
            if (scanning) {
                return;
            }
            scanning = true;
            try {
                long sum = shared.bytes();
                shared.counted();
                for (Account a : accounts) {
                    a.reported = a.client.bufferBytes();
                    sum += a.reported;
                }
                total = sum;
                published = sum;
                long global = sum + sumOfOthers();
                if (budget > 0 && global > budget) {
                    if (!EvictionPlan.takesPart(sum, global, loopArray.length)) {
                        return; // the loops holding more free it
                    }
                    evict(EvictionPlan.share(sum, global, budget), 1, "client buffers " + (global >> 20)
                            + " MiB over max-memory-clients " + (budget >> 20) + " MiB");
                    return;
                }
                if (pressureDue()) {
                    lastPressureEvictionNanos = System.nanoTime();
                    long used = directUsed.getAsLong();
                    evict(EvictionPlan.share(sum, global, global - (used - directTarget)), PRESSURE_FLOOR,
                            "direct memory " + (used >> 20) + " MiB used, past nine tenths of the JVM's");
                }
            } finally {
                scanning = false;
            }
        }

        /**
         * Closes the largest clients holding at least {@code floor} until {@code toFree} bytes are
         * freed; logs {@code why} once when it closes any.
         */
        private void evict(long toFree, long floor, String why) {
            if (toFree <= 0) {
                return;
            }
            long[] sizes = new long[accounts.size()];
            for (int i = 0; i < sizes.length; i++) {
                Account a = accounts.get(i);
                long r = a.reported + a.client.sharedBytes();
                sizes[i] = r >= floor && !a.client.noEvict() ? r : 0;
            }
            List<Account> victims = new ArrayList<>();
            for (int i : EvictionPlan.largestFirst(sizes, toFree)) {
                victims.add(accounts.get(i));
            }
            if (!victims.isEmpty()) {
                log.warn("{}: closing the {} client(s) holding the most on this event loop", why, victims.size());
            }
            for (Account a : victims) {
                log.warn("Evicting client: {}", a.client.describe());
                evicted.increment();
                a.closed = true;
                remove(a);
                a.client.evict();
            }
            published = total;
        }
    }
}
