package io.respproxy.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A master and N replicas ({@code replicaof}), no Sentinel: nothing fails over by itself.
 * Start with {@link RedisTopologies#replicated()}.
 */
public final class ReplicatedRedis extends ProcessTopology {

    private RedisNode master;
    private final List<RedisNode> replicas = new ArrayList<>();

    private ReplicatedRedis(TopologySettings settings) {
        super("replicated", settings);
    }

    /** The node started as master (without Sentinel it stays the master). */
    public RedisNode master() {
        return master;
    }

    /** The nodes started as replicas of {@link #master()}. */
    public List<RedisNode> replicas() {
        return List.copyOf(replicas);
    }

    /** Waits until every running replica's link to the master is up. */
    public void awaitReplicasInSync(Duration timeout) {
        replicas.stream().filter(RedisNode::isRunning).forEach(r -> Info.awaitInSync(r, timeout));
    }

    /** Builder for {@link ReplicatedRedis}. */
    public static final class Builder extends TopologyBuilder<Builder> {

        private int replicaCount = 1;

        Builder() {
        }

        /** How many replicas (default 1). */
        public Builder replicas(int count) {
            if (count < 0) {
                throw new IllegalArgumentException("replicas < 0");
            }
            this.replicaCount = count;
            return this;
        }

        /** Starts master and replicas and waits until every replica is in sync. */
        public ReplicatedRedis start() {
            TopologySettings s = settings();
            return startedOrClosed(new ReplicatedRedis(s), t -> {
                MasterReplicaSet set = MasterReplicaSet.start(t, replicaCount);
                t.master = set.master();
                t.replicas.addAll(set.replicas());
            });
        }
    }
}
