package io.respproxy.proxy.session;

import io.netty.buffer.ByteBuf;
import io.respproxy.proxy.backend.BackendConnection;
import io.respproxy.proxy.backend.BackendKey;
import io.respproxy.proxy.backend.BackendPool;
import io.respproxy.proxy.backend.RequestEncoder;
import io.respproxy.proxy.resp.RespRequest;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.command.CommandSpec;
import io.respproxy.routing.command.RoutingShape;
import io.respproxy.routing.route.Route;
import io.respproxy.routing.slot.SlotHash;
import java.util.List;

/**
 * Executes a client's {@link Route}s on its event loop: to a node over the client's shared
 * connection (its lane), split into parts or fanned out, answered locally, refused, held, pinned
 * to a dedicated connection or sent out of band. What a reply or failure then makes the proxy
 * send again is decided beside it: {@link Resends} (a read whose connection died, a write refused
 * with -READONLY, a request never written) and {@link Redirects} (a cluster node's refusals); both
 * send through this class, into the same reply slot.
 */
final class Dispatcher {

    private final ClientSession session;
    private final BackendPool pool;
    /** This client's shared connection to each node, among {@code connections-per-node} (BackendPool#nextLane). */
    private final int lane;
    private final Resends resends;
    private final Redirects redirects;
    /**
     * Shared connections this client may have requests pending on ({@link #sentCount} of them), and
     * the number of its last one on each: arrays, nothing allocated per command.
     */
    private BackendConnection[] sentOn = new BackendConnection[2];
    private long[] lastSent = new long[2];
    private int sentCount;

    Dispatcher(ClientSession session, BackendPool pool) {
        this.session = session;
        this.pool = pool;
        this.lane = pool.nextLane();
        this.resends = new Resends(session, this);
        this.redirects = new Redirects(session, this);
    }

    /** What this client's commands are sent again after a failed connection or a -READONLY. */
    Resends resends() {
        return resends;
    }

    /** Where a cluster node's -MOVED / -ASK / -TRYAGAIN / -CLUSTERDOWN sends this client's commands. */
    Redirects redirects() {
        return redirects;
    }

    /**
     * CONFIG SET / RESETSTAT on its way to the node(s): the settings the proxy applies itself
     * (tracking-table-max-keys, the slowlog's) and the stats it keeps (INFO's Stats, LATENCY
     * HISTOGRAM) follow, as they would on Redis.
     */
    private void proxysPartOfConfig(CommandSpec spec, RespRequest req) {
        String name = spec.name();
        if (name.equals("config|set")) {
            session.tracking().configSet(req);
            session.service().slowLog().configSet(req);
        } else if (name.equals("config|resetstat")) {
            session.service().stats().resetInfoStats();
        }
    }

