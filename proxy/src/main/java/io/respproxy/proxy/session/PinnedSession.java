package io.respproxy.proxy.session;

import io.respproxy.proxy.backend.BackendConnection;
import io.respproxy.proxy.resp.RespRequest;
import io.respproxy.proxy.service.OutputLimit;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.Shard;
import io.respproxy.routing.command.CommandSpec;
import io.respproxy.routing.command.RoutingShape;
import io.respproxy.routing.route.Route;
import java.util.ArrayList;
import java.util.List;

/**
 * A client's connection-bound state that cannot travel over a multiplexed connection: a
 * transaction (WATCH ... MULTI ... EXEC), a blocking command, a subscription, MONITOR. Each takes a
 * dedicated backend connection for as long as the state lasts and gives it back after.
 *
 * <p>Entering a state is a barrier: the command waits until every earlier command of the client
 * has been answered, so it cannot overtake them on the other connection. While a blocking command
 * waits, later commands wait too, as they would on a real Redis connection.
 *
 * <p>This class pins the client to its connection and gives it back; what is sent on it is the
 * state's own: {@link Transaction}, {@link BlockedConnection}, {@link Subscription}, {@link MonitorPipe}.
 */
final class PinnedSession {

    enum Mode { NONE, WATCHING, TRANSACTION, BLOCKED, SUBSCRIBED, MONITOR }

    private final ClientSession session;
    private final Transaction transaction;
    private Mode mode = Mode.NONE;
    /** The transaction's or blocking command's connection; null when none, or it died (a lost transaction). */
    private BackendConnection dedicated;
    /** While blocked: the dedicated connection, as CLIENT UNBLOCK names it. */
    private BlockedConnection blocked;
    /** While subscribed: the subscription's connection, re-established when it dies. */
    private Subscription subscription;
    private boolean barrier;
    /** A command waits for the replies to the subscribed connection's commands (see {@link #intercept}). */
    private boolean subscriptionWait;

    private void subscriptionAnswered() {
        if (subscriptionWait) {
            subscriptionWait = false;
            session.channel().eventLoop().execute(session::resumeOutsideReadBatch);
        }
    }
    /**
     * The dedicated connection's state was changed in a way the pool cannot know (SELECT in MULTI,
     * a CLIENT UNBLOCK naming it): it is closed, not pooled, when the mode ends.
     */
    private boolean tainted;
    /** Commands queued in the open MULTI (CLIENT LIST's multi=). */
    private int queuedInMulti;
    /** A command queued in the open MULTI writes: CLIENT PAUSE WRITE holds its EXEC. */
    private boolean multiWrites;

    PinnedSession(ClientSession session) {
        this.session = session;
        this.transaction = new Transaction(session, this);
    }

    Mode mode() {
        return mode;
    }

    /** Changes the mode, keeping the service's blocked/pub-sub client counts (INFO) in step. */
    void mode(Mode next) {
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
        if (mode == Mode.MONITOR || next == Mode.MONITOR) {
            session.pool().monitoring(next == Mode.MONITOR ? 1 : -1);
        }
        session.outputClass(next == Mode.SUBSCRIBED ? OutputLimit.ClientClass.PUBSUB : OutputLimit.ClientClass.NORMAL);
        if (next == Mode.TRANSACTION) {
            queuedInMulti = 0;
            multiWrites = false;
        }
        mode = next;
    }

    /** A command is being queued in the open MULTI; {@code writes}: as CLIENT PAUSE WRITE counts it. */
    void queued(boolean writes) {
        multiWrites |= writes;
    }

    /** Whether EXEC would run a command that writes (CLIENT PAUSE WRITE holds it then). */
    boolean transactionWrites() {
        return mode == Mode.TRANSACTION && multiWrites;
    }

    /** CLIENT LIST's multi=: commands queued in the open MULTI, -1 outside one. */
    int multiQueued() {
        return mode == Mode.TRANSACTION ? queuedInMulti : -1;
    }

    /** Channels, patterns and shard channels subscribed (CLIENT LIST's sub, psub, ssub). */
    int subscribed(SubscriptionState.Space space) {
        return subscription == null ? 0 : subscription.state().count(space);
    }

    boolean isBlockedOrSubscribed() {
        return mode == Mode.BLOCKED || mode == Mode.SUBSCRIBED;
    }

