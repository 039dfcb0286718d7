package io.respproxy.proxy.session;

import io.respproxy.proxy.backend.BackendConnection;
import io.respproxy.proxy.backend.BackendFailure;
import io.respproxy.proxy.backend.BackendKey;
import io.respproxy.proxy.resp.RespRequest;
import io.respproxy.proxy.service.HoldQueue;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.Topology;
import io.respproxy.routing.route.Route;
import io.respproxy.routing.route.Router;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-establishes a subscription whose dedicated connection died (the node was killed or
 * restarted, it closed the connection, the proxy left the node): the router places the client's
 * SUBSCRIBE again with the current topology, and a new dedicated connection to that node takes
 * over ({@link Subscription#reconnected}). While there is no node for it (a failover in progress)
 * or the new connection is refused, it waits like a held command, in the loop's
 * {@link HoldQueue}: every new topology wakes it, and a node that refused is tried again after
 * {@link #RETRY_NANOS}. Past {@code failover.hold-timeout} without a subscription confirmed, the
 * client's connection is closed, so that its library resubscribes on reconnect.
 */
final class Resubscriber implements HoldQueue.Waiter {

    private static final Logger log = LoggerFactory.getLogger(Resubscriber.class);

    /** A node that refused the new connection, the view unchanged, is dialled again after this. */
    private static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    private final ClientSession session;
    private final Subscription subscription;
    /** When the connection was lost and no new one has confirmed the subscriptions since; 0: none lost. */
    private long lostSinceNanos;
    /** Waiting for a new connection (none is being set up). */
    private boolean waiting;
    private boolean queued;
    private long lastAttemptNanos;
    private long lastAttemptVersion = -1;

    Resubscriber(ClientSession session, Subscription subscription) {
        this.session = session;
        this.subscription = subscription;
    }

    /** The connection to {@code node} died (called while it fails: the pool has not forgotten it yet). */
    void lost(NodeAddress node, BackendFailure why) {
        if (lostSinceNanos == 0) {
            lostSinceNanos = System.nanoTime();
            log.info("client id={} subscribed through {}: {}; subscribing again", session.id(), node,
                    why == null ? "connection closed" : why.message(false));
        }
        waiting = true;
        // After the failing connection is counted closed (dedicated.max-per-node), not from inside it.
        session.channel().eventLoop().execute(() -> {
            if (waiting) {
                step();
            }
        });
    }

    /** The new connection confirmed every subscription: a later loss starts a new wait. */
    void settled() {
        if (lostSinceNanos != 0 && !waiting) {
            log.debug("client id={}: subscriptions re-established", session.id());
            lostSinceNanos = 0;
        }
    }

    /** Subscribed mode ended: nothing to re-establish. */
    void cancel() {
        waiting = false;
        lostSinceNanos = 0;
    }

    /** Woken by a new topology or the hold queue's timer; true while it must go on waiting. */
    @Override
    public boolean retry() {
        boolean again = step();
        queued = again;
        return again;
    }

    /** Tries to subscribe again now; true while it must wait (it is then in the hold queue). */
    private boolean step() {
        if (!waiting || !subscription.active() || session.closing()) {
            waiting = false;
            return false;
        }
        Topology t = session.service().topology();
        long now = System.nanoTime();
        boolean learnedSomething = t.version() != lastAttemptVersion || now - lastAttemptNanos >= RETRY_NANOS;
        if (learnedSomething && attempt(t, now)) {
            waiting = false;
            return false;
        }
        if (!waiting) {
            return false; // given up
        }
        if (now - lostSinceNanos > session.settings().holdTimeout().toNanos()) {
            giveUp("no node took the subscription within failover.hold-timeout ("
                    + session.settings().holdTimeout().toMillis() + " ms)");
            return false;
        }
        if (!queued) {
            queued = true;
            session.holdQueue().add(this);
        }
        return true;
    }

    /** Routes the client's SUBSCRIBE again and opens a connection there; true when one is on its way. */
    private boolean attempt(Topology t, long now) {
        lastAttemptNanos = now;
        lastAttemptVersion = t.version();
        Router router = session.service().router();
        RespRequest probe = RespRequest.of(session.alloc(), subscription.state().routingCommand());
        Route r;
        try {
            ClientState state = session.state();
            r = router.route(router.lookup(probe), probe, state, state.role(), t, state.nextReadSeq());
        } finally {
            probe.release();
        }
        if (r instanceof Route.Pinned p) {
            BackendKey old = subscription.key();
            BackendConnection c = session.pool().dedicated(old.on(p.node()));
            // null: every dedicated connection to the node is taken; wait like a held command
            return c != null && subscription.reconnected(c);
        }
        if (r instanceof Route.Refuse refuse) {
            giveUp("the router refuses it now: " + refuse.error());
        }
        return false; // Hold: no node for it now
    }

    private void giveUp(String why) {
        waiting = false;
        log.info("client id={}: its {} subscription(s) could not be re-established ({}); closing the client so it "
                + "resubscribes", session.id(), subscription.state().subscriptions(), why);
        session.close();
    }
}
