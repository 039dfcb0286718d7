package io.respproxy.proxy.session;

import io.respproxy.proxy.resp.RespRequest;
import io.respproxy.proxy.service.HoldQueue;
import io.respproxy.proxy.service.ServiceRuntime;
import io.respproxy.proxy.service.SessionSettings;
import java.util.ArrayDeque;

/**
 * Failover is a pause, not an error. A client's commands wait, in order, while the service has no
 * node for them (no writable master during a failover, two servers claiming the role, a master
 * that just answered -READONLY), and go on as soon as a new topology arrives: the session sits in
 * its loop's {@link HoldQueue}, which every new snapshot wakes. Two things wait here:
 * <ul>
 *   <li>the command at the head of the client's backlog that the router said to hold (the
 *       client's later commands wait behind it), and</li>
 *   <li>writes already sent that came back -READONLY: they keep their reply slots and are sent to
 *       the next master first, before anything from the backlog.</li>
 * </ul>
 * After {@code failover.hold-timeout} the client gets -TRYAGAIN; past
 * {@code failover.hold-max-commands} held at once in the service, it gets -TRYAGAIN at once. A
 * held command counts once in every statistic, however often it is retried.
 */
final class FailoverHold implements HoldQueue.Waiter {

    private final ClientSession session;
    private final SessionSettings settings;
    private final ServiceRuntime.ServiceStats stats;
    private final ArrayDeque<ReplySlot> rerouting = new ArrayDeque<>();
    private long rerouteSinceNanos;
    /** When the command at the head of the backlog began to wait, 0 when none waits. */
    private long headSinceNanos;
    private boolean headWaiting;
    /**
     * A hold of this client timed out and no command has found a node since: the outage goes on,
     * so its next commands get -TRYAGAIN at once instead of each waiting a full hold-timeout.
     */
    private boolean timedOut;
    private boolean queued;

    FailoverHold(ClientSession session) {
        this.session = session;
        this.settings = session.service().sessionSettings();
        this.stats = session.service().stats();
    }

    /** True while the client's new commands must wait behind held ones. */
    boolean holding() {
        return headWaiting || !rerouting.isEmpty();
    }

    /**
     * Holds {@code req} (taking ownership; it goes back to the head of the backlog) and returns
     * true; or returns false, leaving {@code req} to the caller, when the hold has lasted too long
     * or the service holds too many commands.
     */
    boolean hold(RespRequest req) {
        long now = System.nanoTime();
        if (headSinceNanos == 0) {
            if (timedOut) {
                stats.holdTimeouts.increment();
                return false;
            }
            if (!admit()) {
                return false;
            }
            headSinceNanos = now;
        } else if (now - headSinceNanos > settings.holdTimeout().toNanos()) {
            stats.holdTimeouts.increment();
            endHeadHold();
            timedOut = true;
            return false;
        }
        headWaiting = true;
        session.input().addFirst(req);
        enqueue();
        return true;
    }

    /** The command at the head found a node (or was answered otherwise): the hold, if any, ends. */
    void released() {
        timedOut = false;
        endHeadHold();
    }

    private void endHeadHold() {
        if (headSinceNanos != 0) {
            // Read only when a hold ends (rare): released() runs for every command.
            stats.holdTime.observeNanos(System.nanoTime() - headSinceNanos);
            headSinceNanos = 0;
            stats.heldCommands.decrementAndGet();
        }
        headWaiting = false;
    }

    /** A write came back -READONLY: it waits for a topology that sends it elsewhere. */
    boolean reroute(ReplySlot slot) {
        if (!admit()) {
            return false;
        }
        if (rerouting.isEmpty()) {
            rerouteSinceNanos = System.nanoTime();
        }
        rerouting.add(slot);
        enqueue();
        return true;
    }

    private boolean admit() {
        if (settings.holdTimeout().isZero()) {
            return false;
        }
        if (stats.heldCommands.incrementAndGet() > settings.holdMaxCommands()) {
            stats.heldCommands.decrementAndGet();
            return false;
        }
        stats.holdsStarted.increment();
        return true;
    }

    private void enqueue() {
        if (!queued) {
            queued = true;
            session.holdQueue().add(this);
        }
    }

    /** Woken by a new topology (or the safety-net timer): sends what can go now. */
    @Override
    public boolean retry() {
        if (session.closing()) {
            clear();
            queued = false;
            return false;
        }
        ReplySlot slot;
        long now = System.nanoTime();
        while ((slot = rerouting.peek()) != null && session.dispatcher().resends().resendRerouted(slot)) {
            // Resends.resend counted the re-send (retried); a slot failed instead was not one.
            rerouting.poll();
            stats.heldCommands.decrementAndGet();
            stats.holdTime.observeNanos(now - rerouteSinceNanos);
        }
        if (!rerouting.isEmpty() && now - rerouteSinceNanos > settings.holdTimeout().toNanos()) {
            while ((slot = rerouting.poll()) != null) {
                stats.heldCommands.decrementAndGet();
                stats.holdTimeouts.increment();
                stats.holdTime.observeNanos(now - rerouteSinceNanos);
                slot.fail(timedOutError("no new master was verified for a command its node refused"));
            }
        }
        if (rerouting.isEmpty() && headWaiting) {
            headWaiting = false; // the head command runs again; it holds again if it still must
        }
        session.resumeOutsideReadBatch();
        queued = holding();
        return queued;
    }

    /** The client left: nothing it held waits any more. */
    void clear() {
        endHeadHold();
        ReplySlot slot;
        while ((slot = rerouting.poll()) != null) {
            stats.heldCommands.decrementAndGet();
            slot.discard();
        }
    }

    String timedOutError(String reason) {
        return "TRYAGAIN failover in progress: no node to serve this command after waiting up to "
                + settings.holdTimeout().toMillis() + " ms (" + reason + ")";
    }
}
