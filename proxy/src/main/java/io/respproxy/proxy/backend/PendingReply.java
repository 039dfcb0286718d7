package io.respproxy.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.respproxy.proxy.resp.RespReply;

/**
 * Whoever waits for one reply on a backend connection: a client's reply slot, a part of a split
 * command, or a step of the connection's own handshake. Replies come back in the order requests
 * were written, so a connection keeps these in a FIFO.
 */
public interface PendingReply {

    /**
     * For a request whose reply nobody waits for (ASKING, CLIENT CACHING YES, the proxy's own
     * PUBLISH): the reply is released; a failure needs no word, since what was sent behind the
     * request fails with it and says so.
     */
    PendingReply DISCARD = new PendingReply() {
        @Override
        public void onReply(ByteBuf reply, boolean error) {
            reply.release();
        }

        @Override
        public void onFailure(BackendFailure failure, boolean written) {
        }
    };

    /**
     * The reply arrived. Ownership of {@code reply} (one whole RESP frame) passes to the callee,
     * which must release it or hand it on.
     *
     * @param error true when the frame is a RESP error ('-' or '!')
     */
    void onReply(ByteBuf reply, boolean error);

    /**
     * As {@link #onReply(ByteBuf, boolean)}, also telling where the reply lies in the backend's
     * receive buffer (not retained), so adjacent replies can be written to a client as one slice.
     */
    default void onReply(ByteBuf reply, boolean error, ByteBuf source, int sourceIndex) {
        onReply(reply, error);
    }

    /**
     * As {@link #onReply(ByteBuf, boolean, ByteBuf, int)}, telling which error it is, so the
     * waiter can react to -READONLY, -MOVED, -TRYAGAIN... ({@link RespReply.ErrorKind#NONE}: not an error).
     */
    default void onReply(ByteBuf reply, RespReply.ErrorKind error, ByteBuf source, int sourceIndex) {
        onReply(reply, error != RespReply.ErrorKind.NONE, source, sourceIndex);
    }

    /**
     * The proxy left this request's node for another master while the reply was outstanding: a
     * success that still comes back for a write may be for one the node's demotion discards (a
     * frozen master that resumes acknowledges what it had queued). Errors (-READONLY) still prove
     * what they prove.
     */
    default void nodeLeft(String why) {}

    /**
     * {@code writes.acknowledge = replicated}: the node applied this write, but no replica
     * confirmed it in time (or the proxy left the node first); {@code error} (ownership passes) is
     * the error the client is told instead: the write may have been applied.
     */
    default void unconfirmed(ByteBuf error) {
        onReply(error, RespReply.ErrorKind.OTHER, null, 0);
    }

    /**
     * No reply will come: the connection failed or closed.
     *
     * @param written true when the request had been written to the socket, so it may have been applied
     */
    void onFailure(BackendFailure failure, boolean written);
}
