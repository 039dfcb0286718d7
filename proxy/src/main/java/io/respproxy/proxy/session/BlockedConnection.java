package io.respproxy.proxy.session;

import io.netty.buffer.ByteBuf;
import io.respproxy.proxy.backend.BackendConnection;
import io.respproxy.proxy.backend.BackendFailure;
import io.respproxy.proxy.backend.PendingReply;
import io.respproxy.proxy.backend.RequestEncoder;
import io.respproxy.proxy.resp.RespValues;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * A blocking command's dedicated connection as CLIENT UNBLOCK needs it: its CLIENT ID on the node,
 * asked for just before the blocking command (one pipelined round trip), since the proxy's client
 * ids are not the node's.
 */
final class BlockedConnection {

    private final BackendConnection conn;
    /** The connection's id on its node; -1 until the CLIENT ID reply is in. */
    private long backendId = -1;

    private BlockedConnection(BackendConnection conn) {
        this.conn = conn;
    }

    /** Sends CLIENT ID on {@code conn}, ahead of the blocking command about to follow. */
    static BlockedConnection identify(ClientSession session, BackendConnection conn) {
        BlockedConnection b = new BlockedConnection(conn);
        conn.send(RequestEncoder.encode(session.alloc(), "CLIENT", "ID"), new PendingReply() {
            @Override
            public void onReply(ByteBuf reply, boolean error) {
                if (!error) {
                    b.backendId = RespValues.integer(reply, reply.readerIndex());
                }
                reply.release();
            }

            @Override
            public void onFailure(BackendFailure failure, boolean written) {
                // The blocking command behind it fails the same way and tells the client.
            }
        });
        return b;
    }

    /**
     * Sends {@code CLIENT UNBLOCK <backend id> <mode>} to the node on a control connection;
     * completes with the reply line for the asking client (":1", ":0" or "-ERR ...").
     */
    CompletableFuture<String> unblock(ClientSession session, String mode) {
        CompletableFuture<String> result = new CompletableFuture<>();
        if (backendId < 0) {
            result.complete(":0"); // its CLIENT ID is not in yet: nothing to name
            return result;
        }
        session.pool().controlCommand(conn.key().node(),
                RequestEncoder.encode(session.alloc(), "CLIENT", "UNBLOCK", Long.toString(backendId), mode),
                new PendingReply() {
                    @Override
                    public void onReply(ByteBuf reply, boolean error) {
                        String line = reply.toString(reply.readerIndex(), reply.readableBytes() - 2, StandardCharsets.UTF_8);
                        reply.release();
                        result.complete(line);
                    }

                    @Override
                    public void onFailure(BackendFailure failure, boolean written) {
                        result.complete("-" + failure.message(written));
                    }
                });
        return result;
    }
}
