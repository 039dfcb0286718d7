package io.respproxy.health;

import io.respproxy.routing.NodeAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the health monitor believes of one node now: up or down after rise/fall, and the last
 * replication info it answered with (null until it answered once).
 *
 * @param roleInDoubt the node closed the monitor's connection and its role is being checked again:
 *                    a node being reconfigured (Sentinel promoting or demoting it) kills its
 *                    clients, so until the check answers, no write should rely on its old role
 */
public record NodeState(NodeAddress address, boolean up, ReplicationInfo replication, String lastFailure,
                        boolean roleInDoubt) {

    /** The {@code lastFailure} of a node the monitor has not probed yet. */
    public static final String NOT_PROBED = "not probed yet";

    /** True until the first probe of this node has answered or failed. */
    public boolean notProbed() {
        return !up && replication == null && NOT_PROBED.equals(lastFailure);
    }

    public NodeState(NodeAddress address, boolean up, ReplicationInfo replication, String lastFailure) {
        this(address, up, replication, lastFailure, false);
    }

    public boolean isMaster() {
        return up && replication != null && replication.role() == ReplicationInfo.Role.MASTER;
    }

    public boolean isReplica() {
        return up && replication != null && replication.role() == ReplicationInfo.Role.REPLICA;
    }

    /** {@code states} keyed by node (a new, mutable map). */
    public static Map<NodeAddress, NodeState> byAddress(List<NodeState> states) {
        Map<NodeAddress, NodeState> m = new HashMap<>();
        for (NodeState s : states) {
            m.put(s.address(), s);
        }
        return m;
    }

    /** The same node with {@code roleInDoubt} set or cleared. */
    NodeState withRoleInDoubt(boolean doubt) {
        return doubt == roleInDoubt ? this : new NodeState(address, up, replication, lastFailure, doubt);
    }
}
