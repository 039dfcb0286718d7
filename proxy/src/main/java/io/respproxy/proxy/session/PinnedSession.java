package io.respproxy.proxy.session;

import io.netty.buffer.ByteBuf;
import io.respproxy.proxy.backend.BackendConnection;
import io.respproxy.proxy.backend.BackendFailure;
import io.respproxy.proxy.backend.BackendKey;
import io.respproxy.proxy.resp.RespRequest;
import io.respproxy.proxy.resp.SharedReplies;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.command.CommandSpec;
import io.respproxy.routing.command.RoutingShape;
import io.respproxy.routing.route.Route;
import io.respproxy.routing.route.RoutingErrors;

/**
 * A client's connection-bound state that cannot travel over a multiplexed connection: a
 * transaction (WATCH ... MULTI ... EXEC), a blocking command, a subscription. Each takes a
 * dedicated backend connection for as long as the state lasts and gives it back after.
 *
 * <p>Entering a state is a barrier: the command waits until every earlier command of the client
 * has been answered, so it cannot overtake them on the other connection. While a blocking command
 * waits, later commands wait too, as they would on a real Redis connection.
 */
final class PinnedSession {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(PinnedSession.class);

    enum Mode { NONE, WATCHING, TRANSACTION, BLOCKED, SUBSCRIBED }

    private final ClientSession session;
    private Mode mode = Mode.NONE;
    /** The transaction's or blocking command's connection; null when none, or it died (a lost transaction). */
    private BackendConnection dedicated;
    /** While blocked: the dedicated connection, as CLIENT UNBLOCK names it. */
    private BlockedConnection blocked;
    /** While subscribed: the subscription's connection, re-established when it dies. */
    private Subscription subscription;
    /**
     * The connection a WATCH was sent on died: the watch cannot be honoured, so the next EXEC
     * answers nil (as for a touched key) without running; cleared as Redis clears watches.
     */
    private boolean brokenWatch;
    private boolean barrier;
    /** EXEC, DISCARD or UNWATCH was sent: the mode ends with its reply; later commands wait for it. */
    private boolean ending;
    /** The dedicated connection's state was changed in a way the pool cannot know (SELECT in MULTI). */
    private boolean tainted;
    /** The proxy refused a command inside MULTI: EXEC must answer EXECABORT. */
    private boolean failed;
    /** The db a SELECT queued in MULTI switches the client to when EXEC runs, or -1. */
    private int selectedAtExec = -1;
    /** MULTI in a cluster snapshot, until its first keyed command chooses the node; else null. */
    private DeferredTransaction deferred;

    PinnedSession(ClientSession session) {
        this.session = session;
    }

    Mode mode() {
        return mode;
    }

    /** Changes the mode, keeping the service's blocked/pub-sub client counts (INFO) in step. */
    private void mode(Mode next) {
        if (next == mode) {
            return;
        }
        var stats = session.service().stats();
        if (mode == Mode.BLOCKED) {
            stats.blockedClients.decrementAndGet();
        } else if (mode == Mode.SUBSCRIBED) {
            stats.pubsubClients.decrementAndGet();
        }
        if (next == Mode.BLOCKED) {
            stats.blockedClients.incrementAndGet();
        } else if (next == Mode.SUBSCRIBED) {
            stats.pubsubClients.incrementAndGet();
        }
        mode = next;
    }

    boolean isBlockedOrSubscribed() {
        return mode == Mode.BLOCKED || mode == Mode.SUBSCRIBED;
    }

    /** True while the next command must wait: for a barrier to clear, or for a blocking reply. */
    boolean waitingForBarrier(boolean queueEmpty) {
        if (barrier && queueEmpty) {
            barrier = false;
        }
        return barrier || mode == Mode.BLOCKED;
    }

