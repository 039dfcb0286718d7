package io.respproxy.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A node joining or leaving a running cluster, in the steps of {@code redis-cli --cluster add-node}
 * and {@code del-node}. See {@link RedisCluster#addMaster} and {@link RedisCluster#removeNode}.
 */
final class ClusterMembership {

    private ClusterMembership() {
    }

    /**
     * {@code CLUSTER MEET} from a member to {@code newcomer} (already started, in cluster mode), then
     * waits until every node, the newcomer too, lists every other one, none failed or in handshake.
     *
     * @param members the cluster's nodes before the newcomer, all running
     */
    static void join(RedisCluster c, List<RedisNode> members, RedisNode newcomer, Duration timeout) {
        requireRunning(members, "join");
        ClusterBootstrap.meet(members.get(0), newcomer, c.nodeAnnounce(newcomer));
        List<RedisNode> all = new ArrayList<>(members);
        all.add(newcomer);
        ClusterBootstrap.awaitAllKnown(all, timeout);
    }

    /**
     * Checks that every node sees {@code leaving} serve no slot and that none replicates it;
     * {@code CLUSTER FORGET} on every other node, one right after the other (each bans it for
     * 60 s: a node that still knows it would otherwise gossip it back in); kills it; waits until
     * no node lists it.
     *
     * @param others the cluster's other nodes, all running
     * @param kill   kills {@code leaving}
     */
    static void remove(RedisCluster c, List<RedisNode> others, RedisNode leaving, Duration timeout, Runnable kill) {
        requireRunning(others, "forget " + leaving);
        String id = c.nodeId(leaving);
        ClusterNodesLine self = lineOf(leaving, id);
        if (self == null || !self.slots().isEmpty()) {
            throw new IllegalStateException(leaving + " still serves slots " + (self == null ? "?" : self.slots())
                    + ": move them away first (moveSlot)");
        }
        for (RedisNode n : others) {
            // A node that has not heard yet would lose the slot with the node it forgets.
            Poll.untilTrue(timeout, n + " to see " + leaving + " serve no slot", () -> {
                ClusterNodesLine l = lineOf(n, id);
                return l != null && l.slots().isEmpty();
            });
            for (ClusterNodesLine l : ClusterBootstrap.nodesSeenBy(n)) {
                if (id.equals(l.masterId())) {
                    throw new IllegalStateException(leaving + " has replicas (" + l.id() + " seen by " + n
                            + "): removing a master with replicas is not supported");
                }
            }
        }
        for (RedisNode n : others) {
            n.admin().call(n.endpoint(), n.auth(), cmd -> cmd.clusterForget(id));
        }
        kill.run();
        for (RedisNode n : others) {
            Poll.untilTrue(timeout, n + " to no longer list " + leaving, () ->
                    ClusterBootstrap.nodesSeenBy(n).stream().noneMatch(l -> id.equals(l.id())));
        }
    }

    /** The line of node {@code id} as {@code seenBy} lists it, or null. */
    private static ClusterNodesLine lineOf(RedisNode seenBy, String id) {
        return ClusterBootstrap.nodesSeenBy(seenBy).stream().filter(l -> id.equals(l.id())).findFirst().orElse(null);
    }

    /**
     * A node that is down or paused would miss the news: on its return it would still list a node
     * that left (and gossip it back), or never meet one that joined.
     */
    private static void requireRunning(List<RedisNode> nodes, String what) {
        for (RedisNode n : nodes) {
            if (!n.isRunning() || n.isPaused()) {
                throw new IllegalStateException("cannot " + what + " while " + n + " is "
                        + (n.isPaused() ? "paused" : "down") + ": every node must hear of it");
            }
        }
    }
}
