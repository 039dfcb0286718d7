package io.respproxy.routing;

import java.util.List;
import java.util.Objects;

/**
 * One replication group as the routing view sees it: the master writes go to (absent while there
 * is no writable master, e.g. during a failover or while two servers claim the role) and the
 * replicas that may serve reads right now (healthy, link up, lag under the limit).
 *
 * @param id            stable name for metrics and errors (cluster: the master's node id)
 * @param master        where writes go, or null when no master is writable now
 * @param readReplicas  replicas eligible for reads, in a stable order for round-robin
 * @param noMasterReason why {@code master} is null (shown to clients in a -TRYAGAIN/-MASTERDOWN error)
 */
public record Shard(String id, NodeAddress master, List<NodeAddress> readReplicas, String noMasterReason) {

    public Shard {
        Objects.requireNonNull(id, "id");
        readReplicas = List.copyOf(readReplicas);
        if (master != null) {
            noMasterReason = null;
        } else if (noMasterReason == null) {
            noMasterReason = "no master known";
        }
    }

    public static Shard withMaster(String id, NodeAddress master, List<NodeAddress> readReplicas) {
        return new Shard(id, Objects.requireNonNull(master, "master"), readReplicas, null);
    }

    public static Shard withoutMaster(String id, List<NodeAddress> readReplicas, String reason) {
        return new Shard(id, null, readReplicas, reason);
    }

    public boolean hasMaster() {
        return master != null;
    }

    /**
     * The node a read should go to: the {@code seq}-th eligible replica round-robin, or the master
     * when no replica is eligible and {@code fallbackToMaster}; null when neither exists.
     */
    public NodeAddress readTarget(int seq, boolean fallbackToMaster) {
        int n = readReplicas.size();
        if (n > 0) {
            return readReplicas.get(Math.floorMod(seq, n));
        }
        return fallbackToMaster ? master : null;
    }
}
