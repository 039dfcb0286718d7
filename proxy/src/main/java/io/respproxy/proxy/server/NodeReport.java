package io.respproxy.proxy.server;

import io.respproxy.health.NodeState;
import io.respproxy.health.ReplicationInfo;
import io.respproxy.health.StaticShardBuilder;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.Shard;
import io.respproxy.routing.Topology;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What /topology and /metrics say of one data node: the health monitor's view of it, its
 * replication lag as its master reports it, and whether it serves reads in the routing view
 * (and why not). Computed from one topology snapshot and one set of node states.
 *
 * @param role           master, replica or unknown, as the node last said (kept while it is down)
 * @param master         a replica's master as it names it (reachable form), or null
 * @param linkDownSeconds a replica's seconds without its master link, or -1
 * @param lagSeconds     seconds since the replica's last ack as its master lists it, or -1 when unknown
 * @param lagBytes       replication offset the replica is behind its master, or -1 when unknown
 * @param readEligible   the routing view sends reads to it
 * @param whyNotEligible for a replica that serves no reads, why; null otherwise
 */
record NodeReport(NodeAddress node, boolean up, String role, boolean roleInDoubt, String lastFailure,
                  NodeAddress master, boolean linkUp, long linkDownSeconds, long lagSeconds, long lagBytes,
                  boolean readEligible, String whyNotEligible) {

    boolean isReplica() {
        return "replica".equals(role);
    }

    /** A report for every node of {@code states}, judged against {@code topology} by the replica rule {@code rule}. */
    static List<NodeReport> of(Topology topology, List<NodeState> states, StaticShardBuilder rule) {
        Map<NodeAddress, NodeState> byAddress = NodeState.byAddress(states);
        Set<NodeAddress> readable = new HashSet<>();
        for (Shard sh : topology.shards()) {
            readable.addAll(sh.readReplicas());
        }
        List<NodeReport> out = new ArrayList<>(states.size());
        for (NodeState s : states) {
            out.add(report(s, byAddress, readable, rule));
        }
        return out;
    }

    private static NodeReport report(NodeState s, Map<NodeAddress, NodeState> byAddress, Set<NodeAddress> readable,
                                     StaticShardBuilder rule) {
        ReplicationInfo r = s.replication();
        String role = r == null ? "unknown" : r.role().name().toLowerCase(Locale.ROOT);
        boolean eligible = readable.contains(s.address());
        if (r == null || r.role() != ReplicationInfo.Role.REPLICA) {
            return new NodeReport(s.address(), s.up(), role, s.roleInDoubt(), s.lastFailure(), null, false, -1, -1, -1,
                    eligible, null);
        }
        NodeAddress master = r.masterHost() == null || r.masterPort() <= 0 ? null
                : new NodeAddress(r.masterHost(), r.masterPort());
        NodeState m = master == null ? null : byAddress.get(master);
        long lagSeconds = -1;
        long lagBytes = -1;
        if (m != null && m.replication() != null) {
            ReplicationInfo.ConnectedReplica seen = m.replication().replica(s.address().host(), s.address().port());
            if (seen != null) {
                lagSeconds = seen.lagSeconds();
                lagBytes = Math.max(0, m.replication().offset() - seen.offset());
            }
        }
        String why = null;
        if (!eligible) {
            if (!s.up()) {
                why = "down" + (s.lastFailure() == null ? "" : ": " + s.lastFailure());
            } else if (s.roleInDoubt()) {
                why = "its role is being checked again (it closed the proxy's connection)";
            } else {
                why = rule.whyNotEligible(s, m != null && m.isMaster() ? m : null);
                if (why == null) {
                    why = "not a serving replica in the routing view (its master is not the writable one, or "
                            + "the Sentinels or the cluster do not list it)";
                }
            }
        }
        return new NodeReport(s.address(), s.up(), role, s.roleInDoubt(), s.lastFailure(), master, r.masterLinkUp(),
                r.linkDownSeconds(), lagSeconds, lagBytes, eligible, why);
    }
}
