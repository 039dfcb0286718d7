package io.respproxy.testkit;

/**
 * Entry point: builders for every topology. Each {@code start()} returns a running, settled topology
 * to use in try-with-resources:
 * <pre>{@code
 * try (RedisCluster c = RedisTopologies.cluster().mastersCount(3).replicasPerMaster(1).password("pw").start()) {
 *     RedisNode m = c.masters().get(0);
 *     List<RedisNode> its = c.replicasOf(m);
 *     c.kill(m);
 *     c.awaitPromotedReplica(m, its, Duration.ofSeconds(30));
 * }
 * try (SentinelDeployment s = RedisTopologies.sentinel().masterName("mymaster").replicas(2).sentinels(3).start()) {
 *     RedisNode old = s.master();
 *     s.kill(old);
 *     s.awaitNewMaster(old, Duration.ofSeconds(30));
 * }
 * }</pre>
 */
public final class RedisTopologies {

    private RedisTopologies() {
    }

    /** One redis-server. */
    public static RedisStandalone.Builder standalone() {
        return new RedisStandalone.Builder();
    }

    /** A master and replicas, no Sentinel. */
    public static ReplicatedRedis.Builder replicated() {
        return new ReplicatedRedis.Builder();
    }

    /** A master, replicas and Sentinels. */
    public static SentinelDeployment.Builder sentinel() {
        return new SentinelDeployment.Builder();
    }

    /** A Redis Cluster. */
    public static RedisCluster.Builder cluster() {
        return new RedisCluster.Builder();
    }
}
