package io.respproxy.proxy.session;

import io.respproxy.routing.NodeAddress;
import java.util.HashMap;

/**
 * One client's writes that were sent and not yet answered, by node (and, in a cluster, by slot).
 * Redis applies a client's writes in the order it sent them only while they travel one
 * connection: when the master changes with writes in flight, a later write must not reach the new
 * master before an earlier one that is still on the old (it comes back -READONLY and is re-sent).
 * So a write to a node waits while writes it is ordered behind are unanswered on another. Owned by
 * the client's event loop.
 */
final class WriteOrder {

    /**
     * What a write is ordered against: its node and, in a cluster, its key's hash slot (-1 when
     * ordered against every write of the client: the other modes, keyless writes). Writes to
     * different slots of a cluster go to their shards in parallel, as a cluster client sends them;
     * a write waits only behind the same slot's writes still unanswered on another node (the slot
     * moved, or its master changed).
     */
    private record Key(NodeAddress node, int order) {}

    /** Unanswered writes per node and slot; few entries (a pipeline's worth at most). */
    private final HashMap<Key, int[]> inFlight = new HashMap<>(4);
    /** How many nodes have unanswered writes of each order (almost always one): O(1) checks. */
    private final HashMap<Integer, int[]> nodesPerOrder = new HashMap<>(4);
    /** Nodes written to since the last WAIT (cluster mode's WAIT waits on each). */
    private final java.util.LinkedHashSet<NodeAddress> sinceWait = new java.util.LinkedHashSet<>(4);
    /** The write waiting to be sent, until nothing it is ordered behind is unanswered elsewhere; null when none. */
    private Key waitingFor;

    /** A write of {@code order} is about to go to {@code node}: false when it must wait (and the client with it). */
    boolean mayWriteTo(NodeAddress node, int order) {
        if (elsewhere(node, order)) {
            waitingFor = new Key(node, order);
            return false;
        }
        waitingFor = null;
        return true;
    }

    /** A write waits and still may not go. */
    boolean blocking() {
        return waitingFor != null && elsewhere(waitingFor.node, waitingFor.order);
    }

    private boolean elsewhere(NodeAddress node, int order) {
        int[] nodes = nodesPerOrder.get(order);
        if (nodes == null) {
            return false;
        }
        return nodes[0] > 1 || !inFlight.containsKey(new Key(node, order));
    }

    void sent(NodeAddress node, int order) {
        int[] c = inFlight.get(new Key(node, order));
        if (c == null) {
            inFlight.put(new Key(node, order), new int[] {1});
            nodesPerOrder.computeIfAbsent(order, k -> new int[1])[0]++;
        } else {
            c[0]++;
        }
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

    /** More than one write of {@code order} is unanswered on {@code node} (a retry would reorder them). */
    boolean othersInFlight(NodeAddress node, int order) {
        int[] c = inFlight.get(new Key(node, order));
        return c != null && c[0] > 1;
    }

    void answered(NodeAddress node, int order) {
        Key k = new Key(node, order);
        int[] c = inFlight.get(k);
        if (c != null && --c[0] == 0) {
            inFlight.remove(k);
            int[] nodes = nodesPerOrder.get(order);
            if (nodes != null && --nodes[0] == 0) {
                nodesPerOrder.remove(order);
            }
        }
    }

    /** A refused write goes to another node: it is in flight there now. */
    void moved(NodeAddress from, NodeAddress to, int order) {
        answered(from, order);
        sent(to, order);
    }
}
