package io.respproxy.health;

import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.Shard;
import java.util.ArrayList;
import java.util.List;

/**
 * Static mode's decision, as a pure function of node states: the master is the one up server that
 * says role:master. Two or more such servers is a split brain (a demoted master that came back
 * before it was reconfigured): writes go to none of them until it is resolved, because writing to
 * the wrong one loses data. Reads go to up replicas whose link is up and whose lag is in bounds.
 */
public final class StaticShardBuilder {

    private final HealthSettings settings;

    public StaticShardBuilder(HealthSettings settings) {
        this.settings = settings;
    }

    public Shard build(String id, List<NodeState> nodes) {
        List<NodeState> masters = new ArrayList<>();
        for (NodeState n : nodes) {
            if (n.isMaster()) {
                masters.add(n);
            }
        }
        NodeState master = masters.size() == 1 ? masters.get(0) : null;
        List<NodeAddress> readable = new ArrayList<>();
        for (NodeState n : nodes) {
            if (n.isReplica() && replicaEligible(n, master)) {
                readable.add(n.address());
            }
        }
        if (master != null) {
            return Shard.withMaster(id, master.address(), readable);
        }
        String reason;
        if (masters.isEmpty()) {
            reason = nodes.stream().anyMatch(NodeState::up)
                    ? "no server reports role:master"
                    : "no server is reachable";
        } else {
            StringBuilder names = new StringBuilder();
            for (NodeState m : masters) {
                names.append(names.length() == 0 ? "" : ", ").append(m.address());
            }
            reason = "several servers claim role:master (" + names + "); writes are held until one is demoted";
        }
        return Shard.withoutMaster(id, readable, reason);
    }

    /**
     * A replica serves reads when its link to the master is up and not in a full sync, and, when
     * the master lists it, its ack lag and byte lag are within the limits. A replica the master
     * does not list by the same address (NAT, announce-ip) is judged by its own link status.
     */
    boolean replicaEligible(NodeState replica, NodeState master) {
        ReplicationInfo info = replica.replication();
        if (!info.masterLinkUp() || info.syncInProgress()) {
            return false;
        }
        if (master == null) {
            return true;
        }
        ReplicationInfo.ConnectedReplica seen = master.replication()
                .replica(replica.address().host(), replica.address().port());
        if (seen == null) {
            return true;
        }
        if (!seen.online() || seen.lagSeconds() < 0 || seen.lagSeconds() > settings.maxReplicaLag().toSeconds()) {
            return false;
        }
        long behind = master.replication().offset() - seen.offset();
        return settings.maxReplicaLagBytes() <= 0 || behind <= settings.maxReplicaLagBytes();
    }
}
