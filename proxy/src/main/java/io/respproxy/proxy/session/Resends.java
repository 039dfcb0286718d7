package io.respproxy.proxy.session;

import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.Topology;
import io.respproxy.routing.command.CommandSpec;
import io.respproxy.routing.route.Route;
import io.respproxy.routing.route.Router;

/**
 * A forwarded request sent again, into the same reply slot (so the client's order is kept), when
 * its failure or reply proves that safe: a read whose connection died goes once more to another
 * node; a write the master refused with -READONLY (it was demoted behind the proxy's back; the
 * refusal proves nothing was applied) waits for the next verified master and is sent there, in
 * order; a request whose connection failed before it was written waits for a node the same way.
 * Those that wait do so in the client's {@link FailoverHold}, which calls
 * {@link #resendRerouted} on every new topology. A cluster node's refusals are {@link Redirects}'.
 * One per client, beside its {@link Dispatcher}, which sends.
 */
final class Resends {

    /** A write bounced by -READONLY more often than this gets the error: the roles keep changing. */
    private static final int MAX_RESENDS = 3;

    private final ClientSession session;
    private final Dispatcher dispatcher;

    Resends(ClientSession session, Dispatcher dispatcher) {
        this.session = session;
        this.dispatcher = dispatcher;
    }

    /**
     * A read whose connection failed before it answered goes to another node (not {@code failed}),
     * into the same reply slot; with no other node now (a failover holds the master, the other
     * replica is being promoted), to the same node again: a connection killed by Sentinel's
     * CLIENT KILL leaves the node serving, and a dead node refuses the new connection, after
     * which the read waits for a node like any command that was never sent. False when closing.
     */
    boolean retryRead(ReplySlot slot, NodeAddress failed) {
        return retryRead(slot, failed, false);
    }

    /**
     * A read that {@code refused} answered -LOADING or -MASTERDOWN (a replica loading its data, or
     * one whose master link is down with {@code replica-serve-stale-data no}) goes to another node
     * that serves the same data, the master last, into the same reply slot. False when there is
     * none, or when closing: the client then gets the node's answer, as from Redis.
     */
    boolean retryReadElsewhere(ReplySlot slot, NodeAddress refused) {
        return retryRead(slot, refused, true);
    }

    private boolean retryRead(ReplySlot slot, NodeAddress failed, boolean elsewhere) {
        if (session.closing()) {
            return false;
        }
        Router router = session.service().router();
        Topology t = session.service().topology();
        CommandSpec spec = router.lookup(slot.request);
        int candidates = t.primaryShard().readReplicas().size() + 1;
        for (int i = 0; i < candidates; i++) {
            Route r = router.route(spec, slot.request, session.state(), session.state().role(), t,
                    session.state().nextReadSeq());
            if (r instanceof Route.ToNode n && !n.node().equals(failed)) {
                return resend(slot, n.node());
            }
        }
        // In a cluster the key's shard decides; the routes above were its only candidates.
        NodeAddress master = t.isCluster() ? null : t.primaryShard().master();
        if (master != null && !master.equals(failed)) {
            return resend(slot, master);
        }
        return !elsewhere && resend(slot, failed);
    }

    private boolean resend(ReplySlot slot, NodeAddress node) {
        slot.resends++;
        session.service().stats().retried.increment();
        dispatcher.send(slot, node);
        session.pool().flushBackends();
        return true;
    }

    /**
     * The node this slot's write went to answered -READONLY: the write waits for the next master
     * (the client's later commands wait behind it, in order). False when it cannot wait (holding
     * disabled, bounced too often): the client then gets the -READONLY error.
     */
    boolean rerouteReadOnly(ReplySlot slot) {
        if (session.closing() || slot.resends >= MAX_RESENDS) {
            return false;
        }
        slot.refusedVersion = session.service().topology().version();
        slot.retryAfterNanos = Long.MAX_VALUE; // only a new view may send it back to that node
        session.service().masterAnsweredReadOnly(slot.node);
        return session.hold().reroute(slot);
    }

    /**
     * A request whose connection failed before it was written (the node refused the connection:
     * killed, restarting): it waits for the node to be marked down and a new one chosen, or, if
     * the view does not change, tries the same node again after {@link #UNSENT_RETRY_NANOS}.
     */
    boolean rerouteUnsent(ReplySlot slot) {
        if (session.closing() || slot.resends >= MAX_RESENDS) {
            return false;
        }
        slot.refusedVersion = session.service().topology().version();
        slot.retryAfterNanos = System.nanoTime() + UNSENT_RETRY_NANOS;
        return session.hold().reroute(slot);
    }

    /** A transient refusal (the view never changed): the same node is tried again after this. */
    private static final long UNSENT_RETRY_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(250);

    /**
     * Sends a write that got -READONLY again: to another master than the one that refused it, or
     * to the same one once a topology newer than the refusal says it is the master again. False
     * while there is still nowhere to send it.
     */
    boolean resendRerouted(ReplySlot slot) {
        Topology t = session.service().topology();
        boolean waitedEnough = System.nanoTime() >= slot.retryAfterNanos;
        if (t.version() <= slot.sentVersion && !waitedEnough) {
            return false; // nothing learned since it was sent
        }
        Router router = session.service().router();
        Route r = router.route(router.lookup(slot.request), slot.request, session.state(), session.state().role(), t,
                session.state().nextReadSeq());
        if (r instanceof Route.Hold) {
            return false;
        }
        if (r instanceof Route.ToNode n) {
            if (n.node().equals(slot.node) && t.version() <= slot.refusedVersion && !waitedEnough) {
                return false; // the view still names the node that refused it: wait for the next one
            }
            resend(slot, n.node());
        } else {
            slot.fail(r instanceof Route.Refuse refuse ? refuse.error()
                    : "ERR respproxy: the master changed while this command waited; it was not applied");
        }
        return true;
    }
}