    /**
     * Starts a stateful mode with {@code req} (MULTI, WATCH, a blocking command, SUBSCRIBE) on a
     * dedicated connection to {@code node}, which the router chose.
     */
    void begin(RespRequest req, CommandSpec spec, NodeAddress node) {
        if (dedicated != null || subscription != null) {
            // RESP3 lets a subscribed client send other commands; a second connection of its own
            // (BLPOP, MULTI) while subscribed is not something the proxy can pin.
            session.writeLocal(Reply.error(session.alloc(), "ERR respproxy: '" + spec.name()
                    + "' is not supported while this connection is subscribed; UNSUBSCRIBE first"));
            req.release();
            return;
        }
        if (!session.idle()) {
            // Barrier: run again once every earlier reply is in.
            barrier = true;
            session.input().addFirst(req);
            return;
        }
        if (spec.shape() == RoutingShape.MULTI && session.service().topology().isCluster()) {
            // Redis Cluster runs a transaction on the node of its keys, and MULTI has none: the
            // connection waits for the first keyed command.
            mode(Mode.TRANSACTION);
            deferred = new DeferredTransaction(session, this, node);
            session.writeLocal(SharedReplies.ok());
            req.release();
            return;
        }
        ClientState state = session.state();
        BackendConnection conn = session.pool().dedicated(new BackendKey(node, state.db(), state.protocol()));
        if (conn == null) {
            session.writeLocal(Reply.error(session.alloc(), Reply.TOO_MANY_DEDICATED));
            req.release();
            return;
        }
        if (spec.shape() == RoutingShape.SUBSCRIBE) {
            mode(Mode.SUBSCRIBED);
            subscription = new Subscription(session, this::end);
            subscription.start(conn, req, spec.name());
            return;
        }
        dedicated = conn;
        switch (spec.shape()) {
            case MULTI, WATCH -> {
                mode(spec.shape() == RoutingShape.MULTI ? Mode.TRANSACTION : Mode.WATCHING);
                watchLoss(conn);
                session.dispatcher().send(conn, req, clusterRedirects(), LostTransaction.answer(spec.name(), false));
            }
            default -> {
                // BLOCKING, and XREAD ... BLOCK whose shape is BLOCKING too
                mode(Mode.BLOCKED);
                blocked = BlockedConnection.send(session, conn, req, spec, this::end);
            }
        }
    }

    /**
     * A barrier for a command that must come after every earlier reply (cluster WAIT): true, with
     * {@code req} back at the head of the backlog, when earlier replies are outstanding; false
     * when the client is idle and {@code req} may go now.
     */
    boolean barrierUntilIdle(RespRequest req) {
        if (session.idle()) {
            return false;
        }
        barrier = true;
        session.input().addFirst(req);
        return true;
    }

    /** The client's next commands wait until every reply sent so far is in (a multi-node WAIT). */
    void raiseBarrier() {
        barrier = true;
    }

    /**
     * CLIENT UNBLOCK aimed at this client (see {@link BlockedConnection#unblock}). The blocking
     * connection is then closed rather than pooled when the wait ends: its id was named in an
     * UNBLOCK that may still be in flight, and must never reach another client's blocking command
     * on a reused connection.
     */
    java.util.concurrent.CompletableFuture<String> unblock(String unblockMode) {
        if (mode != Mode.BLOCKED || blocked == null) {
            return java.util.concurrent.CompletableFuture.completedFuture(":0");
        }
        tainted = true;
        return blocked.unblock(session, unblockMode);
    }

