package io.respproxy.proxy.backend;

import io.respproxy.routing.NodeAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code backend.dedicated.max-per-node}: how many dedicated connections (MULTI, blocking
 * commands, subscriptions) one service may hold to one node, over all its event loops. The pools
 * of every loop share one instance; it is touched only when a dedicated connection opens or
 * closes, never per command, so one atomic counter per node costs nothing on the data path.
 */
public final class DedicatedLimit {

    private final int maxPerNode;
    private final Map<NodeAddress, AtomicInteger> open = new ConcurrentHashMap<>();
    /** Of those, idle in some loop's pool. */
    private final Map<NodeAddress, AtomicInteger> idle = new ConcurrentHashMap<>();
    /**
     * Idle connections promised to {@link #reclaimIdle}: counted over the cap until some loop
     * closes one of them. Until then no loop reuses an idle connection to the node; the first to
     * touch one (to reuse it, give it back, or asked to) closes it instead.
     */
    private final Map<NodeAddress, AtomicInteger> owed = new ConcurrentHashMap<>();
    private final List<DedicatedPool> pools = new CopyOnWriteArrayList<>();
    /** Clients of the service in MONITOR mode now. */
    private final AtomicInteger monitors = new AtomicInteger();

    public DedicatedLimit(int maxPerNode) {
        this.maxPerNode = maxPerNode;
    }

    /** Counts one more connection to {@code node}; false (and nothing counted) at the cap. */
    boolean tryAcquire(NodeAddress node) {
        AtomicInteger n = open.computeIfAbsent(node, k -> new AtomicInteger());
        if (n.incrementAndGet() > maxPerNode) {
            n.decrementAndGet();
            return false;
        }
        return true;
    }

    /** A dedicated connection to {@code node} closed. */
    void release(NodeAddress node) {
        open.get(node).decrementAndGet();
    }

    void register(DedicatedPool pool) {
        pools.add(pool);
    }

    /** A connection to {@code node} went idle in a pool ({@code +1}) or left the idle set ({@code -1}). */
    void idle(NodeAddress node, int delta) {
        idle.computeIfAbsent(node, k -> new AtomicInteger()).addAndGet(delta);
    }

    /**
     * At the cap, with no idle connection to {@code node} in the asking loop: when other loops hold
     * one that no earlier reclaim has claimed, one of them is owed (see {@link #owed}), the loops
     * are asked to close it (on their own threads), and one more connection is counted now. The
     * node briefly sees one connection over the cap instead of a client getting an error while
     * connections sit idle. False when nothing unclaimed is idle anywhere.
     */
    boolean reclaimIdle(NodeAddress node, DedicatedPool asking) {
        AtomicInteger n = idle.get(node);
        AtomicInteger o = owed.computeIfAbsent(node, k -> new AtomicInteger());
        int promised;
        do {
            promised = o.get();
            if (n == null || n.get() - promised <= 0) {
                return false; // nothing idle that another reclaim has not already claimed
            }
        } while (!o.compareAndSet(promised, promised + 1));
        for (DedicatedPool p : pools) {
            if (p != asking) {
                p.loop().execute(() -> p.closeOwed(node));
            }
        }
        open.get(node).incrementAndGet();
        return true;
    }

    /**
     * True when a reclaim is still owed an idle connection to {@code node}: the caller, holding
     * one, closes it (and this counts it paid) instead of reusing or pooling it.
     */
    boolean payOwed(NodeAddress node) {
        AtomicInteger o = owed.get(node);
        if (o == null) {
            return false;
        }
        int promised;
        do {
            promised = o.get();
            if (promised == 0) {
                return false;
            }
        } while (!o.compareAndSet(promised, promised - 1));
        return true;
    }

    /**
     * A client of the service entered ({@code +1}) or left ({@code -1}) MONITOR mode. While one
     * is in it, no spare connection is opened: the monitor would see its handshake (CLIENT
     * SETNAME, SELECT) among the commands of clients, where Redis shows only theirs.
     */
    public void monitoring(int delta) {
        monitors.addAndGet(delta);
    }

    boolean anyoneMonitoring() {
        return monitors.get() > 0;
    }

    /** Dedicated connections to {@code node} open now, idle ones included. */
    int openTo(NodeAddress node) {
        AtomicInteger n = open.get(node);
        return n == null ? 0 : n.get();
    }
}
