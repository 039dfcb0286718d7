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
 * @param replicasInSync replicas the master itself lists as online within the lag limits: copies a
 *                      write reaches at once (the {@code writes.min-replicas} rule counts these)
 * @param replicasKnown  replicas of this group the proxy knows of, in sync or not (what
 *                      {@code min-replicas = majority} is a majority of)
 */
public record Shard(String id, NodeAddress master, List<NodeAddress> readReplicas, String noMasterReason,
                    int replicasInSync, int replicasKnown) {

    /** A group whose replicas' sync is not known (counted as none in sync). */
    public Shard(String id, NodeAddress master, List<NodeAddress> readReplicas, String noMasterReason) {
        this(id, master, readReplicas, noMasterReason, 0, readReplicas.size());
    }

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

    /** This group with its replicas' sync counted (see {@link #replicasInSync}, {@link #replicasKnown}). */
    public Shard withReplicas(int inSync, int known) {
        return new Shard(id, master, readReplicas, noMasterReason, inSync, Math.max(known, inSync));
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
