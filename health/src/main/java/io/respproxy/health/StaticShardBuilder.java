package io.respproxy.health;

import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.Shard;
import java.util.ArrayList;
import java.util.List;

/**
 * Static mode's decision, as a pure function of node states: the master is the one up server that
 * says role:master. When several say so, the one whose replication history continues all the
 * others' ({@code master_replid2} = the other's {@code master_replid}: it was promoted from it, as
 * Sentinel or an operator's {@code REPLICAOF NO ONE} does) is the master, at once: the old one
 * has not been demoted yet, but every write it still acknowledges will be thrown away when it is.
 * Several masters with no such order is a split brain (e.g. a master restarted with a new history
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
        NodeState newest = newestMaster(masters);
        List<NodeAddress> inDoubt = inDoubt(nodes, masters, newest);
        NodeState master = inDoubt.isEmpty() ? newest : null;
        List<NodeAddress> readable = new ArrayList<>();
        for (NodeState n : nodes) {
            if (n.isReplica() && replicaEligible(n, master)) {
                readable.add(n.address());
            }
        }
        if (master != null) {
            return Shard.withMaster(id, master.address(), readable).withReplicas(replicasInSync(master), nodes.size() - 1);
        }
        String reason;
        if (!inDoubt.isEmpty()) {
            reason = "the role of " + inDoubt + " is being checked again (it closed the proxy's connection)";
        } else if (masters.isEmpty()) {
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
     * Nodes whose role is being checked again because they dropped our connections (up or, when
     * the data path saw it first, just marked down): a node that kills its clients may be in the
     * middle of a promotion, and the master's next writes would be lost, so none are sent until
     * its role is known again (a round trip). A superseded master being demoted is the exception:
     * writes no longer go there.
     */
    private static List<NodeAddress> inDoubt(List<NodeState> nodes, List<NodeState> masters, NodeState newest) {
        List<NodeAddress> out = new ArrayList<>();
        for (NodeState n : nodes) {
            if (n.roleInDoubt() && !superseded(n, newest, masters)) {
                out.add(n.address());
            }
        }
        return out;
    }

    /** True when {@code newest} continues {@code n}'s history, so {@code n} gets no writes anyway. */
    private static boolean superseded(NodeState n, NodeState newest, List<NodeState> masters) {
        if (newest == null || n.equals(newest)) {
            return false;
        }
        if (masters.contains(n)) {
            return true; // newestMaster only chooses a master whose history continues every other's
        }
        ReplicationInfo r = n.replication();
        return r != null && r.role() == ReplicationInfo.Role.MASTER && newest.replication().continues(r);
    }

    /**
     * The master writes go to among servers that all claim the role: the only one, or the one whose
     * history continues every other's (following {@code master_replid2} links), or null when there
     * is none or no such order.
     */
    static NodeState newestMaster(List<NodeState> masters) {
        if (masters.size() <= 1) {
            return masters.isEmpty() ? null : masters.get(0);
        }
        NodeState found = null;
        for (NodeState m : masters) {
            if (ancestorCount(m, masters) == masters.size() - 1) {
                if (found != null) {
                    return null;
                }
                found = m;
            }
        }
        return found;
    }

    /** How many of {@code masters} lie on {@code m}'s history (its parent, its parent's parent, ...). */
    private static int ancestorCount(NodeState m, List<NodeState> masters) {
        int count = 0;
        NodeState at = m;
        while (count < masters.size()) {
            NodeState parent = null;
            for (NodeState o : masters) {
                if (o != at && o != m && at.replication().continues(o.replication())) {
                    parent = o;
                    break;
                }
            }
            if (parent == null) {
                break;
            }
            count++;
            at = parent;
        }
        return count;
    }

    /**
     * A replica serves reads when its link to the master is up (or went down no longer ago than
     * the lag limit: the master died) and not in a full sync, and, when the master lists it, its
     * ack lag and byte lag are within the limits. A replica the master
     * does not list by the same address (NAT, announce-ip) is judged by its own link status.
     * Sentinel mode judges its replicas by the same rule.
     *
     * @param master the master's state, or null when no master is known
     */
    /**
     * The replicas {@code master} itself lists as online, acknowledging within max-replica-lag (and
     * max-replica-lag-bytes): the copies a write reaches at once, which {@code writes.min-replicas}
     * counts. The master's word, not the replicas': a replica the proxy cannot reach still holds
     * the data.
     */
    public int replicasInSync(NodeState master) {
        ReplicationInfo info = master.replication();
        if (info == null) {
            return 0;
        }
        long maxLag = settings.maxReplicaLag().toSeconds();
        int n = 0;
        for (ReplicationInfo.ConnectedReplica r : info.replicas()) {
            boolean bytesOk = settings.maxReplicaLagBytes() <= 0 || info.offset() - r.offset() <= settings.maxReplicaLagBytes();
            if (r.online() && r.lagSeconds() >= 0 && r.lagSeconds() <= maxLag && bytesOk) {
                n++;
            }
        }
        return n;
    }

    public boolean replicaEligible(NodeState replica, NodeState master) {
        return whyNotEligible(replica, master) == null;
    }

    /**
     * Why {@code replica} (which says role:replica) serves no reads by the rule of
     * {@link #replicaEligible}, in words for /topology; null when it may serve them.
     */
    public String whyNotEligible(NodeState replica, NodeState master) {
        ReplicationInfo info = replica.replication();
        long maxLag = settings.maxReplicaLag().toSeconds();
        if (info.syncInProgress()) {
            return "full sync with its master in progress";
        }
        if (!info.masterLinkUp()) {
            // Its master just died (a failover is under way): what it holds is as fresh as the lag
            // limit allows for a while, and reads need not wait for the new master.
            if (info.linkDownSeconds() < 0) {
                return "link to its master is down";
            }
            return info.linkDownSeconds() <= maxLag ? null
                    : "link to its master down for " + info.linkDownSeconds() + " s (max-replica-lag " + maxLag + " s)";
        }
        if (master == null) {
            return null;
        }
        ReplicationInfo.ConnectedReplica seen = master.replication()
                .replica(replica.address().host(), replica.address().port());
        if (seen == null) {
            return null;
        }
        if (!seen.online()) {
            return "its master lists it as " + seen.state();
        }
        if (seen.lagSeconds() < 0 || seen.lagSeconds() > maxLag) {
            return "lag " + seen.lagSeconds() + " s (max-replica-lag " + maxLag + " s)";
        }
        long behind = master.replication().offset() - seen.offset();
        if (settings.maxReplicaLagBytes() > 0 && behind > settings.maxReplicaLagBytes()) {
            return behind + " bytes behind its master (max-replica-lag-bytes " + settings.maxReplicaLagBytes() + ")";
        }
        return null;
    }
}
