package io.respproxy.sentinel;

import io.respproxy.health.NodeState;
import io.respproxy.health.ReplicationInfo;
import io.respproxy.health.StaticShardBuilder;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.Shard;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Sentinel mode's routing decision, a pure function of what the Sentinels agree on and what the
 * health monitor sees: writes go to the agreed master only when it answers as a master itself
 * (the Sentinels switch before the promoted replica always has), nobody is failing it over, and
 * its role is not in doubt. Reads go to the replicas the Sentinels list as serving that are up,
 * linked to their master and within the lag limits.
 */
final class SentinelShardBuilder {

    private final StaticShardBuilder replicaRule;

    SentinelShardBuilder(StaticShardBuilder replicaRule) {
        this.replicaRule = replicaRule;
    }

    /**
     * @param fenced masters no write may go to now, with why (a failover of them is under way)
     * @param states the health monitor's view, by node
     */
    Shard build(String id, SentinelAgreement agreed, Map<NodeAddress, String> fenced,
                Map<NodeAddress, NodeState> states) {
        NodeAddress candidate = agreed.master();
        NodeState m = candidate == null ? null : states.get(candidate);
        String reason = candidate == null ? agreed.reason() : whyNotWritable(candidate, m, fenced);
        NodeState master = reason == null ? m : null;
        NodeState judgeAgainst = m != null && m.isMaster() ? m : null;
        List<NodeAddress> readable = new ArrayList<>();
        for (NodeAddress r : agreed.replicas()) {
            NodeState s = states.get(r);
            if (s != null && s.isReplica() && !s.roleInDoubt() && replicaRule.replicaEligible(s, judgeAgainst)) {
                readable.add(r);
            }
        }
        return master != null ? Shard.withMaster(id, master.address(), readable)
                : Shard.withoutMaster(id, readable, reason);
    }

    private static String whyNotWritable(NodeAddress candidate, NodeState m, Map<NodeAddress, String> fenced) {
        String why = fenced.get(candidate);
        if (why != null) {
            return why;
        }
        if (m == null || m.notProbed()) {
            return "the Sentinels name " + candidate + " master; it has not been probed yet";
        }
        if (!m.up()) {
            String failure = m.lastFailure() != null ? " (" + m.lastFailure() + ")" : "";
            if (m.replication() == null) {
                // Never reached: most often an address the node announces (NAT, Docker, Kubernetes).
                return "the Sentinels name " + candidate + " master, but the proxy has never reached it" + failure
                        + "; if that is an address the node announces but the proxy cannot reach, map it in "
                        + "this service's nat setting";
            }
            return "the Sentinels name " + candidate + " master, but it is down" + failure;
        }
        if (m.roleInDoubt()) {
            return "the role of " + candidate + " is being checked again (it closed the proxy's connection)";
        }
        if (m.replication() == null || m.replication().role() != ReplicationInfo.Role.MASTER) {
            return "the Sentinels name " + candidate + " master, but it does not say role:master yet";
        }
        return null;
    }
}
