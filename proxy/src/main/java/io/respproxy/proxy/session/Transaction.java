package io.respproxy.proxy.session;

import io.netty.buffer.ByteBuf;
import io.respproxy.proxy.backend.BackendConnection;
import io.respproxy.proxy.backend.BackendFailure;
import io.respproxy.proxy.resp.RespRequest;
import io.respproxy.proxy.resp.SharedReplies;
import io.respproxy.proxy.session.PinnedSession.Mode;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.command.CommandSpec;
import io.respproxy.routing.command.RoutingShape;
import io.respproxy.routing.route.Route;
import io.respproxy.routing.route.RoutingErrors;

/**
 * A client's transaction (WATCH ... MULTI ... EXEC, DISCARD, UNWATCH) on the dedicated connection
 * its {@link PinnedSession} holds: where each command inside it goes, what the proxy refuses there
 * (EXEC then answers EXECABORT, as Redis after a queuing error), a SELECT that takes effect only if
 * EXEC runs, a cluster MULTI that waits for its first key ({@link DeferredTransaction}), and the
 * connection's loss: a transaction is discarded ({@link LostTransaction}), a WATCH is broken and the
 * next EXEC answers nil without running.
 */
final class Transaction {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Transaction.class);

    private final ClientSession session;
    private final PinnedSession pinned;
    /**
     * The connection a WATCH was sent on died: the watch cannot be honoured, so the next EXEC
     * answers nil (as for a touched key) without running; cleared as Redis clears watches.
     */
    private boolean brokenWatch;
    /** EXEC, DISCARD or UNWATCH was sent: the mode ends with its reply; later commands wait for it. */
    private boolean ending;
    /** The proxy refused a command inside MULTI: EXEC must answer EXECABORT. */
    private boolean failed;
    /** The db a SELECT queued in MULTI switches the client to when EXEC runs, or -1. */
    private int selectedAtExec = -1;
    /** MULTI in a cluster snapshot, until its first keyed command chooses the node; else null. */
    private DeferredTransaction deferred;

    Transaction(ClientSession session, PinnedSession pinned) {
        this.session = session;
        this.pinned = pinned;
    }

    /**
     * MULTI in a cluster snapshot: Redis Cluster runs a transaction on the node of its keys, and
     * MULTI has none, so it is answered here and the connection waits for the first keyed command;
     * {@code keylessNode} is where the transaction runs if it never names a key.
     */
    void beginDeferred(RespRequest req, NodeAddress keylessNode) {
        pinned.mode(Mode.TRANSACTION);
        deferred = new DeferredTransaction(session, this, keylessNode);
        session.writeLocal(SharedReplies.ok());
        req.release();
    }

    /** MULTI or WATCH ({@code req}, ownership passes here) opens the transaction on {@code conn}, the pinned connection. */
    void begin(BackendConnection conn, RespRequest req, CommandSpec spec) {
        pinned.mode(spec.shape() == RoutingShape.MULTI ? Mode.TRANSACTION : Mode.WATCHING);
        watchLoss(conn);
        session.dispatcher().send(conn, req, clusterRedirects(), LostTransaction.answer(spec.name(), false));
    }

    /** A command outside any pinned mode: UNWATCH and RESET forget a broken watch, as Redis forgets watches. */
    void outside(CommandSpec spec) {
        if (brokenWatch && (spec.shape() == RoutingShape.UNWATCH || spec.name().equals("reset"))) {
            brokenWatch = false;
        }
    }

    /** EXEC, DISCARD or UNWATCH is on its way: the client's next command belongs after the mode. */
    boolean ending() {
        return ending;
    }

    /**
     * A command while WATCHing or inside MULTI: everything goes to the dedicated connection, where
     * Redis queues or refuses it. What the proxy itself refuses inside MULTI (deny list, a
     * read-only user's write) marks the transaction as failed, and EXEC then answers EXECABORT,
     * as Redis does after a queuing error (the proxy sends DISCARD to end it on the backend).
     * False when the session should treat {@code req} as usual.
     */
    boolean command(RespRequest req, CommandSpec spec, String name) {
        RoutingShape shape = spec.shape();
        boolean denied = session.service().router().isDenied(spec);
        boolean refused = denied || (session.state().readOnlyUser() && !spec.isReadOnly() && !isTransactionControl(shape));
        if (refused) {
            refuse(req, denied ? RoutingErrors.denied(spec) : RoutingErrors.noPermission(req));
            return true;
        }
        if ((name.equals("client|pause") || name.equals("client|unpause")) && pinned.mode() == Mode.TRANSACTION) {
            // Queued on the dedicated connection it would pause the node itself at EXEC, every
            // client of it included; the proxy pauses its own clients, which it cannot do at EXEC.
            refuse(req, "ERR CLIENT " + (name.endsWith("unpause") ? "UNPAUSE" : "PAUSE")
                    + " inside MULTI is not supported by respproxy (it pauses the proxy's clients, not the node)");
            return true;
        }
        if (name.equals("select") && pinned.mode() == Mode.TRANSACTION) {
            // Applied at EXEC on the dedicated connection: it no longer matches its pool key, and
            // the client's db changes if EXEC runs.
            pinned.taint();
            selectedAtExec = (int) req.parseLong(1, -1);
        }
        if (deferred != null && !deferred.command(req, spec, name)) {
            return true;
        }
        BackendConnection dedicated = pinned.dedicated(); // read after the deferred MULTI may have pinned it
        // (An EXEC already bound to fail (EXECABORT, or nil for a broken watch) runs nothing: not held.)
        boolean applies = !failed && !brokenWatch
                && (pinned.mode() == Mode.WATCHING || (pinned.mode() == Mode.TRANSACTION && name.equals("exec")));
        if (dedicated != null && applies && !session.service().topology().isCluster()) {
            // What would run on the pinned master (EXEC; any command while WATCHing) runs there only
            // while it is the published master. During a failover (none published) it waits, as
            // every write does. Once another master is published, the old one may still take it
            // until it is demoted, and then drop what it applied: the transaction is discarded (or
            // the WATCH broken) instead. The pool closes the old master's connections too, but
            // its task may run after this read (Netty runs I/O before tasks).
            NodeAddress master = session.service().topology().primaryShard().master();
            if (master == null) {
                if (session.hold().hold(req)) {
                    return true; // back here once a master is published, or the hold has timed out
                }
                // Held too long, or the hold is full: hold() has ended its accounting and keeps its
                // time-out, so the command, if it goes on as usual, is refused at once.
            } else {
                session.hold().released();
            }
            if (!dedicated.key().node().equals(master)) {
                dedicated.fail(new BackendFailure(dedicated.key().node(), BackendFailure.Kind.CLOSED,
                        master == null ? "no master to run it on (failover.hold-timeout, or the hold is full)"
                                : "no longer the master"));
                dedicated = pinned.dedicated(); // null: the loss was handled (dedicatedLost)
                if (pinned.mode() == Mode.NONE) {
                    // The WATCH broke: the command runs as usual (an UNWATCH or RESET also forgets
                    // the broken watch), and EXEC will answer nil.
                    outside(spec);
                    return false;
                }
            }
        }
        if (dedicated == null) {
            // The connection died inside MULTI: the transaction is discarded (LostTransaction).
            session.hold().released(); // (a held EXEC whose connection died meanwhile)
            if (LostTransaction.afterLoss(session, req, spec)) {
                pinned.end();
            }
            req.release();
            return true;
        }
        Route owner = session.service().router().transactionNode(spec, req, session.service().topology());
        boolean here = owner instanceof Route.Pinned p && p.node().equals(dedicated.key().node());
        if (owner != null && !here && !(owner instanceof Route.Hold)) {
            // Keys another cluster node owns (where Redis would answer -MOVED), or that no node
            // may take. A shard without a master (Hold): the pinned node decides.
            if (pinned.mode() == Mode.WATCHING && shape != RoutingShape.WATCH) {
                return false; // outside MULTI it runs on its own node, as usual
            }
            refuse(req, owner instanceof Route.Refuse r ? r.error() : RoutingErrors.CROSSSLOT);
            return true;
        }
        ReplySlot.LostReply lost = LostTransaction.answer(name, pinned.mode() == Mode.TRANSACTION);
        if (shape == RoutingShape.MULTI) {
            pinned.mode(Mode.TRANSACTION);
        }
        boolean exec = name.equals("exec");
        if (exec && dedicated != null) {
            session.writes().wroteTo(dedicated.key().node()); // a later WAIT waits there too
        }
        if (exec && (failed || brokenWatch) && pinned.mode() == Mode.TRANSACTION) {
            // Not run: a command was refused (EXECABORT), or a WATCH was lost with its connection
            // (nil, as for a touched key: a client's optimistic-locking loop then tries again).
            boolean abort = failed;
            ending = true;
            session.dispatcher().send(dedicated, RespRequest.of(session.alloc(), "DISCARD"), (s, reply) -> {
                reply.release();
                pinned.end();
                return abort ? Reply.error(s.alloc(), Reply.EXECABORT) : SharedReplies.nullArray(s.state().protocol());
            }, null);
            req.release();
            return true;
        }
        // EXEC or DISCARD without MULTI (while WATCHing) is refused by the node, which keeps the
        // watches: the connection stays the client's, or the pool would lend a watched connection.
        boolean ends = pinned.mode() == Mode.TRANSACTION ? shape == RoutingShape.EXEC : shape == RoutingShape.UNWATCH;
        boolean writes = exec && pinned.transactionWrites();
        ending = ends;
        session.dispatcher().send(dedicated, req, ends ? (s, reply) -> {
            if (exec && selectedAtExec >= 0 && executed(reply)) {
                s.state().db(selectedAtExec);
            }
            pinned.end();
            return TransactionRedirect.replied(s, reply);
        } : clusterRedirects(), lost);
        if (writes) {
            dedicated.lastQueuedWrites(); // EXEC is the write: nothing is sent behind it until it is answered
        }
        return true;
    }

    /** In a cluster, what a transaction's command does with a -MOVED / -ASK of its node ({@link TransactionRedirect}). */
    private ReplySlot.ReplyHook clusterRedirects() {
        return session.service().topology().isCluster() ? TransactionRedirect::replied : null;
    }

    /**
     * The deferred transaction {@code opening} chose {@code node} (a cluster MULTI's first key):
     * it opens there on a dedicated connection; false when none could be had
     * ({@code dedicated.max-per-node}).
     */
    boolean pin(NodeAddress node, DeferredTransaction opening) {
        BackendConnection conn = pinned.pin(node);
        if (conn == null) {
            return false;
        }
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
    void refuse(RespRequest req, String error) {
        if (pinned.mode() == Mode.TRANSACTION) {
            failed = true;
        }
        session.hold().released(); // (a held command refused when it came back: a reload's deny list)
        session.writeLocal(Reply.error(session.alloc(), error));
        req.release();
    }

    /** The transaction is over without its EXEC or DISCARD reaching a node: the pinned mode ends. */
    void end() {
        pinned.end();
    }

    /**
     * The pinned mode ended (or the client left or sent RESET): nothing of this transaction remains;
     * {@code forgetWatch}: a broken watch is forgotten too (EXEC, DISCARD, UNWATCH and RESET forget
     * every watched key), not when a blocking command or a subscription ended.
     */
    void reset(boolean forgetWatch) {
        if (forgetWatch) {
            brokenWatch = false;
        }
        ending = false;
        failed = false;
        selectedAtExec = -1;
        if (deferred != null) {
            deferred.release();
            deferred = null;
        }
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
        if (conn != pinned.dedicated()) {
            return;
        }
        Mode mode = pinned.mode();
        log.info("client id={}: its {} connection to {} was lost ({}); {}", session.id(),
                mode == Mode.TRANSACTION ? "transaction's" : "WATCH's", conn.key().node(),
                why == null ? "closed" : why.message(false),
                mode == Mode.TRANSACTION ? "the transaction is discarded" : "the next EXEC answers nil");
        pinned.dropDedicated();
        if (mode == Mode.WATCHING) {
            // An UNWATCH on its way ends the watch anyway.
            brokenWatch = !ending;
            pinned.mode(Mode.NONE);
            ending = false;
            selectedAtExec = -1;
        }
    }
}
