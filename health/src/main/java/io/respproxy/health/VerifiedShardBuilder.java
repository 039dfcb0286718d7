package io.respproxy.health;

import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.Shard;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The routing decision of a mode where someone else names the master (the Sentinels, the
 * cluster's slot map), a pure function of that word and what the health monitor sees: writes go
 * to the named master only when it answers as a master itself (a deployment switches before the
 * promoted replica always has), nobody is failing it over, and its role is not in doubt. Reads go
 * to the named replicas that are up, linked to their master and within the lag limits (the rule
 * of {@link StaticShardBuilder#replicaEligible}).
 */
public final class VerifiedShardBuilder {

    private final StaticShardBuilder replicaRule;
    /** Who names the master, as the reasons say it: "the Sentinels", "the cluster". */
    private final String namedBy;

    public VerifiedShardBuilder(HealthSettings settings, String namedBy) {
        this.replicaRule = new StaticShardBuilder(settings);
        this.namedBy = namedBy;
    }

    /**
     * @param candidate the named master, or null (then {@code noCandidate} says why)
     * @param replicas  the named replicas that serve, by the namer's word
     * @param fenced    masters no write may go to now, with why (a failover of them is under way)
     * @param states    the health monitor's view, by node
     */
    public Shard build(String id, NodeAddress candidate, String noCandidate, List<NodeAddress> replicas,
                       Map<NodeAddress, String> fenced, Map<NodeAddress, NodeState> states) {
        NodeState m = candidate == null ? null : states.get(candidate);
        String reason = candidate == null ? noCandidate : whyNotWritable(candidate, m, fenced);
        if (reason == null) {
            NodeAddress promoted = promotedFrom(candidate, replicas, states);
            if (promoted != null) {
                reason = promoted + " was promoted from " + candidate + "'s history, which " + namedBy
                        + " have not said yet: writes to " + candidate + " would be discarded";
            }
        }
        NodeState master = reason == null ? m : null;
        NodeState judgeAgainst = m != null && m.isMaster() ? m : null;
        List<NodeAddress> readable = new ArrayList<>();
        for (NodeAddress r : replicas) {
            NodeState s = states.get(r);
            if (s != null && s.isReplica() && !s.roleInDoubt() && replicaRule.replicaEligible(s, judgeAgainst)) {
                readable.add(r);
            }
        }
        return master != null
                ? Shard.withMaster(id, master.address(), readable).withReplicas(replicaRule.replicasInSync(master), replicas.size())
                : Shard.withoutMaster(id, readable, reason);
    }

    /**
     * A named replica of {@code master} that says role:master and continues its history: someone
     * promoted it (a failover the proxy has not heard of: it cannot reach the Sentinels, or they
     * have not told yet). Every write the old master takes from then on will be discarded when it
     * is demoted, whatever replica confirms it. Null when there is none.
     */
    public static NodeAddress promotedFrom(NodeAddress master, List<NodeAddress> replicas,
                                           Map<NodeAddress, NodeState> states) {
        NodeState m = master == null ? null : states.get(master);
        if (m == null || m.replication() == null) {
            return null;
        }
        for (NodeAddress r : replicas) {
            NodeState s = states.get(r);
            if (s != null && s.isMaster() && s.replication() != null && s.replication().continues(m.replication())) {
                return r;
            }
        }
        return null;
    }

    private String whyNotWritable(NodeAddress candidate, NodeState m, Map<NodeAddress, String> fenced) {
        String why = fenced.get(candidate);
        if (why != null) {
            return why;
        }
        String named = namedBy + " name" + (namedBy.endsWith("s") ? " " : "s ") + candidate + " master";
        if (m == null || m.notProbed()) {
            return named + "; it has not been probed yet";
        }
        if (!m.up()) {
            String failure = m.lastFailure() != null ? " (" + m.lastFailure() + ")" : "";
            if (m.replication() == null) {
                // Never reached: most often an address the node announces (NAT, Docker, Kubernetes).
                return named + ", but the proxy has never reached it" + failure
                        + "; if that is an address the node announces but the proxy cannot reach, map it in "
                        + "this service's nat setting";
            }
            return named + ", but it is down" + failure;
        }
        if (m.roleInDoubt()) {
            return "the role of " + candidate + " is being checked again (it closed the proxy's connection)";
        }
        if (m.replication() == null || m.replication().role() != ReplicationInfo.Role.MASTER) {
            return named + ", but it does not say role:master yet";
        }
        return null;
    }
}
