package io.respproxy.proxy.session;

import io.netty.buffer.ByteBuf;
import io.respproxy.proxy.backend.BackendFailure;
import io.respproxy.proxy.backend.PendingReply;

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

    @Override
    public void onReply(ByteBuf frame, boolean error, ByteBuf source, int sourceIndex) {
        reply = frame;
        this.source = source;
        this.sourceIndex = sourceIndex;
        session.slotFilled(this, error);
    }

    @Override
    public void onFailure(BackendFailure failure, boolean written) {
        reply = Reply.error(session.alloc(), failure.message(written));
        session.slotFilled(this, true);
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
