package io.respproxy.proxy.session;

import io.respproxy.routing.NodeAddress;
import java.util.HashMap;

/**
 * One client's writes that were sent and not yet answered, by node. Redis applies a client's
 * writes in the order it sent them only while they travel one connection: when the master
 * changes with writes in flight, a later write must not reach the new master before an earlier
 * one that is still on the old (it comes back -READONLY and is re-sent). So a write to a node
 * waits while writes are unanswered on another. Owned by the client's event loop.
 */
final class WriteOrder {

    /** Unanswered writes per node; almost always one entry (the master) or none. */
    private final HashMap<NodeAddress, int[]> inFlight = new HashMap<>(4);
    /** Nodes written to since the last WAIT (cluster mode's WAIT waits on each). */
    private final java.util.LinkedHashSet<NodeAddress> sinceWait = new java.util.LinkedHashSet<>(4);
    /** The node a write waits to be sent to, until nothing is unanswered elsewhere; null when none waits. */
    private NodeAddress waitingFor;

    /** A write is about to go to {@code node}: false when it must wait (and the client with it). */
    boolean mayWriteTo(NodeAddress node) {
        if (elsewhere(node)) {
            waitingFor = node;
            return false;
        }
        waitingFor = null;
        return true;
    }

    /** A write waits and still may not go. */
    boolean blocking() {
        return waitingFor != null && elsewhere(waitingFor);
    }

    private boolean elsewhere(NodeAddress node) {
        int n = inFlight.size();
        return n > 1 || (n == 1 && !inFlight.containsKey(node));
    }

    void sent(NodeAddress node) {
        inFlight.computeIfAbsent(node, k -> new int[1])[0]++;
        sinceWait.add(node);
    }

    /** A part of a split write (MSET) went to {@code node}: a later WAIT waits there too. */
    void wroteTo(NodeAddress node) {
        sinceWait.add(node);
    }

    /** The nodes written to since the last call: a WAIT is about to wait on them. */
    java.util.List<NodeAddress> takeWrittenSinceWait() {
        java.util.List<NodeAddress> out = java.util.List.copyOf(sinceWait);
        sinceWait.clear();
        return out;
    }

    void answered(NodeAddress node) {
        int[] c = inFlight.get(node);
        if (c != null && --c[0] == 0) {
            inFlight.remove(node);
        }
    }

    /** A refused write goes to another node: it is in flight there now. */
    void moved(NodeAddress from, NodeAddress to) {
        answered(from);
        sent(to);
    }
}
