package io.respproxy.proxy.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.respproxy.proxy.backend.BackendFailure;
import io.respproxy.proxy.backend.PendingReply;
import io.respproxy.proxy.resp.RespReply;
import io.respproxy.proxy.resp.RespValues;
import io.respproxy.routing.NodeAddress;

/**
 * The parent of a command sent in parts (split by slot, or fanned out): each part's reply lands at
 * its index, and once every part has answered the merged reply fills the one slot the client
 * waits for, in its place in the client's order. A part's error or failure is the client's reply
 * (never a half-merged answer); the merge runs only when every part succeeded.
 */
final class MultiPartReply {

    private final PendingReply slot;
    /** Follows the parts' cluster redirects ({@link Dispatcher#redirects}); null where there are none to follow (tests). */
    private final Dispatcher dispatcher;
    private final ReplyMerge merge;
    private final ByteBufAllocator alloc;
    private final boolean read;
    private final ByteBuf[] replies;
    private int pending;
    /** The first failure of a part's connection, as the client will read it. */
    private String failure;

    MultiPartReply(PendingReply slot, Dispatcher dispatcher, ReplyMerge merge, int parts, boolean read,
                   ByteBufAllocator alloc) {
        this.slot = slot;
        this.dispatcher = dispatcher;
        this.merge = merge;
        this.alloc = alloc;
        this.read = read;
        this.replies = new ByteBuf[parts];
        this.pending = parts;
    }

    /**
     * Who waits for part {@code index}'s reply.
     *
     * @param slot the hash slot of the part's keys, or -1 (a fan-out part, sent to a node by name)
     */
    Part part(int index, int slot) {
        return new Part(index, slot);
    }

    /**
     * One part's place: its reply, or its failure. It keeps its request until then, so that a
     * cluster node's redirect (-MOVED, -ASK, -TRYAGAIN) can send it elsewhere ({@link Redirects}).
     */
    final class Part implements PendingReply {
        private final int index;
        private final int slot;
        /** Where the part was last sent. */
        NodeAddress node;
        /** MOVED / ASK followed (at most Redirects.MAX_REDIRECTS), and TRYAGAIN / CLUSTERDOWN retried (for the backoff). */
        int redirects;
        int tryAgains;
        /** A split write's part counted in the client's writes in flight (see Dispatcher#sendPart). */
        boolean tracked;
        /** The node this write part waited on when the proxy left it for a new master, and why. */
        private NodeAddress leftFrom;
        private String leftWhy;
        private ByteBuf request;
        private long firstRefusalNanos;

        private Part(int index, int slot) {
            this.index = index;
            this.slot = slot;
        }

        int slot() {
            return slot;
        }

        /** The command only reads (its parts may go anywhere and change nothing). */
        boolean read() {
            return read;
        }

        /** Keeps (a retained duplicate of) the request, the first time it is sent. */
        void keep(ByteBuf sent) {
            if (request == null) {
                request = sent.retainedDuplicate();
            }
        }

        ByteBuf request() {
            return request;
        }

        /** When a node first asked this part to try again (for the hold budget). */
        long firstRefusalNanos() {
            if (firstRefusalNanos == 0) {
                firstRefusalNanos = System.nanoTime();
            }
            return firstRefusalNanos;
        }

        @Override
        public void onReply(ByteBuf reply, boolean error) {
            onReply(reply, error ? RespReply.ErrorKind.OTHER : RespReply.ErrorKind.NONE, null, 0);
        }

        @Override
        public void nodeLeft(String why) {
            if (!read && node != null) {
                leftFrom = node;
                leftWhy = why;
            }
        }

        @Override
        public void onReply(ByteBuf reply, RespReply.ErrorKind error, ByteBuf source, int sourceIndex) {
            if (Redirects.isClusterRefusal(error) && request != null && dispatcher != null) {
                if (dispatcher.redirects().follow(this, reply, error)) {
                    return;
                }
                if (Redirects.isRedirect(error)) {
                    // A client never sees a redirect: followed too often (or unreadable), it is an error.
                    reply.release();
                    reply = Reply.error(alloc, redirects >= Redirects.MAX_REDIRECTS
                            ? Redirects.tooManyRedirects(redirects) : Redirects.MALFORMED);
                }
            }
            if (leftFrom != null && leftFrom.equals(node) && error == RespReply.ErrorKind.NONE) {
                // Acknowledged by a master the proxy has left: its demotion may discard it.
                reply.release();
                onFailure(Reply.acknowledgedAfterLeaving(node, leftWhy));
                return;
            }
            done();
            replies[index] = reply;
            partDone();
        }

        private void onFailure(String message) {
            done();
            if (failure == null) {
                failure = message;
            }
            partDone();
        }

        /** The client is gone before a delayed re-send: nothing will be sent or merged. */
        void abandon() {
            onFailure("ERR respproxy: the client left");
        }

        @Override
        public void onFailure(BackendFailure f, boolean written) {
            done();
            if (failure == null) {
                failure = f.message(written && !read);
            }
            partDone();
        }

        private void done() {
            if (request != null) {
                request.release();
                request = null;
            }
            if (tracked) {
                tracked = false;
                dispatcher.partAnswered(this);
            }
        }
    }

    private void partDone() {
        if (--pending > 0) {
            return;
        }
        ByteBuf out;
        boolean error;
        if (failure != null) {
            out = Reply.error(alloc, failure);
            error = true;
        } else {
            ByteBuf firstError = null;
            int errors = 0;
            for (ByteBuf r : replies) {
                if (RespValues.isError(r, r.readerIndex())) {
                    errors++;
                    firstError = firstError == null ? r : firstError;
                }
            }
            if (firstError != null && (merge.anyErrorFails() || errors == replies.length)) {
                out = firstError.retainedDuplicate();
                error = true;
            } else {
                ByteBuf merged;
                try {
                    merged = merge.merge(replies, alloc);
                } catch (RuntimeException e) {
                    // A reply of a shape the merge does not expect: an error, never a hang or a leak.
                    merged = Reply.error(alloc, "ERR respproxy could not merge the replies of this command's parts");
                }
                out = merged;
                error = out.getByte(out.readerIndex()) == '-';
            }
        }
        for (int i = 0; i < replies.length; i++) {
            if (replies[i] != null) {
                replies[i].release();
                replies[i] = null;
            }
        }
        slot.onReply(out, error);
    }
}
