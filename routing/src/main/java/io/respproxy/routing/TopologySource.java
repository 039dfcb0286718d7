package io.respproxy.routing;

import java.util.function.Consumer;

/**
 * Where a service's routing view comes from: static servers whose roles are probed, Sentinel, or
 * Redis Cluster. A source publishes a new {@link Topology} whenever what it knows changes.
 */
public interface TopologySource extends AutoCloseable {

    /** Starts discovery; {@code listener} receives every new snapshot (on the source's own thread). */
    void start(Consumer<Topology> listener);

    /** The latest snapshot (never null; {@link Topology#unknown} before the first discovery). */
    Topology current();

    /**
     * The data path saw {@code node} fail (connection refused or reset, command timeout): treat it
     * as suspect at once rather than waiting for the next probe. Coalesced; cheap; any thread.
     */
    default void reportFailure(NodeAddress node) {}

    /** The data path saw a redirect or role error: refresh soon. Coalesced; cheap; any thread. */
    default void requestRefresh() {}

    /**
     * Where the proxy reaches {@code announced}, an address a node reported (a redirect's target):
     * the service's {@code nat} map applied. Sources without redirects return it unchanged.
     */
    default NodeAddress reachable(NodeAddress announced) {
        return announced;
    }

    /**
     * The Sentinels this source asks, each with whether it answered the last query (for
     * /topology), in the order they were configured or learned; empty for other sources.
     */
    default java.util.Map<NodeAddress, Boolean> sentinels() {
        return java.util.Map.of();
    }

    /** The service's {@code nat} map, as configured and as applied so far (for /topology). */
    default AddressMap addressMap() {
        return AddressMap.NONE;
    }

    /**
     * A cluster node answered {@code -MOVED slot node}: {@code node} (reachable, mapped) owns
     * {@code slot} now. Cluster sources route the slot there at once and refresh; the others
     * just refresh. Any thread.
     */
    default void reportMoved(int slot, NodeAddress node) {
        requestRefresh();
    }

    /**
     * {@code node} closed or reset a data-path connection but accepts new ones: not a failure, but
     * its role may have just changed (Sentinel kills the clients of a node it reconfigures), so
     * look at it again at once. Any thread.
     */
    default void reportClosedConnection(NodeAddress node) {
        requestRefresh();
    }

    /**
     * {@code node}, published as a master, answered -READONLY to a write: it is a replica now.
     * Stop publishing it as the master until it proves otherwise, and re-learn roles at once.
     * Any thread.
     */
    default void reportReadOnly(NodeAddress node) {
        requestRefresh();
    }

    /**
     * A master that writes no longer go to because a failover of it is under way (Sentinel fences
     * it before a replica is promoted), or null. Read when a snapshot is published: the data path
     * treats it as left at once, so that what it still acknowledges is not passed on as success.
     */
    default NodeAddress leavingMaster() {
        return null;
    }

    /**
     * Moves the master role to a replica without losing a write: holds writes, waits until the
     * replicas have everything the master has, has the deployment fail over, and releases the
     * writes to the verified new master. Only sources that can ask for a failover (Sentinel) do;
     * the others fail the future at once. Any thread.
     *
     * @param timeout how long the whole switchover may take before it is given up (writes resume
     *                on the old master if no failover was started)
     */
    default java.util.concurrent.CompletableFuture<SwitchoverResult> switchover(java.time.Duration timeout) {
        return java.util.concurrent.CompletableFuture.failedFuture(
                new UnsupportedOperationException("switchover needs mode = sentinel"));
    }

    @Override
    void close();
}
