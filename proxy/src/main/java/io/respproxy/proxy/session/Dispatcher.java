package io.respproxy.proxy.session;

import io.netty.buffer.ByteBuf;
import io.respproxy.proxy.backend.BackendConnection;
import io.respproxy.proxy.backend.BackendKey;
import io.respproxy.proxy.backend.BackendPool;
import io.respproxy.proxy.backend.PendingReply;
import io.respproxy.proxy.backend.RequestEncoder;
import io.respproxy.proxy.resp.RespRequest;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.Topology;
import io.respproxy.routing.command.CommandSpec;
import io.respproxy.routing.command.RoutingShape;
import io.respproxy.routing.route.Route;
import io.respproxy.routing.route.Router;
import io.respproxy.routing.slot.SlotHash;

/**
 * Executes a client's {@link Route}s on its event loop and owns what happens to replies by kind:
 * a read whose connection died goes once more to another node; a write the master refused with
 * -READONLY (it was demoted behind the proxy's back; the refusal proves nothing was applied) waits
 * for the next verified master and is sent there, in order, into the same reply slot.
 */
final class Dispatcher {

    /** A write bounced by -READONLY more often than this gets the error: the roles keep changing. */
    private static final int MAX_RESENDS = 3;

    private final ClientSession session;
    private final BackendPool pool;
    /** This client's shared connection to each node, among {@code connections-per-node} (BackendPool#nextLane). */
    private final int lane;
    private final Redirects redirects;

    Dispatcher(ClientSession session, BackendPool pool) {
        this.session = session;
        this.pool = pool;
        this.lane = pool.nextLane();
        this.redirects = new Redirects(session, this, pool);
    }

    /** Where a cluster node's -MOVED / -ASK / -TRYAGAIN / -CLUSTERDOWN sends this client's commands. */
    Redirects redirects() {
        return redirects;
    }

    /** Runs {@code route} for {@code req} (ownership passes here). */
    void execute(Route route, RespRequest req, CommandSpec spec) {
        if (!(route instanceof Route.Hold)) {
            session.hold().released(); // whatever happens to it now, this command no longer waits
        }
        if (route instanceof Route.ToNode n) {
            forward(n.node(), req, n.read(), n.read() ? -1 : writeOrder(spec, req));
        } else if (route instanceof Route.Local) {
            LocalCommands.execute(session, req, spec);
        } else if (route instanceof Route.Refuse r) {
            session.writeLocal(Reply.error(session.alloc(), r.error()));
            req.release();
        } else if (route instanceof Route.Hold h) {
            if (!session.hold().hold(req)) {
                session.writeLocal(Reply.error(session.alloc(), session.hold().timedOutError(h.reason())));
                req.release();
            }
        } else if (route instanceof Route.Pinned p) {
            if (spec.isReplicationWait() && session.service().topology().isCluster()) {
                ClusterWait.run(session, req, spec, p.node());
            } else {
                session.pinned().begin(req, spec, p.node());
            }
        } else if (route instanceof Route.OutOfBand o) {
            outOfBand(o.nodes(), req, spec);
        } else if (route instanceof Route.Split split) {
            split(split, req, spec);
        } else if (route instanceof Route.FanOut f) {
            fanOut(f, req, spec);
        } else if (route instanceof Route.Scan scan) {
            scan(scan, req);
        }
    }

    /**
     * SCAN: to the node its walk is on, with that node's own cursor (the client's other arguments
     * as they came); the reply's cursor is rewritten to carry the walk on ({@link ScanReply}).
     */
    private void scan(Route.Scan scan, RespRequest req) {
        byte[][] args = new byte[req.size()][];
        for (int i = 0; i < args.length; i++) {
            args[i] = i != 1 ? req.argBytes(i)
                    : Long.toUnsignedString(scan.at().nodeCursor()).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        }
        RespRequest toNode = RespRequest.of(session.alloc(), args);
        req.release();
        forward(scan.node(), toNode, (s, reply) -> ScanReply.rewrite(s.alloc(), reply, scan));
    }

