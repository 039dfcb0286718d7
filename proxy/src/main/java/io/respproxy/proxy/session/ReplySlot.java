package io.respproxy.proxy.session;

import io.netty.buffer.ByteBuf;
import io.respproxy.proxy.backend.BackendFailure;
import io.respproxy.proxy.backend.BackendKey;
import io.respproxy.proxy.backend.PendingReply;
import io.respproxy.proxy.resp.RespReply;
import io.respproxy.proxy.resp.RespRequest;
import io.respproxy.routing.NodeAddress;

/**
 * One request's place in its client's reply order. Filled by a backend reply, a local reply or a
 * failure; the session writes filled slots from the head of its queue, so replies keep request
 * order even when consecutive commands went to different nodes.
 *
 * <p>A forwarded request is kept (retained) until its reply arrives, so the dispatcher can send it
 * again when the reply or the failure proves that is safe: a read whose connection died, or a
 * write the node refused with -READONLY (it was not applied).
 */
final class ReplySlot implements PendingReply {

    private final ClientSession session;
    /** What to do with the reply once it is this slot's turn; null for a plain forward. */
    final ReplyHook hook;
    ByteBuf reply;
    /** Where {@link #reply} lies in the backend's receive buffer (not retained), or null. */
    ByteBuf source;
    int sourceIndex;

    /** The request, while it may have to be sent again; null otherwise. */
    RespRequest request;
    /** Where the request went, and with which db, protocol and login (kept for re-sends: the key's node is not used). */
    NodeAddress node;
    BackendKey sentAs;
    /** The request only reads: any node may answer it. */
    boolean read;
    /** The request runs a script or function (the pool watches how long: BackendPool#scriptSent). */
    boolean script;
    /** A write counted in the session's writes in flight until its final reply or failure. */
    boolean trackedWrite;
    /** The tracked write's request size: what its node's history grows by once it acknowledges it (PromotionLoss). */
    int writeBytes;
    /** What the tracked write is ordered against: its slot in a cluster, else -1 (see WriteOrder). */
    int order = -1;
    /** CLIENT REPLY OFF/SKIP: the reply is dropped, not written. */
    boolean suppressed;
    /**
     * A tracking client's command: the keys it names (a transaction's EXEC: those of its queued
     * commands), so that an invalidation of one of them is written after this reply, not before
     * (see {@link ClientSession#push}); null otherwise.
     */
    java.util.List<byte[]> keys;
    /** The keys this read lets its tracking client cache (null: none): see {@link Dispatcher#send}. */
    java.util.List<byte[]> cachedKeys;
    /** Filled, but held until its node's invalidations sent before it are in (see Tracking#fence). */
    boolean fenced;
    /** An invalidation queued in the place of a reply (it comes after every reply before it). */
    boolean push;
    /** Invalidations to write before this slot's reply, in order; null when none. */
    java.util.List<ByteBuf> pushesBefore;
    /** The topology version when the request was last sent, and when a node refused it with -READONLY. */
    long sentVersion;
    long refusedVersion;
    /** A re-routed request may go back to the same node after this time even without a new view. */
    long retryAfterNanos = Long.MAX_VALUE;
    /** Times the request was sent again. */
    int resends;
    /** Times a cluster node redirected it (-MOVED, -ASK) or asked to try again (-TRYAGAIN, -CLUSTERDOWN). */
    int redirects;
    /** When a cluster node first asked to try again (the hold budget runs from there), or 0. */
    long firstRefusalNanos;
    /** Times a cluster node asked to try again (-TRYAGAIN, -CLUSTERDOWN): the backoff grows with it. */
    int tryAgains;
    /**
     * What the client is told instead of the generic error when the connection dies before the
     * reply (a dedicated connection's transaction or blocking command); null: the generic error.
     */
    LostReply lost;
    /** The command this slot answers, for /metrics (see {@link SessionMeter}); null: not counted here. */
    io.respproxy.proxy.service.CommandStats command;
    /** The command may go into SLOWLOG (not EXEC, whose commands Redis logs instead). */
    boolean slowLogged;
    /** Its arguments, copied when it came in because every command is logged (log-slower-than 0). */
    java.util.List<byte[]> slowArgs;
    long arrivedNanos;
    boolean timed;

    /**
     * The node this write was waiting on when the proxy left it for a new master, and why; a
     * re-send elsewhere (after -READONLY) is answered by another node, which these do not concern.
     */
    private NodeAddress leftFrom;
    private String leftWhy;

    ReplySlot(ClientSession session, ReplyHook hook) {
        this.session = session;
        this.hook = hook;
    }

    boolean done() {
        return reply != null;
    }

