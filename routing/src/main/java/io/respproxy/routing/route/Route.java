package io.respproxy.routing.route;

import io.respproxy.routing.NodeAddress;
import java.util.List;

/**
 * Where one command goes, as the {@link Router} decided it. The proxy's dispatcher executes it;
 * nothing here does I/O.
 */
public sealed interface Route {

    /**
     * To {@code node} over a shared (multiplexed) connection.
     *
     * @param read the command is read-only: safe to send again elsewhere if the connection dies first
     * @param slot in a cluster, the hash slot of the command's keys (computed once, here: a write
     *             is ordered with the client's other writes of its slot); -1 for a command without
     *             keys and outside a cluster
     */
    record ToNode(NodeAddress node, boolean read, int slot) implements Route {
        public ToNode(NodeAddress node, boolean read) {
            this(node, read, -1);
        }
    }

    /**
     * To {@code node} over a connection of the client's own: MULTI, WATCH, a blocking command, a
     * subscription (the command's shape says which). MULTI in a cluster snapshot: where a
     * transaction without keys runs; the proxy waits for the transaction's first keyed command and
     * pins it to that key's node ({@link Router#transactionNode}).
     */
    record Pinned(NodeAddress node, boolean read) implements Route {}

    /**
     * A multi-key command whose keys live on several nodes: one sub-request per part, replies
     * merged by the command's shape (MGET concatenated in key order, DEL/EXISTS/... summed, MSET
     * all-or-error).
     */
    record Split(List<Part> parts) implements Route {}

    /**
     * One node's share of a {@link Split}.
     *
     * @param keyArgs     argument indexes of this part's keys, ascending (MSET: the value follows each)
     * @param keyOrdinals for each of {@code keyArgs}, its position among the request's keys (for merging)
     */
    record Part(NodeAddress node, boolean read, int[] keyArgs, int[] keyOrdinals) {}

    /** To every node in {@code nodes} (all masters, or all nodes); replies merged by response policy. */
    record FanOut(List<NodeAddress> nodes) implements Route {}

    /**
     * SCAN: to {@code node} with that node's own cursor, {@code at.nodeCursor()}; the cursor in
     * its reply becomes {@link #clientCursor}, so the walk goes on over every shard's node in turn
     * (a static or Sentinel snapshot has one shard).
     *
     * @param at         where the walk is: the shard's ordinal, which of its nodes {@code node} is, its cursor
     * @param shardCount how many shards the walk goes through
     */
    record Scan(NodeAddress node, ScanCursor at, int shardCount) implements Route {

        /** The cursor the client is given when {@code node} answered {@code nodeNext} (unsigned). */
        public long clientCursor(long nodeNext) {
            return ScanCursor.next(at.shard(), at.member(), nodeNext, shardCount);
        }
    }

    /**
     * Sent at once on a connection of its own to each of {@code nodes}, not queued behind other
     * commands (SCRIPT KILL: to the master; in a cluster, to every master, the first success wins).
     */
    record OutOfBand(List<NodeAddress> nodes) implements Route {
        public OutOfBand {
            nodes = List.copyOf(nodes);
        }

        public OutOfBand(NodeAddress node) {
            this(List.of(node));
        }
    }

    /** Answered by the proxy itself. */
    record Local() implements Route {}

    /** Refused: the client gets {@code error} (without the leading '-'); the connection stays open. */
    record Refuse(String error) implements Route {}

    /** No node can take it now (no writable master during a failover): wait for the topology to change. */
    record Hold(String reason) implements Route {}

    Route LOCAL = new Local();
}
