package io.respproxy.proxy.session;

import io.netty.buffer.ByteBuf;
import io.respproxy.proxy.backend.BackendConnection;
import io.respproxy.proxy.backend.BackendFailure;
import io.respproxy.proxy.backend.PendingReply;
import io.respproxy.proxy.resp.ReplyStrings;
import io.respproxy.proxy.resp.RespRequest;
import io.respproxy.proxy.resp.SharedReplies;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.command.CommandFlag;
import io.respproxy.routing.command.CommandSpec;
import io.respproxy.routing.route.Route;
import java.util.ArrayList;
import java.util.List;

/**
 * A MULTI in a cluster snapshot before the proxy knows its node. MULTI has no key, and a Redis
 * Cluster transaction runs on the node of its keys, so the proxy answers MULTI +OK itself, keeps
 * the commands without keys that follow (answered +QUEUED), and at the first keyed command opens
 * the dedicated connection to that key's node and sends MULTI and the kept commands there before
 * it. Their replies (+OK, +QUEUED) are dropped: the client had them already. A transaction that
 * never names a key runs on the node the router chose for MULTI.
 */
final class DeferredTransaction {

    /**
     * Commands without keys kept before the first key, at most: a bound on what a client can make
     * the proxy hold (Redis itself queues without one, but no real transaction has this many).
     */
    static final int MAX_KEPT = 1024;

    /** The backend's +OK and +QUEUED to what the client was answered already. */
    private static final PendingReply ANSWERED = new PendingReply() {
        @Override
        public void onReply(ByteBuf reply, boolean error) {
            // An error here (a command the node refused to queue) flags the transaction on the
            // node, whose EXEC then answers -EXECABORT itself.
            reply.release();
        }

        @Override
        public void onFailure(BackendFailure failure, boolean written) {
            // The connection's loss is the transaction's (Transaction#watchLoss).
        }
    };

    private final ClientSession session;
    private final Transaction transaction;
    private final NodeAddress keylessNode;
    private final List<RespRequest> kept = new ArrayList<>();

    /** @param keylessNode where the transaction runs if none of its commands has a key (the router's choice for MULTI) */
    DeferredTransaction(ClientSession session, Transaction transaction, NodeAddress keylessNode) {
        this.session = session;
        this.transaction = transaction;
        this.keylessNode = keylessNode;
    }

    /**
     * A command inside the transaction (not one the proxy refuses by its own rules). True when
     * the transaction is now open on its node's dedicated connection and {@code req} goes there
     * as usual; false when {@code req} was answered here (kept, refused, held, or it ended the
     * transaction).
     */
    boolean command(RespRequest req, CommandSpec spec, String name) {
        Route owner;
        switch (name) {
            case "multi", "watch" -> {
                // Redis answers these inside MULTI without failing the transaction.
                answer(req, Reply.error(session.alloc(), name.equals("multi") ? Reply.NESTED_MULTI : Reply.WATCH_IN_MULTI));
                return false;
            }
            case "discard" -> {
                answer(req, SharedReplies.ok());
                transaction.end();
                return false;
            }
            case "exec" -> {
                if (transaction.failed() || transaction.brokenWatch()) {
                    answer(req, transaction.failed() ? Reply.error(session.alloc(), Reply.EXECABORT)
                            : SharedReplies.nullArray(session.state().protocol()));
                    transaction.end();
                    return false;
                }
                owner = new Route.Pinned(keylessNode, false);
            }
            default -> owner = owner(req, spec);
        }
        if (owner == null) {
            return false; // no key: kept for the node, answered +QUEUED
        }
        if (owner instanceof Route.Hold h) {
            if (session.hold().hold(req)) {
                return false; // comes back here once the shard has a master
            }
            owner = new Route.Refuse(session.hold().timedOutError(h.reason()));
        }
        session.hold().released();
        if (owner instanceof Route.Pinned p) {
            if (transaction.pin(p.node(), this)) {
                return true;
            }
            owner = new Route.Refuse(Reply.TOO_MANY_DEDICATED);
        }
        transaction.refuse(req, ((Route.Refuse) owner).error());
        if (name.equals("exec")) {
            transaction.end();
        }
        return false;
    }

    /**
     * Where the transaction goes with {@code req}: the node of its keys ({@link Route.Pinned}); a
     * refusal, which fails the transaction as Redis fails one after a command it would not queue
     * (unknown, wrong arity, flagged no-multi, keys of several slots); a hold while that shard has no master. Null
     * when {@code req} has no key: it is kept (ownership passes here) and answered +QUEUED.
     */
    private Route owner(RespRequest req, CommandSpec spec) {
        if (!spec.isKnown()) {
            return new Route.Refuse(ReplyStrings.unknownCommand(req));
        }
        if (!spec.acceptsArgCount(req.size())) {
            return new Route.Refuse(ReplyStrings.wrongArity(spec.name()));
        }
        if (spec.has(CommandFlag.NO_MULTI)) {
            return new Route.Refuse("ERR Command not allowed inside a transaction");
        }
        Route owner = session.service().router().transactionNode(spec, req, session.service().topology());
        if (owner != null) {
            return owner;
        }
        if (kept.size() >= MAX_KEPT) {
            return new Route.Refuse("ERR respproxy: more than " + MAX_KEPT + " commands without a key before the "
                    + "transaction's first key (which chooses its cluster node)");
        }
        kept.add(req);
        session.writeLocal(SharedReplies.queued());
        return null;
    }

    private void answer(RespRequest req, ByteBuf reply) {
        session.writeLocal(reply);
        req.release();
    }

    /** Opens the transaction on {@code conn}: MULTI, then every kept command, in order. */
    void replay(BackendConnection conn) {
        conn.send(RespRequest.of(session.alloc(), "MULTI").frame(), ANSWERED);
        for (RespRequest r : kept) {
            conn.send(r.frame().retain(), ANSWERED);
            r.release();
        }
        kept.clear();
        session.pool().markDirty(conn);
    }

    /** The transaction ended before it had a node (DISCARD, EXECABORT, the client left). */
    void release() {
        for (RespRequest r : kept) {
            r.release();
        }
        kept.clear();
    }
}
