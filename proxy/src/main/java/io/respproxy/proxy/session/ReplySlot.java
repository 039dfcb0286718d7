package io.respproxy.proxy.session;

import io.netty.buffer.ByteBuf;
import io.respproxy.proxy.backend.BackendFailure;
import io.respproxy.proxy.backend.PendingReply;
import io.respproxy.proxy.resp.RespRequest;

/**
 * One request's place in its client's reply order. Filled by a backend reply, a local reply or a
 * failure; the session writes filled slots from the head of its queue, so replies keep request
 * order even when consecutive commands went to different nodes.
 */
final class ReplySlot implements PendingReply {

    private final ClientSession session;
    /** What to do with the reply once it is this slot's turn; null for a plain forward. */
    final ReplyHook hook;
    ByteBuf reply;

    ReplySlot(ClientSession session, ReplyHook hook) {
        this.session = session;
        this.hook = hook;
    }

    boolean done() {
        return reply != null;
    }

    /** Where {@link #reply} lies in the backend's receive buffer (not retained), or null. */
    ByteBuf source;
    int sourceIndex;

    @Override
    public void onReply(ByteBuf frame, boolean error) {
        onReply(frame, error, null, 0);
    }

    /** A read's request, kept to send it elsewhere if its connection dies first; null otherwise. */
    RespRequest retry;
    int attempts;

    @Override
    public void onReply(ByteBuf frame, boolean error, ByteBuf source, int sourceIndex) {
        dropRetry();
        reply = frame;
        this.source = source;
        this.sourceIndex = sourceIndex;
        session.slotFilled(this, error);
    }

    @Override
    public void onFailure(BackendFailure failure, boolean written) {
        // A read is safe to send again: once, to another node, into this same slot (order is kept).
        if (retry != null && attempts == 0 && session.retryRead(this, failure.node())) {
            return;
        }
        boolean read = retry != null;
        dropRetry();
        // A read that failed was not applied anywhere, whatever was written.
        reply = Reply.error(session.alloc(), failure.message(written && !read));
        session.slotFilled(this, true);
    }

    void dropRetry() {
        if (retry != null) {
            retry.release();
            retry = null;
        }
    }

    /**
     * Runs when a slot's reply is about to be written: ends transactions and blocking waits, or
     * rewrites the reply (INFO). Returns what to write; when it returns another buffer it has
     * released {@code reply}.
     */
    interface ReplyHook {
        ByteBuf replied(ClientSession session, ByteBuf reply);
    }
}
