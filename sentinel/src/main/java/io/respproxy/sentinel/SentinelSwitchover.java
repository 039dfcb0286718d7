package io.respproxy.sentinel;

import io.respproxy.health.ReplicationInfo;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.SwitchoverResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A switchover that loses nothing: writes to the master are held; once the master's replication
 * offset stops moving and every replica the Sentinels list as serving has reached it, a Sentinel
 * is asked to fail over ({@code SENTINEL FAILOVER}, which promotes one of them); the held writes
 * go to the new master as soon as a majority names it and it answers as master. Given up (writes
 * resume on the old master) when the replicas do not catch up or the Sentinel refuses.
 */
final class SentinelSwitchover {

    private static final Logger log = LoggerFactory.getLogger(SentinelSwitchover.class);
    private static final long POLL_MS = 20;
    /** Writes are held at most this long while the replicas catch up (below the default hold-timeout). */
    static final Duration HELD_CATCH_UP = Duration.ofSeconds(5);
    /** SENTINEL FAILOVER is not sent with less of the timeout left than this. */
    private static final long MIN_FAILOVER_NANOS = TimeUnit.SECONDS.toNanos(3);

    private final SentinelTopologySource source;
    private final String service;
    private final long deadlineNanos;
    private long heldDeadlineNanos;
    private final CompletableFuture<SwitchoverResult> result = new CompletableFuture<>();
    private NodeAddress from;
    private long heldSinceNanos;
    private long lastOffset = -1;
    private String lastFailure;

    SentinelSwitchover(SentinelTopologySource source, String service, Duration timeout) {
        this.source = source;
        this.service = service;
        this.deadlineNanos = System.nanoTime() + timeout.toNanos();
    }

    /**
     * Runs a switchover once there is a master and every replica the Sentinels list serves reads
     * (linked, not in a full sync), with what is left of {@code timeout}: waiting for a replica to
     * resync is done unheld. Fails, having done nothing, when that does not happen in time.
     */
    static CompletableFuture<SwitchoverResult> whenReplicasServe(SentinelTopologySource source, String service,
                                                                 Duration timeout) {
        CompletableFuture<SwitchoverResult> out = new CompletableFuture<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        source.awaitTopology(t -> t.primaryShard().hasMaster() && !source.servingReplicas().isEmpty()
                && t.primaryShard().readReplicas().containsAll(source.servingReplicas()))
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .thenComposeAsync(m -> new SentinelSwitchover(source, service,
                        Duration.ofNanos(Math.max(1, deadline - System.nanoTime()))).start(), source.thread())
                .whenComplete((r, e) -> {
                    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                    if (cause instanceof TimeoutException) {
                        out.completeExceptionally(new IllegalStateException("no verified master with every replica "
                                + "linked and in sync within " + timeout.toSeconds() + " s; nothing was done"));
                    } else if (e != null) {
                        out.completeExceptionally(cause);
                    } else {
                        out.complete(r);
                    }
                });
        return out;
    }

    /** On the source's thread. */
    CompletableFuture<SwitchoverResult> start() {
        from = source.beginSwitchover();
        if (from == null) {
            result.completeExceptionally(new IllegalStateException(
                    "no verified master to switch from (or a switchover is already running)"));
            return result;
        }
        heldSinceNanos = System.nanoTime();
        heldDeadlineNanos = Math.min(deadlineNanos, heldSinceNanos + HELD_CATCH_UP.toNanos());
        log.warn("[{}] switchover requested: writes to {} held until a replica has all of its data", service, from);
        catchUp();
        return result;
    }

    /** Polls the master's offset until it stands still, then the replicas' until they have it. */
    private void catchUp() {
        try {
            catchUpNow();
        } catch (RuntimeException e) {
            giveUp("cannot check replication offsets", e);
        }
    }

