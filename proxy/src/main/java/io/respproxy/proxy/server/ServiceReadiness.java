package io.respproxy.proxy.server;

import io.respproxy.routing.Shard;
import io.respproxy.routing.Topology;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Whether one service can serve: its listeners are bound and it has a verified writable master
 * (in a cluster, every shard has one and every slot is served). Polled every second by
 * keepalived, so the topology part is computed once per snapshot and kept.
 */
final class ServiceReadiness {

    private Topology checked;
    private String topologyReason;

    /** Why the service is not ready, or null when it is. */
    synchronized String reason(Topology t, List<String> unboundListeners) {
        if (!unboundListeners.isEmpty()) {
            return (unboundListeners.size() == 1 ? "listener " : "listeners ") + String.join(", ", unboundListeners)
                    + (unboundListeners.size() == 1 ? " is" : " are") + " not accepting connections";
        }
        if (t != checked) {
            topologyReason = topologyReason(t);
            checked = t;
        }
        return topologyReason;
    }

    static String topologyReason(Topology t) {
        if (!t.isCluster()) {
            Shard s = t.primaryShard();
            return s.hasMaster() ? null : "no writable master: " + s.noMasterReason();
        }
        List<Shard> noMaster = new ArrayList<>();
        for (Shard s : t.shards()) {
            if (!s.hasMaster()) {
                noMaster.add(s);
            }
        }
        Map<Shard, List<int[]>> slots = TopologyJson.slotRanges(t);
        if (!noMaster.isEmpty()) {
            Shard s = noMaster.get(0);
            return "shard " + s.id() + " (slots " + ranges(slots.get(s)) + ") has no writable master: "
                    + s.noMasterReason() + (noMaster.size() > 1 ? " (and " + (noMaster.size() - 1) + " more shards)" : "");
        }
        List<int[]> unserved = unserved(t);
        if (!unserved.isEmpty()) {
            return "slots " + ranges(unserved) + " are served by no shard";
        }
        return null;
    }

    private static List<int[]> unserved(Topology t) {
        List<int[]> out = new ArrayList<>();
        int start = -1;
        for (int slot = 0; slot <= Topology.SLOTS; slot++) {
            boolean served = slot == Topology.SLOTS || t.shardForSlot(slot) != null;
            if (!served && start < 0) {
                start = slot;
            } else if (served && start >= 0) {
                out.add(new int[] {start, slot - 1});
                start = -1;
            }
        }
        return out;
    }

    private static String ranges(List<int[]> ranges) {
        if (ranges == null || ranges.isEmpty()) {
            return "none";
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < ranges.size() && i < 5; i++) {
            int[] r = ranges.get(i);
            sb.append(i == 0 ? "" : ",").append(r[0]).append(r[0] == r[1] ? "" : "-" + r[1]);
        }
        return ranges.size() > 5 ? sb + ",..." : sb.toString();
    }
}
