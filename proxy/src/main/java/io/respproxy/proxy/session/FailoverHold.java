package io.respproxy.proxy.session;

import io.respproxy.proxy.resp.RespRequest;
import java.util.concurrent.TimeUnit;

/**
 * Failover is a pause, not an error: while the service has no node to send a client's command to
 * (no writable master during a failover, or two servers claiming the role), the command waits at
 * the head of the client's backlog and the client's later commands wait behind it, in order. The
 * session rechecks the topology every {@link #RECHECK_MILLIS}; once a master is known the commands
 * go there. After {@code failover.hold-timeout} the client gets -TRYAGAIN; past
 * {@code failover.hold-max-commands} held at once in the service, it gets -TRYAGAIN at once.
 */
final class FailoverHold {

    static final long RECHECK_MILLIS = 25;

    private final ClientSession session;
    /** When this client's current hold began, 0 when not holding. */
    private long sinceNanos;
    private boolean waiting;

    FailoverHold(ClientSession session) {
        this.session = session;
    }

    /** True while a held command waits for the next recheck. */
    boolean holding() {
        return waiting;
    }

    /**
     * Holds {@code req} (taking ownership) and returns true; or returns false, leaving {@code req}
     * to the caller, when the hold has lasted too long or the service holds too many commands.
     */
    boolean hold(RespRequest req) {
        long now = System.nanoTime();
        SessionSettings settings = session.settings;
        if (sinceNanos == 0) {
            if (settings.holdTimeout().isZero()
                    || session.service.stats().heldCommands.incrementAndGet() > settings.holdMaxCommands()) {
                if (!settings.holdTimeout().isZero()) {
                    session.service.stats().heldCommands.decrementAndGet();
                }
                return false;
            }
            sinceNanos = now;
        } else if (now - sinceNanos > settings.holdTimeout().toNanos()) {
            session.service.stats().holdTimeouts.increment();
            release();
            return false;
        }
        waiting = true;
        session.requeueFront(req);
        session.channel.eventLoop().schedule(() -> {
            waiting = false;
            session.retryBacklog();
        }, RECHECK_MILLIS, TimeUnit.MILLISECONDS);
        return true;
    }

    /** The held command found a node (or the client left): the hold ends. */
    void release() {
        if (sinceNanos != 0) {
            sinceNanos = 0;
            session.service.stats().heldCommands.decrementAndGet();
        }
    }

    String timedOutError(String reason) {
        return "TRYAGAIN failover in progress: no node to serve this command after waiting up to "
                + session.settings.holdTimeout().toMillis() + " ms (" + reason + ")";
    }
}