    /**
     * Handles {@code req} when a mode is active; false when the session should treat it as usual.
     */
    boolean intercept(RespRequest req, CommandSpec spec) {
        String name = spec.name();
        if (mode == Mode.NONE) {
            if (brokenWatch && (spec.shape() == RoutingShape.UNWATCH || name.equals("reset"))) {
                brokenWatch = false;
            }
            return false;
        }
        if (name.equals("quit") || name.equals("auth") || name.equals("hello")) {
            return false;
        }
        if (name.equals("reset")) {
            abandon();
            return false;
        }
        switch (mode) {
            case TRANSACTION, WATCHING -> {
                if (ending) {
                    // EXEC/DISCARD/UNWATCH is on its way: this command belongs after the mode, not
                    // on the dedicated connection. It waits until that reply is in and the mode over.
                    barrier = true;
                    session.input().addFirst(req);
                    return true;
                }
                return transactionCommand(req, spec, name);
            }
            case SUBSCRIBED -> {
                RoutingShape shape = spec.shape();
                if (shape == RoutingShape.SUBSCRIBE || shape == RoutingShape.UNSUBSCRIBE || name.equals("ping")) {
                    subscription.command(req, name);
                    return true;
                }
                if (session.state().protocol() == 3) {
                    return false;
                }
                session.writeLocal(Reply.error(session.alloc(), Reply.subscribedContext(req)));
                req.release();
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    /**
     * A command while WATCHing or inside MULTI: everything goes to the dedicated connection, where
     * Redis queues or refuses it. What the proxy itself refuses inside MULTI (deny list, a
     * read-only user's write) marks the transaction as failed, and EXEC then answers EXECABORT,
     * as Redis does after a queuing error (the proxy sends DISCARD to end it on the backend).
     */
    private boolean transactionCommand(RespRequest req, CommandSpec spec, String name) {
        RoutingShape shape = spec.shape();
        boolean denied = session.service().router().isDenied(spec);
        boolean refused = denied || (session.state().readOnlyUser() && !spec.isReadOnly() && !isTransactionControl(shape));
        if (refused) {
            refuseInTransaction(req, denied ? RoutingErrors.denied(spec) : RoutingErrors.noPermission(req));
            return true;
        }
        if (name.equals("select") && mode == Mode.TRANSACTION) {
            // Applied at EXEC on the dedicated connection: it no longer matches its pool key, and
            // the client's db changes if EXEC runs.
            tainted = true;
            selectedAtExec = (int) req.parseLong(1, -1);
        }
        if (deferred != null && !deferred.command(req, spec, name)) {
            return true;
        }
        if (dedicated == null) {
            // The connection died inside MULTI: the transaction is discarded (LostTransaction).
            if (LostTransaction.afterLoss(session, req, spec)) {
                end();
            }
            req.release();
            return true;
        }
        Route owner = session.service().router().transactionNode(spec, req, session.service().topology());
        boolean here = owner instanceof Route.Pinned p && p.node().equals(dedicated.key().node());
        if (owner != null && !here && !(owner instanceof Route.Hold)) {
            // Keys another cluster node owns (where Redis would answer -MOVED), or that no node
            // may take. A shard without a master (Hold): the pinned node decides.
            if (mode == Mode.WATCHING && shape != RoutingShape.WATCH) {
                return false; // outside MULTI it runs on its own node, as usual
            }
            refuseInTransaction(req, owner instanceof Route.Refuse r ? r.error() : RoutingErrors.CROSSSLOT);
            return true;
        }
        ReplySlot.LostReply lost = LostTransaction.answer(name, mode == Mode.TRANSACTION);
        if (shape == RoutingShape.MULTI) {
            mode(Mode.TRANSACTION);
        }
        boolean exec = name.equals("exec");
        if (exec && dedicated != null) {
            session.writes().wroteTo(dedicated.key().node()); // a later WAIT waits there too
        }
        if (exec && (failed || brokenWatch) && mode == Mode.TRANSACTION) {
            // Not run: a command was refused (EXECABORT), or a WATCH was lost with its connection
            // (nil, as for a touched key: a client's optimistic-locking loop then tries again).
            boolean abort = failed;
            ending = true;
            session.dispatcher().send(dedicated, RespRequest.of(session.alloc(), "DISCARD"), (s, reply) -> {
                reply.release();
                end();
                return abort ? Reply.error(s.alloc(), Reply.EXECABORT) : SharedReplies.nullArray(s.state().protocol());
            }, null);
            req.release();
            return true;
        }
        boolean ends = shape == RoutingShape.EXEC || (mode == Mode.WATCHING && shape == RoutingShape.UNWATCH);
        ending = ends;
        session.dispatcher().send(dedicated, req, ends ? (s, reply) -> {
            if (exec && selectedAtExec >= 0 && executed(reply)) {
                s.state().db(selectedAtExec);
            }
            end();
            return TransactionRedirect.replied(s, reply);
        } : clusterRedirects(), lost);
        return true;
    }

    /** In a cluster, what a transaction's command does with a -MOVED / -ASK of its node ({@link TransactionRedirect}). */
    private ReplySlot.ReplyHook clusterRedirects() {
        return session.service().topology().isCluster() ? TransactionRedirect::replied : null;
    }

    /**
     * The transaction's dedicated connection is {@code conn} from now on (a cluster MULTI's
     * first key chose its node); false when it could not be had ({@code dedicated.max-per-node}).
     */
    boolean pin(NodeAddress node, DeferredTransaction opening) {
        ClientState state = session.state();
        BackendConnection conn = session.pool().dedicated(new BackendKey(node, state.db(), state.protocol()));
        if (conn == null) {
            return false;
        }
        dedicated = conn;
        deferred = null;
        watchLoss(conn);
        opening.replay(conn);
        return true;
    }

    /** A command refused inside MULTI has failed the transaction; a lost WATCH has broken it. */
    boolean failed() {
        return failed;
    }

    boolean brokenWatch() {
        return brokenWatch;
    }

    /** A command Redis would not queue: its error, and EXEC answers EXECABORT (as Redis after a queuing error). */
    void refuseInTransaction(RespRequest req, String error) {
        if (mode == Mode.TRANSACTION) {
            failed = true;
        }
        session.writeLocal(Reply.error(session.alloc(), error));
        req.release();
    }

    /** Commands that drive the transaction itself: a read-only user may send them. */
    private static boolean isTransactionControl(RoutingShape shape) {
        return switch (shape) {
            case MULTI, EXEC, WATCH, UNWATCH, LOCAL -> true;
            default -> false;
        };
    }

    /** EXEC ran its commands: an array reply that is not the null array of an aborted WATCH. */
    private static boolean executed(ByteBuf reply) {
        int i = reply.readerIndex();
        byte t = reply.getByte(i);
        return (t == '*' && reply.getByte(i + 1) != '-') || t == '~';
    }

    /**
     * Watches the connection of a transaction or WATCH: if it dies, a transaction in progress is
     * discarded (its later commands are answered by {@link LostTransaction}) and a WATCH without
     * MULTI ends with the watch broken. Called before anything is sent on it, so the commands in
     * flight fail after this has run, and see the new state.
     */
    private void watchLoss(BackendConnection conn) {
        BackendConnection.FrameSink sink = new BackendConnection.FrameSink() {
            @Override
            public void onFrame(ByteBuf frame) {
                frame.release(); // a push nobody asked for (the transaction's replies come in order)
            }

            @Override
            public void onClosed(BackendFailure why) {
                dedicatedLost(conn, why);
            }
        };
        conn.pipeTo(sink);
        if (!conn.isUsable()) {
            dedicatedLost(conn, conn.failure()); // refused at once (reconnect backoff)
        }
    }

    private void dedicatedLost(BackendConnection conn, BackendFailure why) {
        if (conn != dedicated) {
            return;
        }
        log.info("client id={}: its {} connection to {} was lost ({}); {}", session.id(),
                mode == Mode.TRANSACTION ? "transaction's" : "WATCH's", conn.key().node(),
                why == null ? "closed" : why.message(false),
                mode == Mode.TRANSACTION ? "the transaction is discarded" : "the next EXEC answers nil");
        dedicated = null;
        tainted = false;
        if (mode == Mode.WATCHING) {
            // An UNWATCH on its way ends the watch anyway.
            brokenWatch = !ending;
            mode(Mode.NONE);
            ending = false;
            selectedAtExec = -1;
        }
    }

    /** The mode is over: the dedicated connection goes back to the pool, reads resume. */
    void end() {
        if (mode == Mode.TRANSACTION || mode == Mode.WATCHING) {
            brokenWatch = false; // EXEC, DISCARD and UNWATCH forget every watched key
        }
        mode(Mode.NONE);
        blocked = null;
        ending = false;
        BackendConnection c = dedicated;
        dedicated = null;
        Subscription sub = subscription;
        subscription = null;
        if (sub != null) {
            sub.stop();
        }
        if (c != null) {
            c.pipeTo(null);
            if (tainted) {
                c.close();
            } else {
                session.pool().release(c);
            }
        }
        tainted = false;
        failed = false;
        selectedAtExec = -1;
        dropDeferred();
    }

    private void dropDeferred() {
        if (deferred != null) {
            deferred.release();
            deferred = null;
        }
    }

    /** The client disconnected or sent RESET: the dedicated connection's state is unknown, so it is closed. */
    /**
     * A multi-node WAIT's dedicated connections ({@link ClusterWait}), until its reply: released
     * then, closed if the client leaves first (the WAIT may still block them on their nodes).
     */
    private java.util.List<BackendConnection> waitConnections = java.util.List.of();

    void holdWaitConnections(java.util.List<BackendConnection> conns) {
        waitConnections = conns;
    }

    void releaseWaitConnections() {
        waitConnections.forEach(session.pool()::release); // a connection that failed is not pooled
        waitConnections = java.util.List.of();
    }

    void abandon() {
        waitConnections.forEach(BackendConnection::close);
        waitConnections = java.util.List.of();
        mode(Mode.NONE);
        blocked = null;
        ending = false;
        barrier = false;
        tainted = false;
        failed = false;
        selectedAtExec = -1;
        brokenWatch = false;
        dropDeferred();
        Subscription sub = subscription;
        subscription = null;
        if (sub != null) {
            sub.stop();
        }
        if (dedicated != null) {
            dedicated.pipeTo(null);
            dedicated.close();
            dedicated = null;
        }
    }
}
