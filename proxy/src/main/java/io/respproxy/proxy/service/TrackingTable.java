package io.respproxy.proxy.service;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Which of the proxy's clients may hold which keys in a client-side cache (CLIENT TRACKING), and
 * whom an invalidation from a node concerns. Default-mode clients are remembered per key when
 * they read it (before the read is sent, so no invalidation can slip between the read and the
 * remembering); a key is forgotten once invalidated, as in Redis. Broadcast clients name
 * prefixes and hear of every key under them. Bounded like Redis's {@code tracking-table-max-keys}:
 * past the bound, keys are dropped and their clients told to invalidate them. Thread-safe: clients
 * remember from their loops, invalidations arrive on the listener's.
 */
public final class TrackingTable {

    /** A key as bytes, compared by content. */
    record Key(byte[] bytes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(bytes, k.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }

    /**
     * A broadcast client: its prefixes (an empty one: every key), and whether it hears only the
     * masters (a client that reads from masters; every node applying a write reports it, and it
     * should hear of it once, as from Redis) or every node (one that reads from replicas, which
     * must hear when the replica it reads from has the change).
     */
    private record Broadcast(List<byte[]> prefixes, boolean mastersOnly) {}

    /**
     * Key -> the clients that read it, each with the node whose report of a change concerns it
     * (the node its read went to; {@link #ANY_NODE}: it may read from any). Every node that applies
     * a write reports it: one reader must not be consumed by another node's report, or its next
     * read would be remembered and then forgotten by the late duplicate.
     */
    private final Map<Key, Map<Long, Object>> keys = new ConcurrentHashMap<>();

    /** A reader whose reads may go to any node (the read port): every node's report concerns it. */
    public static final Object ANY_NODE = new Object();

    /**
     * A reader whose read went to {@code node} on a connection the node tracks for the proxy
     * ({@link Tracking#cachingRead}): only the reports of {@code reporter} concern it (the node
     * sends them there as each write runs), not the node's broadcast (which tells of the same
     * change later, in key order), as long as the connection is {@code open}: a closed one
     * reports nothing more.
     */
    public record Via(Object node, Object reporter, java.util.function.BooleanSupplier open) {}
    private final AtomicInteger size = new AtomicInteger();
    private final Map<Long, Broadcast> broadcast = new ConcurrentHashMap<>();
    private volatile int maxKeys;

    /** @param maxKeys keys remembered at most (0: no bound) */
    public TrackingTable(int maxKeys) {
        this.maxKeys = maxKeys;
    }

    /** A new bound; returns the invalidations that keeping it made necessary (client id -> keys dropped). */
    public Map<Long, List<byte[]>> maxKeys(int max) {
        maxKeys = max;
        int over = size.get() - max;
        return max > 0 && over > 0 ? evict(over) : Map.of();
    }

    /** Keys remembered for each client, summed (INFO's tracking_total_items). */
    public long items() {
        long n = 0;
        for (Map<Long, Object> ids : keys.values()) {
            n += ids.size();
        }
        return n;
    }

    /** Distinct broadcast prefixes (INFO's tracking_total_prefixes). */
    public int prefixes() {
        Set<Key> distinct = new java.util.HashSet<>();
        for (Broadcast b : broadcast.values()) {
            for (byte[] p : b.prefixes()) {
                distinct.add(new Key(p));
            }
        }
        return distinct.size();
    }

    /** Keys remembered now. */
    public int size() {
        return size.get();
    }

    /**
     * Client {@code id} read {@code key} and may cache it. Returns the invalidations that keeping
     * the bound made necessary (client id -> keys dropped), usually none.
     */
    public Map<Long, List<byte[]>> remember(long id, byte[] key, Object node) {
        // One atomic step with the key's removal by invalidate(): never added to a set just dropped.
        keys.compute(new Key(key), (k, ids) -> {
            if (ids == null) {
                size.incrementAndGet();
                ids = new ConcurrentHashMap<>();
            }
            ids.put(id, node);
            return ids;
        });
        int max = maxKeys;
        return max > 0 && size.get() > max ? evict(size.get() - max) : Map.of();
    }

    /** Drops {@code n} keys (in no particular order), returning whom to tell. */
    private Map<Long, List<byte[]>> evict(int n) {
        Map<Long, List<byte[]>> out = new HashMap<>();
        Iterator<Map.Entry<Key, Map<Long, Object>>> it = keys.entrySet().iterator();
        while (n > 0 && it.hasNext()) {
            Map.Entry<Key, Map<Long, Object>> e = it.next();
            if (keys.remove(e.getKey(), e.getValue())) {
                size.decrementAndGet();
                n--;
                for (Long id : e.getValue().keySet()) {
                    out.computeIfAbsent(id, i -> new ArrayList<>()).add(e.getKey().bytes());
                }
            }
        }
        return out;
    }

    /** Whether client {@code id} is remembered as having read {@code key} (and not told of a change since). */
    public boolean tracks(long id, byte[] key) {
        Map<Long, Object> ids = keys.get(new Key(key));
        return ids != null && ids.containsKey(id);
    }

    /** Client {@code id} hears of every key under {@code prefixes} from now on (replacing any it had). */
    public void broadcast(long id, List<byte[]> prefixes, boolean mastersOnly) {
        broadcast.put(id, new Broadcast(List.copyOf(prefixes), mastersOnly));
    }

    /** Client {@code id} stopped broadcast tracking (its remembered keys are dropped lazily, as Redis does). */
    public void stopBroadcast(long id) {
        broadcast.remove(id);
    }

    /** Every key is gone (FLUSHALL, or the node's tracking connection lost): nothing remembered. */
    public void clear() {
        keys.clear();
        size.set(0);
    }

    /** As {@link #invalidate(List, Object, boolean, Object)} from a node's broadcast listener. */
    public Map<Long, List<List<byte[]>>> invalidate(List<byte[]> invalidated, Object from, boolean fromMaster) {
        return invalidate(invalidated, from, fromMaster, null);
    }

    /**
     * The node said {@code invalidated} keys changed. Default-mode clients get one message per key
     * they read (the key is forgotten); broadcast clients one message per prefix of theirs that
     * matched, with its keys ({@code from}: the node that reported it; {@code fromMaster}: a
     * master; {@code reporter}: null for the node's broadcast, else what reported the keys read
     * through tracking connections ({@link Via#reporter()}), which concerns no broadcast client).
     * Returns client id -> messages (each a list of keys), in the order of {@code invalidated}.
     */
    public Map<Long, List<List<byte[]>>> invalidate(List<byte[]> invalidated, Object from, boolean fromMaster,
                                                    Object reporter) {
        Map<Long, List<List<byte[]>>> out = new LinkedHashMap<>();
        for (byte[] k : invalidated) {
            List<Long> told = new ArrayList<>(2);
            keys.computeIfPresent(new Key(k), (key, ids) -> {
                ids.entrySet().removeIf(e -> {
                    Object v = e.getValue();
                    boolean concerned = v instanceof Via via
                            ? (reporter == null ? via.node().equals(from) && !via.open().getAsBoolean()
                                    : reporter.equals(via.reporter()))
                            : v == ANY_NODE || v.equals(from);
                    if (concerned) {
                        told.add(e.getKey());
                    }
                    return concerned;
                });
                if (ids.isEmpty()) {
                    size.decrementAndGet();
                    return null;
                }
                return ids;
            });
            for (Long id : told) {
                // A client now in broadcast mode hears of keys through its prefixes only (its
                // reads from before are forgotten, as Redis skips them).
                if (!broadcast.containsKey(id)) {
                    out.computeIfAbsent(id, i -> new ArrayList<>()).add(List.of(k));
                }
            }
        }
        for (Map.Entry<Long, Broadcast> b : reporter != null ? Map.<Long, Broadcast>of().entrySet()
                : broadcast.entrySet()) {
            if (b.getValue().mastersOnly() && !fromMaster) {
                continue;
            }
            for (byte[] prefix : b.getValue().prefixes()) {
                List<byte[]> matched = new ArrayList<>();
                for (byte[] k : invalidated) {
                    if (startsWith(k, prefix)) {
                        matched.add(k);
                    }
                }
                if (!matched.isEmpty()) {
                    out.computeIfAbsent(b.getKey(), i -> new ArrayList<>()).add(matched);
                }
            }
        }
        return out;
    }

    static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }
}
