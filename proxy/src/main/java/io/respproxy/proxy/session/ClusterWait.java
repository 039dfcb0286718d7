package io.respproxy.proxy.session;

import io.respproxy.proxy.backend.BackendConnection;
import io.respproxy.proxy.resp.RespRequest;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.command.CommandSpec;
import io.respproxy.routing.command.ResponsePolicy;
import java.util.ArrayList;
import java.util.List;

/**
 * WAIT / WAITAOF in cluster mode, as a client of one Redis expects them: about this client's
 * earlier writes, on every master it wrote to since its last WAIT, answering the smallest count
 * across them. After every earlier reply is in (a barrier), each of those masters gets, on a
 * dedicated connection, a propagated no-op (which moves that connection's offset past the
 * client's writes, see {@link BlockedConnection}) and the WAIT; the client's later commands wait
 * for the answer. With one such master (or none: the node the router chose), it is the usual
 * blocking command on one connection.
 */
final class ClusterWait {

    private ClusterWait() {}

    /** Runs {@code req} (ownership passes here); {@code routed} is the router's node when the client wrote nowhere. */
    static void run(ClientSession session, RespRequest req, CommandSpec spec, NodeAddress routed) {
        if (session.pinned().barrierUntilIdle(req)) {
            return; // runs again once every earlier reply is in
        }
        List<NodeAddress> nodes = session.writes().takeWrittenSinceWait();
        if (nodes.size() <= 1) {
            session.pinned().begin(req, spec, nodes.isEmpty() ? routed : nodes.get(0));
            return;
        }
        ClientState state = session.state();
        List<BackendConnection> conns = new ArrayList<>(nodes.size());
        for (NodeAddress n : nodes) {
            BackendConnection c = session.pool().dedicated(state.keyFor(n));
            if (c == null) {
                conns.forEach(session.pool()::release);
                session.writeLocal(Reply.error(session.alloc(), Reply.TOO_MANY_DEDICATED));
                req.release();
                return;
            }
            conns.add(c);
        }
        session.pinned().holdWaitConnections(conns);
        MultiPartReply parent = new MultiPartReply(session.newSlot((s, reply) -> {
            s.pinned().releaseWaitConnections();
            return reply;
        }), null, ReplyMerge.forFanOut(ResponsePolicy.AGG_MIN), conns.size(), true, session.alloc());
        for (int i = 0; i < conns.size(); i++) {
            BackendConnection c = conns.get(i);
            BlockedConnection.raiseReplicationOffset(session, c);
            c.expectBlockingReply();
            c.send(req.frame().retainedDuplicate(), parent.part(i, -1));
            session.pool().markDirty(c);
        }
        req.release();
        session.pinned().raiseBarrier(); // later commands wait for the answer, as behind a blocking command
    }
}
