package io.respproxy.proxy.service;

import io.respproxy.routing.NodeAddress;
import java.util.function.BiConsumer;
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
    private final BiConsumer<NodeAddress, Boolean> left;
    private final PromotionLoss loss;
    /** The last master published, kept while there is none. */
    private NodeAddress last;
    private long lostAtNanos;
    /** The master treated as left when its failover started (before a new one was published), or null. */
    private NodeAddress leftEarly;
    private long heldBefore;
    private long retriedBefore;
    private long failedBefore;
    private long timedOutBefore;
    /**
     * Writes to {@link #last} that failed as may-have-been-applied, counted when it was published
     * and when writes lost it: those that failed at its death (a kill) come before the loss.
     */
    private long failedOnMasterSince;
    private long failedOnMasterAtLoss;

    /**
     * @param left told when the service left a master: {@code (master, false)} once another is
     *             published, {@code (master, true)} as soon as a failover of it started
     */
    MasterChanges(String service, ServiceRuntime.ServiceStats stats, BiConsumer<NodeAddress, Boolean> left,
                  PromotionLoss loss) {
        this.service = service;
        this.stats = stats;
        this.left = left;
        this.loss = loss;
    }

    /**
     * @param master  the published master, or null
     * @param leaving a master being failed over (the source's {@code leavingMaster()}), or null
     */
    void seen(NodeAddress master, NodeAddress leaving) {
        seen(master, leaving, n -> false);
    }

    /**
     * @param handedOver whether the shard went from this previous master to {@code master} by
     *                   resharding, not by a failover (a cluster: see {@link ShardMasterChanges}):
     *                   the previous master is not left
     */
    void seen(NodeAddress master, NodeAddress leaving, java.util.function.Predicate<NodeAddress> handedOver) {
        if (master == null) {
            if (leaving != null && leaving.equals(last) && !leaving.equals(leftEarly)) {
                // Writes stopped because a failover of it started: what a frozen master acknowledges
                // when it resumes may come after the promotion. Its silent connections are told now.
                leftEarly = leaving;
                left.accept(leaving, true);
            }
            if (last != null && lostAtNanos == 0) {
                lostAtNanos = System.nanoTime();
                heldBefore = stats.holdsStarted.sum();
                retriedBefore = stats.retried.sum();
                failedBefore = stats.maybeApplied.sum();
                timedOutBefore = stats.holdTimeouts.sum();
                failedOnMasterAtLoss = stats.maybeAppliedOn(last);
            }
            return;
        }
        NodeAddress previous = last;
        last = master;
        leftEarly = null;
        long failedOnPreviousBeforeLoss = failedOnMasterAtLoss - failedOnMasterSince;
        if (previous == null || previous.equals(master) && lostAtNanos == 0) {
            if (previous == null) {
                failedOnMasterSince = stats.maybeAppliedOn(master);
            }
            return;
        }
        failedOnMasterSince = stats.maybeAppliedOn(master);
        // Failed as may-have-been-applied: the writes in flight on the old master when it died
        // (they fail before the proxy knows it is gone), and any while there was no master.
        String counts = lostAtNanos == 0 ? "" : String.format("; writes had no master for %d ms: %d commands held, "
                        + "%d re-sent, %d failed as may-have-been-applied, %d timed out",
                (System.nanoTime() - lostAtNanos) / 1_000_000, stats.holdsStarted.sum() - heldBefore,
                stats.retried.sum() - retriedBefore,
                failedOnPreviousBeforeLoss + stats.maybeApplied.sum() - failedBefore,
                stats.holdTimeouts.sum() - timedOutBefore);
        lostAtNanos = 0;
        if (previous.equals(master)) {
            log.info("[{}] master {} is writable again{}", service, master, counts);
            return;
        }
        if (handedOver.test(previous)) {
            log.info("[{}] now served by {} (was {}: resharded, no failover){}", service, master, previous, counts);
            return;
        }
        stats.failovers.increment();
        log.warn("[{}] failover: {} -> {}{}", service, previous, master, counts);
        loss.failover(previous, master); // what the promotion discarded: logged once the new master says
        left.accept(previous, false);
    }
}
