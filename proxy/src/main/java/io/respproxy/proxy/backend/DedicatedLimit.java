package io.respproxy.proxy.backend;

import io.respproxy.routing.NodeAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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

    /** Dedicated connections to {@code node} open now, idle ones included. */
    public int openTo(NodeAddress node) {
        AtomicInteger n = open.get(node);
        return n == null ? 0 : n.get();
    }
}