    /**
     * MGET / DEL / MSET... whose keys live in several slots: one sub-request per part (the command
     * name and that part's keys, with their values for MSET), merged in key order into one reply.
     */
    private void split(Route.Split split, RespRequest req, CommandSpec spec) {
        int parts = split.parts().size();
        int[][] ordinals = new int[parts][];
        int keys = 0;
        for (int p = 0; p < parts; p++) {
            ordinals[p] = split.parts().get(p).keyOrdinals();
            keys += ordinals[p].length;
        }
        boolean pairs = spec.shape() == RoutingShape.MULTI_KEY_PAIRS;
        int[] slots = new int[parts];
        for (int p = 0; p < parts; p++) {
            slots[p] = SlotHash.slot(req, split.parts().get(p).keyArgs()[0]);
        }
        if (!spec.isReadOnly()) {
            for (int p = 0; p < parts; p++) {
                if (!session.writes().mayWriteTo(split.parts().get(p).node(), slots[p])) {
                    // A write of that slot is still unanswered on another node: wait for it.
                    session.input().addFirst(req);
                    return;
                }
            }
        }
        MultiPartReply parent = new MultiPartReply(session.newSlot(null), this, ReplyMerge.forSplit(spec.shape(), keys, ordinals),
                parts, spec.isReadOnly(), session.alloc());
        for (int p = 0; p < parts; p++) {
            Route.Part part = split.parts().get(p);
            Object[] args = new Object[1 + part.keyArgs().length * (pairs ? 2 : 1)];
            args[0] = req.argBytes(0);
            int a = 1;
            for (int keyArg : part.keyArgs()) {
                args[a++] = req.argBytes(keyArg);
                if (pairs) {
                    args[a++] = req.argBytes(keyArg + 1);
                }
            }
            sendPart(part.node(), RequestEncoder.encode(session.alloc(), args), parent.part(p, slots[p]));
        }
        req.release();
    }

    /** A command every master (or every node) must run: the same request to each, replies merged by its tip. */
    private void fanOut(Route.FanOut fanOut, RespRequest req, CommandSpec spec) {
        if (fanOut.nodes().size() == 1) {
            forward(fanOut.nodes().get(0), req, spec.isReadOnly(), -1);
            return;
        }
        MultiPartReply parent = new MultiPartReply(session.newSlot(null), this, ReplyMerge.forFanOut(spec.responsePolicy()),
                fanOut.nodes().size(), spec.isReadOnly(), session.alloc());
        for (int p = 0; p < fanOut.nodes().size(); p++) {
            sendPart(fanOut.nodes().get(p), req.frame().retainedDuplicate(), parent.part(p, -1));
        }
        req.release();
    }

    /** A tracked part of a split write was answered (or failed): it is no longer in flight. */
    void partAnswered(MultiPartReply.Part part) {
        session.writes().answered(part.node, part.slot());
    }

    /**
     * {@code req} (ownership passes here) to each of {@code nodes}, the replies merged by
     * {@code merge} and then given to {@code hook} (a local command's fan-out: INFO in a cluster).
     */
    void fanOut(java.util.List<NodeAddress> nodes, RespRequest req, ReplyMerge merge, ReplySlot.ReplyHook hook) {
        MultiPartReply parent = new MultiPartReply(session.newSlot(hook), this, merge, nodes.size(), true,
                session.alloc());
        for (int p = 0; p < nodes.size(); p++) {
            sendPart(nodes.get(p), req.frame().retainedDuplicate(), parent.part(p, -1));
        }
        req.release();
    }

    /**
     * Sends a part of a split or fanned-out command to {@code node}, or again after a redirect
     * ({@code request}: ownership passes here).
     */
    void sendPart(NodeAddress node, ByteBuf request, MultiPartReply.Part part) {
        if (!part.read()) {
            session.writes().wroteTo(node);
            if (part.slot() >= 0) {
                // A split write's part is ordered with the client's other writes of its slot.
                if (part.node == null) {
                    session.writes().sent(node, part.slot());
                } else if (!part.node.equals(node)) {
                    session.writes().moved(part.node, node, part.slot());
                }
                part.tracked = true;
            }
        }
        part.node = node;
        part.keep(request);
        BackendConnection conn = shared(key(node));
        conn.send(request, part);
        pool.markDirty(conn);
    }

    /**
     * Forwards {@code req} over this loop's shared connection to {@code node}. The request is kept
     * until the reply, to be sent again when the reply proves that safe.
     */
    void forward(NodeAddress node, RespRequest req, boolean read, int order) {
        if (!read && !session.writes().mayWriteTo(node, order)) {
            // An earlier write is still unanswered on another node (the master changed): this one
            // waits for it, so Redis applies the client's writes in the order it sent them.
            session.input().addFirst(req);
            return;
        }
        ReplySlot slot = session.newSlot(null);
        slot.request = req;
        slot.read = read;
        // The db and protocol the command is sent with: a re-send keeps them, whatever the client
        // SELECTed or HELLOed since (its later commands must not change this one).
        slot.db = session.state().db();
        slot.protocol = session.state().protocol();
        if (!read) {
            // Counted before the send: a connection that is already closed fails the slot at once.
            slot.trackedWrite = true;
            slot.node = node;
            slot.order = order;
            session.writes().sent(node, order);
        }
        send(slot, node);
    }