    /** Whether this command named {@code key} (a tracking client's; false when keys were not kept). */
    boolean names(java.util.List<byte[]> invalidated) {
        if (keys == null) {
            return false;
        }
        for (byte[] k : keys) {
            for (byte[] i : invalidated) {
                if (java.util.Arrays.equals(k, i)) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public void nodeLeft(String why) {
        // Only writes the session tracks have a node and a client waiting to know if they were
        // applied; a local command's backend part (INFO, COMMAND) is a read whatever its flag says.
        if (trackedWrite && node != null) {
            leftFrom = node;
            leftWhy = why;
        }
    }

    @Override
    public void onReply(ByteBuf frame, boolean error) {
        onReply(frame, error ? RespReply.ErrorKind.OTHER : RespReply.ErrorKind.NONE, null, 0);
    }

    @Override
    public void onReply(ByteBuf frame, RespReply.ErrorKind error, ByteBuf source, int sourceIndex) {
        if (Redirects.isClusterRefusal(error) && request != null && session.dispatcher().redirects().follow(this, frame, error)) {
            return; // not applied there: sent where the cluster says (the frame was released)
        }
        if ((error == RespReply.ErrorKind.LOADING || error == RespReply.ErrorKind.MASTERDOWN) && read && request != null
                && resends == 0 && node != null && session.dispatcher().resends().retryReadElsewhere(this, node)) {
            frame.release(); // a read the node did not run: another node that has the data answers it
            return;
        }
        if (error == RespReply.ErrorKind.READONLY && request != null && session.dispatcher().resends().rerouteReadOnly(this)) {
            frame.release(); // the master was demoted: -READONLY proves the write was not applied
            return;
        }
        if (leftFrom != null && leftFrom.equals(node) && error == RespReply.ErrorKind.NONE) {
            // Acknowledged by a master the proxy has left: it may be discarded by its demotion.
            frame.release();
            session.service().stats().mayHaveBeenApplied(node);
            fail(Reply.acknowledgedAfterLeaving(node, leftWhy));
            return;
        }
        if (trackedWrite && error == RespReply.ErrorKind.NONE) {
            session.service().promotionLoss().acknowledged(node, writeBytes);
        }
        untrack();
        reply = frame;
        this.source = source;
        this.sourceIndex = sourceIndex;
        session.slotFilled(this, error != RespReply.ErrorKind.NONE); // with the request: SLOWLOG may take its arguments
        dropRequest();
    }

    @Override
    public void unconfirmed(ByteBuf error) {
        session.service().stats().mayHaveBeenApplied(node);
        session.service().stats().ownErrorReplies.increment();
        onReply(error, RespReply.ErrorKind.OTHER, null, 0);
    }

    @Override
    public void onFailure(BackendFailure failure, boolean written) {
        // A read is safe to send again: once, to another node, into this same slot (order is kept).
        if (read && request != null && resends == 0 && session.dispatcher().resends().retryRead(this, failure.node())) {
            return;
        }
        // Never written (refused connect, a connection that died before its handshake): it was
        // not applied anywhere, so it waits for a node like a held command instead of failing.
        if (!written && request != null && session.dispatcher().resends().rerouteUnsent(this)) {
            return;
        }
        dropRequest();
        ByteBuf answer = lost == null ? null : lost.answer(session, failure, written);
        if (answer != null) {
            untrack();
            reply = answer;
            source = null;
            session.slotFilled(this, answer.getByte(answer.readerIndex()) == '-');
            return;
        }
        // A read that failed was not applied anywhere, whatever was written.
        if (written && !read) {
            session.service().stats().mayHaveBeenApplied(failure.node());
        }
        fail(failure.message(written && !read));
    }

    /** Fills the slot with an error the proxy words itself. */
    void fail(String error) {
        session.service().stats().ownErrorReplies.increment();
        dropRequest();
        untrack();
        reply = Reply.error(session.alloc(), error);
        source = null;
        session.slotFilled(this, true);
    }

    private void untrack() {
        if (trackedWrite) {
            trackedWrite = false;
            session.writes().answered(node, order);
        }
    }

    void dropRequest() {
        if (request != null) {
            request.release();
            request = null;
        }
    }

    /** The client is gone: nothing will be written. */
    void discard() {
        dropRequest();
        untrack();
        if (pushesBefore != null) {
            pushesBefore.forEach(ByteBuf::release);
            pushesBefore = null;
        }
        if (reply != null) {
            reply.release();
            reply = null;
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

    /** The reply for a request whose connection died before answering; null for the generic error. */
    interface LostReply {
        ByteBuf answer(ClientSession session, BackendFailure failure, boolean written);
    }
}
