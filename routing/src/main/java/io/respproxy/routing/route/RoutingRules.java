package io.respproxy.routing.route;

import io.respproxy.routing.Shard;

/**
 * A service's routing settings.
 *
 * @param readPortRejectsWrites {@code read-port.writes = reject}: writes on the read port get -READONLY
 * @param fallbackToMaster      {@code read-port.fallback-to-master}: reads go to the master when no
 *                              replica is eligible (otherwise they wait for one, as in a failover)
 * @param minReplicas           {@code writes.acknowledge = replicated}: writes wait while their
 *                              master has fewer replicas in sync than this ({@link #MAJORITY}: enough
 *                              that more than half of the group, master included, holds a write);
 *                              0: {@code async}, writes never wait for replicas
 */
public record RoutingRules(boolean readPortRejectsWrites, boolean fallbackToMaster, int minReplicas) {
    public static final RoutingRules DEFAULTS = new RoutingRules(false, true, 0);
    /** {@code writes.min-replicas = majority}. */
    public static final int MAJORITY = -1;

    public RoutingRules(boolean readPortRejectsWrites, boolean fallbackToMaster) {
        this(readPortRejectsWrites, fallbackToMaster, 0);
    }

    /** Replicas a write to {@code shard}'s master must reach before it is acknowledged (0: none). */
    public int replicasWanted(Shard shard) {
        return replicasWanted(minReplicas, shard.replicasKnown());
    }

    /** As {@link #replicasWanted(Shard)} for a policy and a number of replicas known. */
    public static int replicasWanted(int minReplicas, int replicasKnown) {
        // A majority of master + replicas, the master being one: 1 replica of 1 or 2, 2 of 3 or 4;
        // never none (the policy promises a copy beyond the master).
        return minReplicas == MAJORITY ? Math.max(1, (replicasKnown + 1) / 2) : minReplicas;
    }
}