    private void catchUpNow() {
        if (System.nanoTime() > heldDeadlineNanos) {
            giveUp("the replicas did not catch up with " + from + " in time"
                    + (lastFailure != null ? " (last: " + lastFailure + ")" : ""), null);
            return;
        }
        source.replicationNow(from).thenCompose(m -> {
            if (m.role() != ReplicationInfo.Role.MASTER) {
                throw new IllegalStateException(from + " is no longer a master");
            }
            boolean still = m.offset() == lastOffset;
            lastOffset = m.offset();
            if (!still) {
                return CompletableFuture.completedFuture(false);
            }
            List<NodeAddress> replicas = source.servingReplicas();
            if (replicas.isEmpty()) {
                throw new IllegalStateException("no replica the Sentinels list as serving");
            }
            List<CompletableFuture<ReplicationInfo>> answers = new ArrayList<>();
            for (NodeAddress r : replicas) {
                answers.add(source.replicationNow(r));
            }
            return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(x -> {
                for (CompletableFuture<ReplicationInfo> a : answers) {
                    if (a.join().offset() < m.offset()) {
                        return false;
                    }
                }
                return true;
            });
        }).whenCompleteAsync((caughtUp, e) -> {
            if (result.isDone()) {
                return;
            }
            if (e != null) {
                // A node Sentinel is reconfiguring kills its clients: ask again until the deadline.
                lastFailure = SentinelLink.describe(e);
                lastOffset = -1;
                source.thread().schedule(this::catchUp, POLL_MS);
            } else if (caughtUp) {
                log.info("[{}] switchover: every replica has {}'s offset {}; asking the Sentinels to fail over",
                        service, from, lastOffset);
                failover();
            } else {
                source.thread().schedule(this::catchUp, POLL_MS);
            }
        }, source.thread());
    }

    private void failover() {
        SentinelLink asked = source.failoverLink();
        if (asked == null) {
            giveUp("no connected Sentinel names " + from + " master", null);
            return;
        }
        if (deadlineNanos - System.nanoTime() < MIN_FAILOVER_NANOS) {
            giveUp("too little of the timeout is left for the Sentinels to fail over", null);
            return;
        }
        asked.failover().thenCompose(answer -> {
            log.info("[{}] switchover: SENTINEL FAILOVER on {}: {}", service, asked.address(), answer);
            long left = Math.max(1, deadlineNanos - System.nanoTime());
            return source.awaitMasterOtherThan(from).orTimeout(left, TimeUnit.NANOSECONDS);
        }).whenCompleteAsync((to, e) -> {
            if (e == null) {
                source.endSwitchover();
                long held = (System.nanoTime() - heldSinceNanos) / 1_000_000;
                result.complete(new SwitchoverResult(from, to, held));
            } else if (rootCause(e) instanceof io.lettuce.core.RedisCommandExecutionException) {
                giveUp("the Sentinels refused the failover", e); // -INPROG, -NOGOODSLAVE: nothing happened
            } else {
                // The failover may be under way: writes must not go back to the old master. The
                // hold becomes the fence of a failover announced by the Sentinel that was asked,
                // lifted only when that Sentinel says no failover of it is under way.
                source.fence(from, asked.address(), "switchover: SENTINEL FAILOVER sent to " + asked.address());
                source.endSwitchover();
                String why = rootCause(e) instanceof TimeoutException ? "no new master was verified in time"
                        : "no answer to SENTINEL FAILOVER: " + SentinelLink.describe(e);
                log.warn("[{}] switchover: {}; writes stay held until the Sentinels settle", service, why);
                result.completeExceptionally(new IllegalStateException(why
                        + "; writes stay held until the Sentinels settle"));
            }
        }, source.thread());
    }

    private void giveUp(String why, Throwable e) {
        source.endSwitchover();
        String detail = e == null ? why : why + ": " + SentinelLink.describe(e);
        log.warn("[{}] switchover given up: {}; writes resume", service, detail);
        result.completeExceptionally(new IllegalStateException(detail));
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}