    /**
     * What a write is ordered against (see {@link WriteOrder}): in a cluster, the hash slot of its
     * first key, so that writes to different shards go out in parallel; else -1 (every write).
     */
    private int writeOrder(CommandSpec spec, RespRequest req) {
        if (!session.service().topology().isCluster() || spec.keyCount(req) <= 0) {
            return -1;
        }
        return SlotHash.slot(req, spec.keyIndex(req, 0));
    }

    /** Forwards {@code req} to {@code node} with a hook that runs when the reply's turn comes (INFO). */
    void forward(NodeAddress node, RespRequest req, ReplySlot.ReplyHook hook) {
        ReplySlot slot = session.newSlot(hook);
        BackendConnection conn = shared(key(node));
        send(conn, req, slot);
    }

    /**
     * Sends {@code req} on {@code conn} (a dedicated one) into a new reply slot; {@code lost} says
     * what the client is told if the connection dies first (null: the generic error).
     */
    void send(BackendConnection conn, RespRequest req, ReplySlot.ReplyHook hook, ReplySlot.LostReply lost) {
        ReplySlot slot = session.newSlot(hook);
        slot.lost = lost;
        send(conn, req, slot);
    }

    /**
     * Sends the slot's kept request to {@code node}, or again after a redirect or a refusal, with
     * the db and protocol it was first sent with.
     */
    void send(ReplySlot slot, NodeAddress node) {
        if (slot.trackedWrite && slot.node != null && !slot.node.equals(node)) {
            session.writes().moved(slot.node, node, slot.order);
        }
        slot.node = node;
        slot.sentVersion = session.service().topology().version();
        BackendConnection conn = shared(new BackendKey(node, slot.db, slot.protocol));
        conn.send(slot.request.frame().retainedDuplicate(), slot.request.source(), slot.request.sourceIndex(), slot);
        pool.markDirty(conn);
    }

    private void send(BackendConnection conn, RespRequest req, ReplySlot slot) {
        ByteBuf frame = req.frame().retain();
        ByteBuf source = req.source();
        int sourceIndex = req.sourceIndex();
        req.release();
        conn.send(frame, source, sourceIndex, slot);
        pool.markDirty(conn);
    }

    private BackendKey key(NodeAddress node) {
        return new BackendKey(node, session.state().db(), session.state().protocol());
    }

    /** This client's shared connection (its lane) for {@code key}. */
    BackendConnection shared(BackendKey key) {
        return pool.shared(key, lane);
    }

    /**
     * A read whose connection failed before it answered goes to another node (not {@code failed}),
     * into the same reply slot; with no other node now (a failover holds the master, the other
     * replica is being promoted), to the same node again: a connection killed by Sentinel's
     * CLIENT KILL leaves the node serving, and a dead node refuses the new connection, after
     * which the read waits for a node like any command that was never sent. False when closing.
     */
    boolean retryRead(ReplySlot slot, NodeAddress failed) {
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
        return resend(slot, master != null && !master.equals(failed) ? master : failed);
    }

    private boolean resend(ReplySlot slot, NodeAddress node) {
        slot.resends++;
        session.service().stats().retried.increment();
        send(slot, node);
        pool.flushBackends();
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

    /**
     * SCRIPT KILL / FUNCTION KILL: on a connection of their own, at once, so they do not queue
     * behind the script they are meant to stop (the shared connection waits for that script).
     */
    private void outOfBand(java.util.List<NodeAddress> nodes, RespRequest req, CommandSpec spec) {
        if (nodes.size() == 1) {
            ByteBuf frame = req.frame().retain();
            req.release();
            outOfBand(nodes.get(0), frame, session.newSlot(null));
            return;
        }
        // A cluster: the script runs on one master; the others answer -NOTBUSY (first success wins).
        MultiPartReply parent = new MultiPartReply(session.newSlot(null), null,
                ReplyMerge.forFanOut(spec.responsePolicy()), nodes.size(), false, session.alloc());
        for (int p = 0; p < nodes.size(); p++) {
            pool.controlCommand(nodes.get(p), req.frame().retainedDuplicate(), parent.part(p, -1));
        }
        req.release();
    }

    /** Sends {@code request} (ownership passes here) on a connection of its own; the reply fills {@code slot}. */
    void outOfBand(NodeAddress node, ByteBuf request, ReplySlot slot) {
        pool.controlCommand(node, request, slot);
    }
}
