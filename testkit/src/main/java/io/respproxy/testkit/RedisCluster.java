package io.respproxy.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Redis Cluster of masters and replicas (default 3 + 3), slots split evenly, cluster-node-timeout
 * 2 s. Start with {@link RedisTopologies#cluster()}.
 *
 * <p>Roles change under failover, so {@link #masters()} and {@link #replicas()} ask each node now.
 */
public final class RedisCluster extends ProcessTopology {

    private final int masterCount;
    private final int replicaCount;
    /** Node ids survive restarts (nodes.conf in the node's dir), so they are fetched once. */
    private final Map<RedisNode, String> ids = new ConcurrentHashMap<>();

    private RedisCluster(TopologySettings settings, int masterCount, int replicaCount) {
        super("cluster", settings);
        this.masterCount = masterCount;
        this.replicaCount = replicaCount;
    }

    /** Running nodes whose ROLE says master. */
    public List<RedisNode> masters() {
        return withRole(NodeRole.MASTER);
    }

    /** Running nodes whose ROLE says replica. */
    public List<RedisNode> replicas() {
        return withRole(NodeRole.REPLICA);
    }

    private List<RedisNode> withRole(NodeRole role) {
        return nodes().stream().filter(n -> n.isRunning() && !n.isPaused())
                .filter(n -> n.role() == role).toList();
    }

    /** The node's cluster node id ({@code CLUSTER MYID}). */
    public String nodeId(RedisNode node) {
        return ids.computeIfAbsent(node, ClusterBootstrap::nodeId);
    }

    /** The nodes {@code master}'s view of the cluster lists as its replicas; asked of any running node. */
    public List<RedisNode> replicasOf(RedisNode master) {
        String id = nodeId(master);
        List<ClusterNodesLine> view = ClusterBootstrap.nodesSeenBy(anyRunning());
        List<RedisNode> out = new ArrayList<>();
        for (ClusterNodesLine l : view) {
            if (l.isReplica() && id.equals(l.masterId())) {
                nodes().stream().filter(n -> n.port() == l.port()).findFirst().ifPresent(out::add);
            }
        }
        return out;
    }

    /** Waits until every running node reports {@code cluster_state:ok} with all slots served. */
    public void awaitClusterOk(Duration timeout) {
        for (RedisNode n : nodes()) {
            if (n.isRunning() && !n.isPaused()) {
                Poll.untilTrue(timeout, n + " to report cluster_state:ok", () -> {
                    Map<String, String> info = Info.cluster(n);
                    return "ok".equals(info.get("cluster_state"))
                            && Integer.toString(ClusterBootstrap.SLOTS).equals(info.get("cluster_slots_ok"));
                });
            }
        }
    }

    /**
     * Waits until every node runs and agrees: cluster_state:ok, the original number of masters and
     * replicas, none flagged failed, replicas in sync. Use after restarting killed nodes.
     */
    public void awaitStable(Duration timeout) {
        ClusterBootstrap.awaitSettled(nodes(), masterCount, replicaCount, timeout);
    }

    /**
     * Waits until a node that replicated {@code oldMaster} is a master (after {@code oldMaster} was
     * killed or paused), then until the cluster is ok again.
     *
     * @return the promoted node
     */
    public RedisNode awaitPromotedReplica(RedisNode oldMaster, List<RedisNode> itsReplicas, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RedisNode promoted = Poll.until(timeout, "a replica of " + oldMaster + " to become master", () ->
                itsReplicas.stream().filter(RedisNode::isRunning)
                        .filter(r -> r.role() == NodeRole.MASTER).findFirst());
        awaitClusterOk(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())).plusSeconds(1));
        return promoted;
    }

    /**
     * {@code CLUSTER FAILOVER} on {@code replica} (a coordinated, lossless failover) and waits until
     * it is master and the cluster is ok.
     */
    public void failover(RedisNode replica, Duration timeout) {
        replica.admin().call(replica.endpoint(), replica.auth(), c -> c.clusterFailover(false));
        Poll.untilTrue(timeout, replica + " to become master after CLUSTER FAILOVER",
                () -> replica.role() == NodeRole.MASTER);
        awaitClusterOk(timeout);
    }

    private RedisNode anyRunning() {
        Optional<RedisNode> n = nodes().stream().filter(x -> x.isRunning() && !x.isPaused()).findFirst();
        return n.orElseThrow(() -> new IllegalStateException("no cluster node is running"));
    }

    /** Builder for {@link RedisCluster}. */
    public static final class Builder extends TopologyBuilder<Builder> {

        private int masters = 3;
        private int replicasPerMaster = 1;
        private Duration nodeTimeout = Duration.ofMillis(2000);

        Builder() {
        }

        /** How many masters (default 3). Fewer than 3 cannot fail over: a majority of masters must agree. */
        public Builder mastersCount(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("mastersCount < 1");
            }
            this.masters = count;
            return this;
        }

        /** Replicas per master (default 1). */
        public Builder replicasPerMaster(int count) {
            if (count < 0) {
                throw new IllegalArgumentException("replicasPerMaster < 0");
            }
            this.replicasPerMaster = count;
            return this;
        }

        /** {@code cluster-node-timeout} (default 2 s): how long until a silent node is failed. */
        public Builder nodeTimeout(Duration timeout) {
            this.nodeTimeout = timeout;
            return this;
        }

        /** Starts the nodes, builds the cluster and waits until it is ok and replicas are in sync. */
        public RedisCluster start() {
            TopologySettings s = settings();
            int replicaCount = masters * replicasPerMaster;
            return startedOrClosed(new RedisCluster(s, masters, replicaCount), t -> {
                List<RedisNode> m = new ArrayList<>();
                List<RedisNode> r = new ArrayList<>();
                for (int i = 0; i < masters + replicaCount; i++) {
                    String name = "node-" + (i + 1);
                    RedisNode n = t.startDataNode(name, port -> {
                        List<String> lines = new ArrayList<>(RedisConf.server(port, t.dir.resolve(name), s.auth()));
                        lines.addAll(RedisConf.cluster((int) nodeTimeout.toMillis()));
                        return lines;
                    });
                    (i < masters ? m : r).add(n);
                }
                new ClusterBootstrap(m, r, s.binary().version(), t.awaitTimeout()).run();
            });
        }
    }
}
