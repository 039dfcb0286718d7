package io.respproxy.proxy.server;

import io.respproxy.routing.AddressMap;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.Shard;
import io.respproxy.routing.Topology;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * /topology for one service, as JSON: its mode and routing view (per shard the writable master or
 * why there is none, the replicas with whether they serve reads and why not, a cluster's slot
 * ranges), every data node's health, and the {@code nat} map with the rewrites it made.
 */
final class TopologyJson {

    private TopologyJson() {}

    /**
     * Appends the service's object.
     *
     * @param ageNanos time since the snapshot was published, or -1 before the first one
     */
    static void append(StringBuilder sb, String mode, Topology t, long ageNanos, List<NodeReport> nodes,
                       AddressMap nat, Map<io.respproxy.routing.NodeAddress, Boolean> sentinels) {
        sb.append('{');
        Json.key(sb, true, "mode");
        Json.str(sb, mode);
        Json.key(sb, false, "version").append(t.version());
        Json.key(sb, false, "age_seconds").append(ageNanos < 0 ? "null" : Json.seconds(ageNanos));
        Json.key(sb, false, "shards").append('[');
        Map<Shard, List<int[]>> slots = t.isCluster() ? slotRanges(t) : Map.of();
        for (int i = 0; i < t.shards().size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            shard(sb, t, t.shards().get(i), slots.get(t.shards().get(i)), nodes);
        }
        sb.append(']');
        Json.key(sb, false, "nodes").append('[');
        List<NodeReport> byAddress = new ArrayList<>(nodes);
        byAddress.sort(java.util.Comparator.comparing((NodeReport n) -> n.node().host())
                .thenComparingInt(n -> n.node().port()));
        for (int i = 0; i < byAddress.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            node(sb, byAddress.get(i));
        }
        sb.append(']');
        Json.key(sb, false, "nat");
        nat(sb, nat);
        if (!sentinels.isEmpty()) {
            // The Sentinels asked (one entry per Sentinel, whatever addresses it is known by).
            Json.key(sb, false, "sentinels").append('[');
            boolean first = true;
            for (Map.Entry<io.respproxy.routing.NodeAddress, Boolean> e : sentinels.entrySet()) {
                sb.append(first ? "{" : ",{");
                first = false;
                Json.key(sb, true, "address");
                Json.str(sb, e.getKey().toString());
                Json.key(sb, false, "answering").append(e.getValue());
                sb.append('}');
            }
            sb.append(']');
        }
        sb.append('}');
    }

    private static void shard(StringBuilder sb, Topology t, Shard s, List<int[]> slots, List<NodeReport> nodes) {
        sb.append('{');
        Json.key(sb, true, "id");
        Json.str(sb, s.id());
        Json.key(sb, false, "master");
        Json.str(sb, s.master() == null ? null : s.master().toString());
        if (s.master() == null) {
            Json.key(sb, false, "no_master_reason");
            Json.str(sb, s.noMasterReason());
        }
        if (t.isCluster()) {
            Json.key(sb, false, "slots").append('[');
            List<int[]> ranges = slots == null ? List.of() : slots;
            for (int i = 0; i < ranges.size(); i++) {
                sb.append(i == 0 ? "[" : ",[").append(ranges.get(i)[0]).append(',').append(ranges.get(i)[1]).append(']');
            }
            sb.append(']');
        }
        Json.key(sb, false, "replicas").append('[');
        boolean first = true;
        for (NodeReport n : nodes) {
            if (!belongsTo(n, s, t)) {
                continue;
            }
            sb.append(first ? "" : ",").append('{');
            first = false;
            Json.key(sb, true, "node");
            Json.str(sb, n.node().toString());
            Json.key(sb, false, "eligible").append(n.readEligible());
            if (!n.readEligible()) {
                Json.key(sb, false, "why");
                Json.str(sb, n.whyNotEligible());
            }
            sb.append('}');
        }
        sb.append("]}");
    }

    /**
     * A replica of {@code s}: it serves the shard's reads, or names the shard's master as its own;
     * in a single-shard view, any node that says role:replica.
     */
    private static boolean belongsTo(NodeReport n, Shard s, Topology t) {
        if (s.readReplicas().contains(n.node())) {
            return true;
        }
        if (!n.isReplica()) {
            return false;
        }
        return !t.isCluster() || (s.master() != null && s.master().equals(n.master()));
    }

    private static void node(StringBuilder sb, NodeReport n) {
        sb.append('{');
        Json.key(sb, true, "node");
        Json.str(sb, n.node().toString());
        Json.key(sb, false, "up").append(n.up());
        Json.key(sb, false, "role");
        Json.str(sb, n.role());
        if (n.roleInDoubt()) {
            Json.key(sb, false, "role_in_doubt").append(true);
        }
        if (n.isReplica()) {
            Json.key(sb, false, "master");
            Json.str(sb, n.master() == null ? null : n.master().toString());
            Json.key(sb, false, "link_up").append(n.linkUp());
            if (n.linkDownSeconds() >= 0) {
                Json.key(sb, false, "link_down_seconds").append(n.linkDownSeconds());
            }
            Json.key(sb, false, "lag_seconds").append(n.lagSeconds() < 0 ? "null" : Long.toString(n.lagSeconds()));
            Json.key(sb, false, "lag_bytes").append(n.lagBytes() < 0 ? "null" : Long.toString(n.lagBytes()));
        }
        Json.key(sb, false, "last_failure");
        Json.str(sb, n.lastFailure());
        sb.append('}');
    }

    private static void nat(StringBuilder sb, AddressMap nat) {
        sb.append('{');
        Json.key(sb, true, "exact").append('{');
        boolean first = true;
        for (Map.Entry<NodeAddress, NodeAddress> e : sorted(nat.exactEntries())) {
            Json.key(sb, first, e.getKey().toString());
            Json.str(sb, e.getValue().toString());
            first = false;
        }
        sb.append('}');
        Json.key(sb, false, "hosts").append('{');
        first = true;
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(nat.hostEntries()).entrySet()) {
            Json.key(sb, first, e.getKey());
            Json.str(sb, e.getValue());
            first = false;
        }
        sb.append('}');
        Json.key(sb, false, "applied").append('{');
        first = true;
        for (Map.Entry<NodeAddress, NodeAddress> e : sorted(nat.applied())) {
            Json.key(sb, first, e.getKey().toString());
            Json.str(sb, e.getValue().toString());
            first = false;
        }
        sb.append("}}");
    }

    private static List<Map.Entry<NodeAddress, NodeAddress>> sorted(Map<NodeAddress, NodeAddress> m) {
        List<Map.Entry<NodeAddress, NodeAddress>> entries = new ArrayList<>(m.entrySet());
        entries.sort(Map.Entry.comparingByKey(java.util.Comparator.comparing(NodeAddress::toString)));
        return entries;
    }

    /** Each shard's slots as inclusive [first, last] ranges, in slot order. */
    static Map<Shard, List<int[]>> slotRanges(Topology t) {
        Map<Shard, List<int[]>> out = new IdentityHashMap<>();
        Shard current = null;
        int start = 0;
        for (int slot = 0; slot <= Topology.SLOTS; slot++) {
            Shard s = slot < Topology.SLOTS ? t.shardForSlot(slot) : null;
            if (s != current || slot == Topology.SLOTS) {
                if (current != null) {
                    out.computeIfAbsent(current, k -> new ArrayList<>()).add(new int[] {start, slot - 1});
                }
                current = s;
                start = slot;
            }
        }
        return out;
    }
}