    /** True while the next command must wait: for a barrier to clear, or for a blocking reply. */
    boolean waitingForBarrier(boolean queueEmpty) {
        if (barrier && queueEmpty && !subscriptionWait) {
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
            transaction.beginDeferred(req, node);
            return;
        }
        if (spec.shape() == RoutingShape.MONITOR) {
            mode(Mode.MONITOR); // before connecting: no spare connection opens for the monitor to see
        }
        BackendConnection conn = connect(node);
        if (conn == null) {
            mode(Mode.NONE);
            session.writeLocal(Reply.error(session.alloc(), Reply.TOO_MANY_DEDICATED));
            req.release();
            return;
        }
        if (spec.shape() == RoutingShape.MONITOR) {
            dedicated = conn;
            tainted = true; // in monitor mode for good: never given back to a pool
            MonitorPipe.start(session, conn, req, () -> dedicated == conn, false);
            if (session.service().topology().isCluster()) {
                monitorOtherMasters(node);
            }
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
            case MULTI, WATCH -> transaction.begin(conn, req, spec);
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
            transaction.outside(spec);
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
                if (transaction.ending()) {
                    // EXEC/DISCARD/UNWATCH is on its way: this command belongs after the mode, not
                    // on the dedicated connection. It waits until that reply is in and the mode over.
                    barrier = true;
                    session.input().addFirst(req);
                    return true;
                }
                if (mode == Mode.TRANSACTION && !name.equals("exec") && !name.equals("discard") && !name.equals("multi")) {
                    queuedInMulti++;
                }
                return transaction.command(req, spec, name);
            }
            case SUBSCRIBED -> {
                RoutingShape shape = spec.shape();
                if (name.equals("ssubscribe") && refusedShardChannel(req, spec)) {
                    return true;
                }
                if (shape == RoutingShape.SUBSCRIBE || shape == RoutingShape.UNSUBSCRIBE || name.equals("ping")) {
                    subscription.command(req, name);
                    return true;
                }
                if (session.state().protocol() == 3) {
                    return false;
                }
                if (subscription.state().answering()) {
                    // Redis answers this command after the (UN)SUBSCRIBE ahead of it, in whatever mode
                    // that leaves (the last UNSUBSCRIBE ends it): it waits for their replies and is
                    // handled again then.
                    barrier = true;
                    session.input().addFirst(req);
                    subscriptionWait = true;
                    subscription.whenAnswered(this::subscriptionAnswered);
                    return true;
                }
                session.writeLocal(Reply.error(session.alloc(), Reply.subscribedContext(req)));
                req.release();
                return true;
            }
            case MONITOR -> {
                MonitorPipe.send(session, dedicated, req);
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    /**
     * A cluster client's subscriptions share its one subscribed connection, on the node of its
     * first (shard) channel: an SSUBSCRIBE another node serves (or whose channels span slots) is
     * answered with an error here and true returned, rather than the node's -MOVED, which a plain
     * client cannot follow and which names a backend address. (A shard without a master: the
     * node decides.)
     */
    private boolean refusedShardChannel(RespRequest req, CommandSpec spec) {
        if (!subscription.connected()) {
            return false; // re-subscribing elsewhere: it waits, and the new node decides
        }
        Route owner = session.service().router().transactionNode(spec, req, session.service().topology());
        String error;
        if (owner instanceof Route.Refuse r) {
            error = r.error();
        } else if (owner instanceof Route.Pinned p && !p.node().equals(subscription.key().node())) {
            String channel = req.size() > 1 ? req.asString(1) : "";
            error = "ERR respproxy: shard channel '" + channel.substring(0, Math.min(channel.length(), 128))
                    + "' is served by another node than this connection's subscriptions; subscribe to it on"
                    + " another connection";
        } else {
            return false;
        }
        session.writeLocal(Reply.error(session.alloc(), error));
        req.release();
        return true;
    }

    /** A dedicated connection to {@code node} for the client's db and protocol; null at {@code dedicated.max-per-node}. */
    /**
     * Cluster MONITOR: the other masters' lines too, each on a dedicated connection of its own,
     * interleaved as they arrive (their +OK swallowed: the client gets the pinned node's). The
     * client's later commands go to the pinned node only. Masters that join later are not watched.
     */
    private void monitorOtherMasters(NodeAddress pinnedNode) {
        List<BackendConnection> others = new ArrayList<>();
        for (Shard shard : session.service().topology().shards()) {
            NodeAddress m = shard.master();
            if (m == null || m.equals(pinnedNode)) {
                continue;
            }
            BackendConnection c = connect(m);
            if (c == null) {
                continue; // dedicated.max-per-node reached there: that master is not watched
            }
            others.add(c);
            MonitorPipe.start(session, c, RespRequest.of(session.alloc(), "MONITOR"),
                    () -> mode == Mode.MONITOR && monitorOthers.contains(c), true);
        }
        monitorOthers = others;
    }

    /** Cluster MONITOR's connections to the other masters ({@link #monitorOtherMasters}). */
    private List<BackendConnection> monitorOthers = List.of();

    /** Closes cluster MONITOR's other connections: the mode ended, or the client left or RESET. */
    private void closeMonitorOthers() {
        for (BackendConnection other : monitorOthers) {
            other.pipeTo(null);
            other.close();
        }
        monitorOthers = List.of();
    }

    private BackendConnection connect(NodeAddress node) {
        ClientState state = session.state();
        return session.pool().dedicated(state.keyFor(node));
    }

    /**
     * Pins the client to a new dedicated connection to {@code node}, which a cluster MULTI's first
     * key chose ({@link Transaction#pin}); null when none could be had.
     */
    BackendConnection pin(NodeAddress node) {
        BackendConnection conn = connect(node);
        if (conn != null) {
            dedicated = conn;
        }
        return conn;
    }

    /** The transaction's or blocking command's connection; null when none, or it died. */
    BackendConnection dedicated() {
        return dedicated;
    }

    /** The dedicated connection's state no longer matches its pool key (SELECT in MULTI): closed when the mode ends. */
    void taint() {
        tainted = true;
    }

    /** The dedicated connection died: there is nothing to give back. */
    void dropDedicated() {
        dedicated = null;
        tainted = false;
    }

    /** The mode is over: the dedicated connection goes back to the pool, reads resume. */
    void end() {
        subscriptionAnswered(); // a command waiting on the subscription runs in the mode that follows
        closeMonitorOthers();
        transaction.reset(mode == Mode.TRANSACTION || mode == Mode.WATCHING);
        mode(Mode.NONE);
        blocked = null;
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
    }

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

    /** The client disconnected or sent RESET: the dedicated connection's state is unknown, so it is closed. */
    void abandon() {
        closeMonitorOthers();
        waitConnections.forEach(BackendConnection::close);
        waitConnections = java.util.List.of();
        mode(Mode.NONE);
        blocked = null;
        barrier = false;
        tainted = false;
        transaction.reset(true);
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
