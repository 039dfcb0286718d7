package io.respproxy.health;

import io.respproxy.routing.NodeAddress;

/**
 * Sees every {@code INFO replication} answer of a node the health monitor probes (full probes and
 * role checks), each paired with a mark the observer took just before the question was sent:
 * whatever the observer counts (bytes of writes a node acknowledged, say), the answer's offsets
 * can be set against the count as it stood then. Called on the prober's threads; must not block.
 */
public interface ReplicationObserver {

    /** Observes nothing. */
    ReplicationObserver NONE = new ReplicationObserver() {
        @Override
        public long mark(NodeAddress node) {
            return 0;
        }

        @Override
        public void observed(NodeAddress node, ReplicationInfo info, long mark) { }
    };

    /** Taken just before a question is sent to {@code node}. */
    long mark(NodeAddress node);

    /** {@code node} answered {@code info} to the question asked at {@code mark}. */
    void observed(NodeAddress node, ReplicationInfo info, long mark);
}
