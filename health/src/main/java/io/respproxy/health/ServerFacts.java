package io.respproxy.health;

/**
 * What the data nodes report about themselves, apart from where the topology comes from: the
 * {@link NodeHealthMonitor} learns it from its probes, whatever the mode.
 */
public interface ServerFacts {

    /** The Redis version the master reports (any node's until a master answered), or null while unknown. */
    String redisVersion();

    /**
     * Every data node's state as the health monitor sees it now (up or down, role, replication
     * facts, last failure), for the admin views; empty when nothing probes the nodes. Any thread.
     */
    default java.util.List<NodeState> nodeStates() {
        return java.util.List.of();
    }

    /** Shows {@code observer} every INFO replication answer from now on (nothing when nothing probes). */
    default void observeReplication(ReplicationObserver observer) { }
}
