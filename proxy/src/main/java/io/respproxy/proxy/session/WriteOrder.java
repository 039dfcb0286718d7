package io.respproxy.proxy.session;

import io.respproxy.routing.NodeAddress;
import java.util.Arrays;
import java.util.List;

/**
 * One client's writes that were sent and not yet answered, by node (and, in a cluster, by slot).
 * Redis applies a client's writes in the order it sent them only while they travel one
 * connection: when the master changes with writes in flight, a later write must not reach the new
 * master before an earlier one that is still on the old (it comes back -READONLY and is re-sent).
 * So a write to a node waits while writes it is ordered behind are unanswered on another. Owned by
 * the client's event loop.
 */
final class WriteOrder {

    /*
     * What a write is ordered against: its node and, in a cluster, its key's hash slot (-1 when
     * ordered against every write of the client: the other modes, keyless writes). Writes to
     * different slots of a cluster go to their shards in parallel, as a cluster client sends them;
     * a write waits only behind the same slot's writes still unanswered on another node (the slot
     * moved, or its master changed). Counted without boxing (this runs for every write): a node is
     * numbered by its place in nodes, and (number, order) packed into one long.
     */

    /** Unanswered writes per node and order; few entries (a pipeline's worth at most). */
    private final LongCounts inFlight = new LongCounts();
    /** How many nodes have unanswered writes of each order (almost always one): O(1) checks. */
    private final LongCounts nodesPerOrder = new LongCounts();
    /** The nodes with unanswered writes, numbered by their index; forgotten when none is left. */
    private NodeAddress[] nodes = new NodeAddress[4];
    private int nodeCount;
    /** Nodes written to since the last WAIT (cluster mode's WAIT waits on each). */
    private NodeAddress[] sinceWait = new NodeAddress[4];
    private int sinceWaitCount;
    /** The write waiting to be sent, until nothing it is ordered behind is unanswered elsewhere; null when none. */
    private NodeAddress waitingNode;
    private int waitingOrder;

    /** A write of {@code order} is about to go to {@code node}: false when it must wait (and the client with it). */
    boolean mayWriteTo(NodeAddress node, int order) {
        if (elsewhere(node, order)) {
            waitingNode = node;
            waitingOrder = order;
            return false;
        }
        waitingNode = null;
        return true;
    }

    /** A write waits and still may not go. */
    boolean blocking() {
        return waitingNode != null && elsewhere(waitingNode, waitingOrder);
    }

    private boolean elsewhere(NodeAddress node, int order) {
        int onNodes = nodesPerOrder.get(order);
        if (onNodes == 0) {
            return false;
        }
        if (onNodes > 1) {
            return true;
        }
        int id = idOf(node);
        return id < 0 || inFlight.get(key(id, order)) == 0;
    }

    void sent(NodeAddress node, int order) {
        int id = idOf(node);
        if (id < 0) {
            id = addNode(node);
        }
        if (inFlight.increment(key(id, order)) == 1) {
            nodesPerOrder.increment(order);
        }
        wroteTo(node);
    }

    private static long key(int nodeId, int order) {
        return ((long) nodeId << 32) | (order & 0xffffffffL);
    }

    /** The node's number, or -1 when it has nothing unanswered. */
    private int idOf(NodeAddress node) {
        for (int i = 0; i < nodeCount; i++) {
            if (nodes[i] == node || nodes[i].equals(node)) {
                return i;
            }
        }
        return -1;
    }

    private int addNode(NodeAddress node) {
        if (nodeCount == nodes.length) {
            nodes = Arrays.copyOf(nodes, nodeCount * 2);
        }
        nodes[nodeCount] = node;
        return nodeCount++;
    }

    /** A part of a split write (MSET) went to {@code node}: a later WAIT waits there too. */
    void wroteTo(NodeAddress node) {
        for (int k = 0; k < sinceWaitCount; k++) {
            if (sinceWait[k] == node || sinceWait[k].equals(node)) {
                return;
            }
        }
        if (sinceWaitCount == sinceWait.length) {
            sinceWait = Arrays.copyOf(sinceWait, sinceWaitCount * 2);
        }
        sinceWait[sinceWaitCount++] = node;
    }

    /** The nodes written to since the last call: a WAIT is about to wait on them. */
    List<NodeAddress> takeWrittenSinceWait() {
        List<NodeAddress> out = List.of(Arrays.copyOf(sinceWait, sinceWaitCount));
        Arrays.fill(sinceWait, 0, sinceWaitCount, null);
        sinceWaitCount = 0;
        return out;
    }

    /** More than one write of {@code order} is unanswered on {@code node} (a retry would reorder them). */
    boolean othersInFlight(NodeAddress node, int order) {
        int id = idOf(node);
        return id >= 0 && inFlight.get(key(id, order)) > 1;
    }

    void answered(NodeAddress node, int order) {
        int id = idOf(node);
        long k = key(id, order);
        if (id < 0 || inFlight.get(k) == 0) {
            return;
        }
        if (inFlight.decrement(k) == 0) {
            nodesPerOrder.decrement(order);
            if (inFlight.isEmpty()) {
                // Nothing unanswered anywhere: the numbering starts over, so it never outgrows
                // the nodes of one moment (a topology that changes over days adds none).
                Arrays.fill(nodes, 0, nodeCount, null);
                nodeCount = 0;
            }
        }
    }

    /** A refused write goes to another node: it is in flight there now. */
    void moved(NodeAddress from, NodeAddress to, int order) {
        answered(from, order);
        sent(to, order);
    }
}
