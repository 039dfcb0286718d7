package io.respproxy.proxy.service;

import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.Shard;
import io.respproxy.routing.Topology;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * A cluster's masters followed across snapshots, one {@link MasterChanges} per shard. A shard is
 * known by the lowest slot it owns, which a failover keeps (its id, the master's node id, changes
 * with the master). That slot also changes hands by resharding, between two nodes that are both
 * masters: one that takes it from a master that keeps others, or, when a node gives up its last
 * slot (emptied to leave the cluster), one that already was a master before. Neither is a
 * failover: each node answered for its own writes, and nothing in flight on the old one is in
 * doubt. A failover puts a node that was no master (a promoted replica) in the old one's place.
 * Called on the source's thread only.
 */
final class ShardMasterChanges {

    private final String service;
    private final ServiceRuntime.ServiceStats stats;
    private final BiConsumer<NodeAddress, Boolean> left;
    private final PromotionLoss loss;
    private final Map<Integer, MasterChanges> byLowestSlot = new HashMap<>();
    /** The masters of the previous snapshot. */
    private Set<NodeAddress> mastersBefore = Set.of();

    /** @param left told when the service left a master for another: see {@link MasterChanges} */
    ShardMasterChanges(String service, ServiceRuntime.ServiceStats stats, BiConsumer<NodeAddress, Boolean> left,
                       PromotionLoss loss) {
        this.service = service;
        this.stats = stats;
        this.left = left;
        this.loss = loss;
    }

    /** A cluster snapshot was published. */
    void seen(Topology t) {
        Map<Integer, NodeAddress> masters = new HashMap<>();
        Set<NodeAddress> mastersNow = new HashSet<>();
        Set<Shard> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int slot = 0; slot < Topology.SLOTS; slot++) {
            Shard s = t.shardForSlot(slot);
            if (s != null && seen.add(s)) {
                masters.put(slot, s.master());
                if (s.master() != null) {
                    mastersNow.add(s.master());
                }
            }
        }
        byLowestSlot.keySet().retainAll(masters.keySet());
        Set<NodeAddress> before = mastersBefore;
        masters.forEach((slot, master) -> byLowestSlot.computeIfAbsent(slot,
                k -> new MasterChanges(service + " slot " + k, stats, left, loss)).seen(master, null,
                previous -> mastersNow.contains(previous) || before.contains(master)));
        mastersBefore = Set.copyOf(mastersNow);
    }
}
