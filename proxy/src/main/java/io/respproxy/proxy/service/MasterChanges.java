package io.respproxy.proxy.service;

import io.respproxy.routing.NodeAddress;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows a single-shard service's master across topology snapshots: logs each failover once, at
 * WARN, with the old and new master, how long writes had no master and what happened to the
 * commands meanwhile; and tells the service when it has left a master for another. Called on the
 * source's thread only.
 */
final class MasterChanges {

    private static final Logger log = LoggerFactory.getLogger(MasterChanges.class);

    private final String service;
    private final ServiceRuntime.ServiceStats stats;
    private final Consumer<NodeAddress> left;
    /** The last master published, kept while there is none. */
    private NodeAddress last;
    private long lostAtNanos;
    private long heldBefore;
    private long retriedBefore;
    private long failedBefore;
    private long timedOutBefore;

    MasterChanges(String service, ServiceRuntime.ServiceStats stats, Consumer<NodeAddress> left) {
        this.service = service;
        this.stats = stats;
        this.left = left;
    }

    void seen(NodeAddress master) {
        if (master == null) {
            if (last != null && lostAtNanos == 0) {
                lostAtNanos = System.nanoTime();
                heldBefore = stats.holdsStarted.sum();
                retriedBefore = stats.retried.sum();
                failedBefore = stats.maybeApplied.sum();
                timedOutBefore = stats.holdTimeouts.sum();
            }
            return;
        }
        NodeAddress previous = last;
        last = master;
        if (previous == null || previous.equals(master) && lostAtNanos == 0) {
            return;
        }
        String counts = lostAtNanos == 0 ? "" : String.format("; writes had no master for %d ms: %d commands held, "
                        + "%d re-sent, %d failed as may-have-been-applied, %d timed out",
                (System.nanoTime() - lostAtNanos) / 1_000_000, stats.holdsStarted.sum() - heldBefore,
                stats.retried.sum() - retriedBefore, stats.maybeApplied.sum() - failedBefore,
                stats.holdTimeouts.sum() - timedOutBefore);
        lostAtNanos = 0;
        if (previous.equals(master)) {
            log.info("[{}] master {} is writable again{}", service, master, counts);
            return;
        }
        stats.failovers.increment();
        log.warn("[{}] failover: {} -> {}{}", service, previous, master, counts);
        left.accept(previous);
    }
}