    /** Runs {@code route} for {@code req} (ownership passes here). */
    void execute(Route route, RespRequest req, CommandSpec spec) {
        if (!(route instanceof Route.Hold)) {
            session.hold().released(); // whatever happens to it now, this command no longer waits
        }
        if (route instanceof Route.ToNode n) {
            proxysPartOfConfig(spec, req);
            // A write is ordered against the other writes of its slot in a cluster (-1: of every write;
            // see WriteOrder), so that writes to different shards go out in parallel.
            forward(n.node(), req, n.read(), n.read() ? -1 : n.slot(), spec);
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
            proxysPartOfConfig(spec, req);
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
            forward(fanOut.nodes().get(0), req, spec.isReadOnly(), -1, spec);
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
    void fanOut(List<NodeAddress> nodes, RespRequest req, ReplyMerge merge, ReplySlot.ReplyHook hook) {
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
        if (!part.read()) {
            conn.lastQueuedWrites();
        }
        sentOn(conn);
        pool.markDirty(conn);
    }

    /**
     * Forwards {@code req} over this loop's shared connection to {@code node}. The request is kept
     * until the reply, to be sent again when the reply proves that safe.
     */
    void forward(NodeAddress node, RespRequest req, boolean read, int order, CommandSpec spec) {
        if (!read && !session.writes().mayWriteTo(node, order)) {
            // An earlier write is still unanswered on another node (the master changed): this one
            // waits for it, so Redis applies the client's writes in the order it sent them.
            session.input().addFirst(req);
            return;
        }
        ReplySlot slot = session.newSlot(null);
        slot.request = req;
        slot.read = read;
        slot.script = spec.runsScript();
        // The db and protocol the command is sent with: a re-send keeps them, whatever the client
        // SELECTed or HELLOed since (its later commands must not change this one). SCRIPT KILL and
        // the like use no db and must pass while the node is busy, where a new connection for
        // another db is refused its SELECT: they go on the db-0 connection, which needs none.
        BackendKey as = key(node);
        slot.sentAs = spec.runsWhileBusy() ? as.inDb(0) : as;
        if (!read) {
            // Counted before the send: a connection that is already closed fails the slot at once.
            slot.trackedWrite = true;
            slot.writeBytes = req.frame().readableBytes();
            slot.node = node;
            slot.order = order;
            session.writes().sent(node, order);
        }
        send(slot, node);
    }

    /** Forwards {@code req} to {@code node} with a hook that runs when the reply's turn comes (INFO). */
    void forward(NodeAddress node, RespRequest req, ReplySlot.ReplyHook hook) {
        forward(key(node), req, hook);
    }

    /** As {@link #forward(NodeAddress, RespRequest, ReplySlot.ReplyHook)} on the connections of {@code key} (another login). */
    void forward(BackendKey key, RespRequest req, ReplySlot.ReplyHook hook) {
        ReplySlot slot = session.newSlot(hook);
        BackendConnection conn = shared(key);
        send(conn, req, slot);
        sentOn(conn);
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
        BackendConnection conn = shared(slot.sentAs.on(node));
        if (slot.cachedKeys != null) {
            session.service().tracking().cachingRead(conn, node, session.id(), slot.cachedKeys);
        }
        conn.sendKept(slot.request.frame(), slot.request.source(), slot.request.sourceIndex(), slot);
        if (slot.trackedWrite) {
            conn.lastQueuedWrites(); // acknowledged once replicated, under that policy
        }
        sentOn(conn);
        if (slot.script) {
            pool.scriptSent(conn);
        }
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
        return session.state().keyFor(node);
    }

    /**
     * This client's shared connection for {@code key}: where it still has a request pending for
     * that key, that one, so that Redis runs its commands in the order it sent them (its lane may
     * hand out a spare while a script is pending, or a fresh connection after setting one aside
     * behind a long script); else its lane's ({@link BackendPool#shared}). The caller sends on it
     * and then calls {@link #sentOn}.
     */
    BackendConnection shared(BackendKey key) {
        for (int i = sentCount - 1; i >= 0; i--) {
            BackendConnection c = sentOn[i];
            if (!c.pendingFrom(lastSent[i])) {
                sentCount--;
                sentOn[i] = sentOn[sentCount];
                lastSent[i] = lastSent[sentCount];
                sentOn[sentCount] = null;
            } else if (c.key() == key || c.key().equals(key)) {
                return c;
            }
        }
        return pool.shared(key, lane);
    }

    /** A request of this client was just queued on {@code c}, a shared connection. */
    void sentOn(BackendConnection c) {
        for (int i = 0; i < sentCount; i++) {
            if (sentOn[i] == c) {
                lastSent[i] = c.lastQueued();
                return;
            }
        }
        if (sentCount == sentOn.length) {
            sentOn = java.util.Arrays.copyOf(sentOn, sentCount * 2);
            lastSent = java.util.Arrays.copyOf(lastSent, sentCount * 2);
        }
        sentOn[sentCount] = c;
        lastSent[sentCount] = c.lastQueued();
        sentCount++;
    }

    /**
     * SCRIPT KILL / FUNCTION KILL: on a connection of their own, at once, so they do not queue
     * behind the script they are meant to stop (the shared connection waits for that script).
     */
    private void outOfBand(List<NodeAddress> nodes, RespRequest req, CommandSpec spec) {
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
