package io.respproxy.health;

import io.respproxy.routing.NodeAddress;

/**
 * What the health monitor believes of one node now: up or down after rise/fall, and the last
 * replication info it answered with (null until it answered once).
 */
public record NodeState(NodeAddress address, boolean up, ReplicationInfo replication, String lastFailure) {

    public boolean isMaster() {
        return up && replication != null && replication.role() == ReplicationInfo.Role.MASTER;
    }

    public boolean isReplica() {
        return up && replication != null && replication.role() == ReplicationInfo.Role.REPLICA;
    }
}
