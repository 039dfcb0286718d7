package io.respproxy.proxy.session;

import io.netty.buffer.ByteBuf;
import io.respproxy.proxy.backend.BackendConnection;
import io.respproxy.proxy.backend.BackendFailure;
import io.respproxy.proxy.resp.RespRequest;
import java.util.function.BooleanSupplier;

/**
 * MONITOR: from now on the client talks to the node on its dedicated connection as if connected
 * to it, and whatever the node sends (+OK, the line for every command it runs, its answers to the
 * client's later commands: "-ERR Replica can't interact with the keyspace" for most) goes to the
 * client as it comes, so the two stay in the node's order. If the connection dies, the client's
 * is closed, as a node that goes away closes its monitors'. {@link PinnedSession} pins the
 * connection and closes it when the mode ends (RESET, disconnect): it never goes back to a pool.
 */
final class MonitorPipe {

    private MonitorPipe() {}

    /**
     * Pipes {@code conn} to the client while {@code current} says it is still the client's, and
     * sends {@code req} (MONITOR). {@code alsoWatched}: one more node of a cluster's, whose answer
     * to MONITOR the client does not get (it gets the pinned node's).
     */
    static void start(ClientSession session, BackendConnection conn, RespRequest req, BooleanSupplier current,
                      boolean alsoWatched) {
        conn.fairReads();
        boolean[] answered = {!alsoWatched};
        conn.pipeTo(new BackendConnection.FrameSink() {
            @Override
            public void onFrame(ByteBuf frame) {
                if (!answered[0]) {
                    answered[0] = true;
                    frame.release();
                    return;
                }
                if (current.getAsBoolean()) {
                    session.writeUnordered(frame);
                } else {
                    frame.release();
                }
            }

            @Override
            public void onClosed(BackendFailure why) {
                if (current.getAsBoolean()) {
                    session.close();
                }
            }
        });
        if (alsoWatched) {
            sendRaw(session, conn, req);
        } else {
            send(session, conn, req);
        }
    }

    /** A command of the monitoring client, sent as it is (ownership of {@code req} passes here). */
    static void send(ClientSession session, BackendConnection conn, RespRequest req) {
        session.meter().answeredUnordered(); // its answer is one of the frames the node streams
        sendRaw(session, conn, req);
    }

    private static void sendRaw(ClientSession session, BackendConnection conn, RespRequest req) {
        conn.sendRaw(req.frame().retainedDuplicate());
        req.release();
        session.pool().markDirty(conn);
    }
}
