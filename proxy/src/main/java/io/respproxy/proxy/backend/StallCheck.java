package io.respproxy.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.respproxy.proxy.resp.RespReply;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * What a connection silent past {@code backend.command-timeout} means. Its node may be running a
 * long script: then it answers -BUSY to a PING on a connection of its own, it is alive, and this
 * connection's commands run once the script ends or is killed, so they wait, as they would on
 * that connection in Redis. Or the node answers nothing: the commands fail and the node is
 * suspect. One per backend pool; touched by its event loop only.
 */
final class StallCheck {

    private final BackendPool pool;
    private final NodeEvents nodeEvents;
    private final Duration timeout;
    /** Silent connections whose node is being asked. */
    private final Set<BackendConnection> asking = new HashSet<>();
    /** The connections the questions go on: silent too, they just time out. */
    private final Set<BackendConnection> probes = new HashSet<>();

    StallCheck(BackendPool pool, NodeEvents nodeEvents, Duration timeout) {
        this.pool = pool;
        this.nodeEvents = nodeEvents;
        this.timeout = timeout;
    }

    /** {@code c} has been silent past the command timeout with commands pending. */
    void stalled(BackendConnection c) {
        if (asking.contains(c)) {
            return;
        }
        if (probes.contains(c)) {
            timedOut(c);
            return;
        }
        BackendConnection probe = pool.control(new BackendKey(c.key().node(), 0, 2));
        asking.add(c);
        probes.add(probe);
        probe.send(RequestEncoder.encode(probe.alloc(), "PING"), new PendingReply() {
            @Override
            public void onReply(ByteBuf reply, boolean error) {
                onReply(reply, error ? RespReply.ErrorKind.OTHER : RespReply.ErrorKind.NONE, null, 0);
            }

            @Override
            public void onReply(ByteBuf reply, RespReply.ErrorKind error, ByteBuf source, int sourceIndex) {
                reply.release();
                done(c, probe);
                probe.close();
                if (c.isUsable()) {
                    if (error == RespReply.ErrorKind.BUSY) {
                        c.progressed();
                    } else {
                        timedOut(c);
                    }
                }
            }

            @Override
            public void onFailure(BackendFailure failure, boolean written) {
                done(c, probe);
                if (c.isUsable()) {
                    timedOut(c);
                }
            }
        });
        probe.flush();
    }

    private void done(BackendConnection c, BackendConnection probe) {
        asking.remove(c);
        probes.remove(probe);
    }

    private void timedOut(BackendConnection c) {
        nodeEvents.failed(c.key().node());
        c.fail(new BackendFailure(c.key().node(), BackendFailure.Kind.TIMEOUT,
                "no reply within " + timeout.toMillis() + " ms"));
    }
}
