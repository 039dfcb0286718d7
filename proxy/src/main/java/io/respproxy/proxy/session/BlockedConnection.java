package io.respproxy.proxy.session;

import io.netty.buffer.ByteBuf;
import io.respproxy.proxy.backend.BackendConnection;
import io.respproxy.proxy.backend.BackendFailure;
import io.respproxy.proxy.backend.PendingReply;
import io.respproxy.proxy.backend.RequestEncoder;
import io.respproxy.proxy.resp.RespRequest;
import io.respproxy.proxy.resp.RespValues;
import io.respproxy.routing.command.CommandSpec;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * A blocking command's dedicated connection: how the command is sent there, and the connection as
 * CLIENT UNBLOCK needs it: its CLIENT ID on the node, asked for just before the blocking command
 * (one pipelined round trip), since the proxy's client ids are not the node's.
 */
final class BlockedConnection {

    private final BackendConnection conn;
    /**
     * The connection's id on its node, once the CLIENT ID reply is in; -1 if the connection failed
     * first. The blocking command was pipelined right behind it, so by then the node has run it.
     */
    private final CompletableFuture<Long> backendId = new CompletableFuture<>();

    private BlockedConnection(BackendConnection conn) {
        this.conn = conn;
    }

    /**
     * Sends the blocking command {@code req} (ownership passes here) on {@code conn}, after
     * CLIENT ID; {@code end} runs when its reply is written. If the connection dies while it
     * waits, the client gets {@link Reply#BLOCKED_LOST} (a blocking write may have popped) or
     * {@link Reply#BLOCKED_READ_LOST}, and stays connected.
     */
    static BlockedConnection send(ClientSession session, BackendConnection conn, RespRequest req, CommandSpec spec,
                                  Runnable end) {
        BlockedConnection b = identify(session, conn);
        if (spec.isReplicationWait()) {
            raiseReplicationOffset(session, conn);
        } else if (!spec.isReadOnly()) {
            session.writes().wroteTo(conn.key().node()); // BLMOVE, BLMPOP...: a later WAIT waits there
        }
        conn.expectBlockingReply();
        String lost = spec.isReadOnly() ? Reply.BLOCKED_READ_LOST : Reply.BLOCKED_LOST;
        session.dispatcher().send(conn, req, (s, reply) -> {
            end.run();
            // A cluster's slot moved before the proxy's view did: a redirect would name an
            // address the client may not reach, and the command was not applied.
            return s.service().topology().isCluster()
                    ? TransactionRedirect.replied(s, reply, TransactionRedirect.BLOCKED_TRYAGAIN) : reply;
        }, (s, failure, written) -> written ? Reply.error(s.alloc(), lost) : null);
        if (!spec.isReadOnly() && !spec.isReplicationWait()) {
            conn.lastQueuedWrites(); // its WAIT follows it: Redis runs that once the command has unblocked
        }
        return b;
    }

    /**
     * WAIT/WAITAOF wait for the replication offset of the connection's own last write. This
     * client's writes went over a shared connection, so before the WAIT a propagated no-op (a
     * PUBLISH to a channel of the proxy's) moves the dedicated connection's offset past them: the
     * barrier guarantees they were applied first. WAIT then returns once replicas acknowledged
     * them, and no other client's commands queue behind it.
     */
    static void raiseReplicationOffset(ClientSession session, BackendConnection conn) {
        conn.send(RequestEncoder.encode(session.alloc(), "PUBLISH", WAIT_CHANNEL, ""), PendingReply.DISCARD);
    }

    static final String WAIT_CHANNEL = "__respproxy__:wait";

    /** Sends CLIENT ID on {@code conn}, ahead of the blocking command about to follow. */
    private static BlockedConnection identify(ClientSession session, BackendConnection conn) {
        BlockedConnection b = new BlockedConnection(conn);
        conn.send(RequestEncoder.encode(session.alloc(), "CLIENT", "ID"), new PendingReply() {
            @Override
            public void onReply(ByteBuf reply, boolean error) {
                b.backendId.complete(error ? -1 : RespValues.integer(reply, reply.readerIndex()));
                reply.release();
            }

            @Override
            public void onFailure(BackendFailure failure, boolean written) {
                // The blocking command behind it fails the same way and tells the client.
                b.backendId.complete(-1L);
            }
        });
        return b;
    }

    /**
     * Sends {@code CLIENT UNBLOCK <backend id> <mode>} to the node on a control connection;
     * completes with the reply line for the asking client (":1", ":0" or "-ERR ..."). The proxy
     * counts the client as blocked from when it sends the command (INFO's blocked_clients, which
     * the asker may have waited on), so an UNBLOCK that comes before the CLIENT ID reply waits
     * for it rather than finding nothing to unblock. Runs on the blocked client's loop.
     */
    CompletableFuture<String> unblock(ClientSession session, String mode) {
        CompletableFuture<String> result = new CompletableFuture<>();
        backendId.thenAccept(id -> {
            if (id < 0) {
                result.complete(":0"); // the connection failed: the client is not blocked there
            } else {
                sendUnblock(session, id, mode, result);
            }
        });
        return result;
    }

    private void sendUnblock(ClientSession session, long id, String mode, CompletableFuture<String> result) {
        session.pool().controlCommand(conn.key().node(),
                RequestEncoder.encode(session.alloc(), "CLIENT", "UNBLOCK", Long.toString(id), mode),
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
    }
}
