package io.respproxy.proxy.backend;

import io.netty.channel.EventLoop;
import io.respproxy.routing.NodeAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One loop's dedicated connections (MULTI, blocking commands, pub/sub) between sessions: those
 * given back wait idle for the next session of the same key and are closed after
 * {@code dedicated.idle-timeout}, and every dedicated connection is counted against the service's
 * {@link DedicatedLimit} from when it may open until it closes. The {@link BackendPool} of the
 * same loop opens and closes the connections; only that loop's thread touches this.
 */
final class DedicatedPool {

    private final EventLoop loop;
    private final DedicatedLimit limit;
    private final long idleTimeoutNanos;
    /** Dedicated connections nobody holds, oldest first, with when they were given back. */
    private final Map<BackendKey, ArrayDeque<Idle>> idle = new HashMap<>();

    /** @param idleTimeoutNanos an idle connection is closed after this long (zero: never) */
    DedicatedPool(EventLoop loop, DedicatedLimit limit, long idleTimeoutNanos) {
        this.loop = loop;
        this.limit = limit;
        this.idleTimeoutNanos = idleTimeoutNanos;
    }

    DedicatedLimit limit() {
        return limit;
    }

    /** The loop this pool's connections live on: where other loops send {@link #closeOwed}. */
    EventLoop loop() {
        return loop;
    }

    /** The most recently given back usable idle connection for {@code key}; null when there is none. */
    BackendConnection take(BackendKey key) {
        ArrayDeque<Idle> forKey = idle.get(key);
        Idle i;
        while (forKey != null && (i = forKey.pollLast()) != null) {
            limit.idle(key.node(), -1);
            if (!i.conn.isUsable()) {
                continue;
            }
            if (limit.payOwed(key.node())) {
                i.conn.close(); // another loop counted one over the cap on it: closed, not reused
                continue;
            }
            return i.conn;
        }
        return null;
    }

    /** Idle connections for {@code key} in this loop (spares being opened included). */
    int idleCount(BackendKey key) {
        ArrayDeque<Idle> forKey = idle.get(key);
        return forKey == null ? 0 : forKey.size();
    }

    /**
     * Counts one more spare connection to {@code node}, about to be opened: only where the cap
     * leaves room (a spare never closes another connection to make it) and no monitor would see it.
     */
    boolean admitSpare(NodeAddress node) {
        if (limit.anyoneMonitoring()) {
            return false;
        }
        // Idle before open: a loop at the cap that looks between the two must see a connection it
        // can reclaim, not one counted open and not yet idle (it would refuse its client). If the
        // spare then finds no room, a reclaim that counted on it stays owed: the next idle
        // connection to the node is closed instead of reused or pooled, and the count is back.
        limit.idle(node, 1);
        if (limit.tryAcquire(node)) {
            return true;
        }
        limit.idle(node, -1);
        return false;
    }

    /** The spare {@link #admitSpare} counted: idle from now on (already counted as such), unless it failed at once. */
    void addSpare(BackendConnection c) {
        if (c.isUsable()) {
            addIdle(c);
        } else {
            limit.idle(c.key().node(), -1);
        }
    }

    /**
     * Counts one more dedicated connection to {@code node}, about to be opened; false (nothing
     * counted) when the service already holds {@code dedicated.max-per-node} to it, all in use.
     */
    boolean admit(NodeAddress node) {
        // At the cap, idle connections to the node (for another db or protocol, or on another loop) make room.
        return limit.tryAcquire(node)
                || (closeOldestIdle(node) && limit.tryAcquire(node))
                || limit.reclaimIdle(node, this);
    }

    /**
     * A dedicated connection whose state ended cleanly (EXEC, a blocking reply, the last
     * UNSUBSCRIBE) waits for the next stateful session; closed after
     * {@code dedicated.idle-timeout} unused.
     */
    void giveBack(BackendConnection c) {
        if (!c.isUsable()) {
            return;
        }
        if (limit.payOwed(c.key().node())) {
            c.close(); // what a reclaim on another loop is owed: this one closes instead of idling
            return;
        }
        addIdle(c);
        limit.idle(c.key().node(), 1);
    }

    private void addIdle(BackendConnection c) {
        idle.computeIfAbsent(c.key(), k -> new ArrayDeque<>()).add(new Idle(c, System.nanoTime()));
    }

    /** Another loop reclaimed an idle connection to {@code node}: this loop closes one, if it still has one and it is still owed. */
    void closeOwed(NodeAddress node) {
        Idle oldest = oldestIdle(node);
        if (oldest != null && limit.payOwed(node)) {
            oldest.conn.close();
        }
    }

    /** Closes this loop's longest-idle dedicated connection to {@code node}; false when it has none. */
    boolean closeOldestIdle(NodeAddress node) {
        Idle oldest = oldestIdle(node);
        if (oldest == null) {
            return false;
        }
        oldest.conn.close();
        return true;
    }

    private Idle oldestIdle(NodeAddress node) {
        Idle oldest = null;
        for (Map.Entry<BackendKey, ArrayDeque<Idle>> e : idle.entrySet()) {
            Idle head = e.getKey().node().equals(node) ? e.getValue().peekFirst() : null;
            if (head != null && (oldest == null || head.sinceNanos < oldest.sinceNanos)) {
                oldest = head;
            }
        }
        return oldest;
    }

    /** A dedicated connection closed (in use or idle): it no longer counts anywhere. */
    void closed(BackendConnection c) {
        limit.release(c.key().node());
        ArrayDeque<Idle> forKey = idle.get(c.key());
        if (forKey != null && forKey.removeIf(i -> i.conn == c)) {
            limit.idle(c.key().node(), -1);
        }
    }

    /** Closes the connections idle for {@code dedicated.idle-timeout} or longer at {@code now}. */
    void closeExpired(long now) {
        if (idleTimeoutNanos <= 0) {
            return;
        }
        List<BackendConnection> expired = new ArrayList<>();
        for (ArrayDeque<Idle> forKey : idle.values()) {
            for (Idle i : forKey) { // oldest first
                if (now - i.sinceNanos < idleTimeoutNanos) {
                    break;
                }
                expired.add(i.conn);
            }
        }
        expired.forEach(BackendConnection::close);
    }

    private record Idle(BackendConnection conn, long sinceNanos) {}
}
