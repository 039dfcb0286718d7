package io.respproxy.proxy.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.respproxy.proxy.backend.BackendFailure;
import io.respproxy.proxy.backend.PendingReply;
import io.respproxy.proxy.resp.RespValues;

/**
 * The parent of a command sent in parts (split by slot, or fanned out): each part's reply lands at
 * its index, and once every part has answered the merged reply fills the one slot the client
 * waits for, in its place in the client's order. A part's error or failure is the client's reply
 * (never a half-merged answer); the merge runs only when every part succeeded.
 */
final class MultiPartReply {

    private final PendingReply slot;
    private final ReplyMerge merge;
    private final ByteBufAllocator alloc;
    private final boolean read;
    private final ByteBuf[] replies;
    private int pending;
    /** The first failure of a part's connection, as the client will read it. */
    private String failure;

    MultiPartReply(PendingReply slot, ReplyMerge merge, int parts, boolean read, ByteBufAllocator alloc) {
        this.slot = slot;
        this.merge = merge;
        this.alloc = alloc;
        this.read = read;
        this.replies = new ByteBuf[parts];
        this.pending = parts;
    }

    /** Who waits for part {@code index}'s reply. */
    PendingReply part(int index) {
        return new PendingReply() {
            @Override
            public void onReply(ByteBuf reply, boolean error) {
                replies[index] = reply;
                partDone();
            }

            @Override
            public void onFailure(BackendFailure f, boolean written) {
                if (failure == null) {
                    failure = f.message(written && !read);
                }
                partDone();
            }
        };
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
