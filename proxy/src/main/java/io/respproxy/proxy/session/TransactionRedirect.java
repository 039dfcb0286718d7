package io.respproxy.proxy.session;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * A cluster node's -MOVED or -ASK to a command on a transaction's dedicated connection: the slot
 * left the node the transaction is pinned to (a resharding or failover the proxy's view had not
 * caught up with yet). Such a command cannot follow the redirect as a shared connection's does:
 * the transaction lives on that connection, and the node has already flagged it (its EXEC answers
 * -EXECABORT). The client gets -TRYAGAIN instead of a redirect to an address it may not reach, so
 * it sends the transaction again, and the topology source is asked to refresh.
 */
final class TransactionRedirect {

    static final String TRYAGAIN = "TRYAGAIN respproxy: this key's slot moved away from the node the transaction "
            + "runs on; the transaction is discarded, send it again";

    private static final byte[] MOVED = "-MOVED ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ASK = "-ASK ".getBytes(StandardCharsets.US_ASCII);

    private TransactionRedirect() {}

    /** The same for a blocking command (BLPOP...) sent on its dedicated connection with a stale view. */
    static final String BLOCKED_TRYAGAIN = "TRYAGAIN respproxy: this key's slot moved away from the node the "
            + "command was sent to; it was not applied, send it again";

    /** {@code reply}, or -TRYAGAIN in place of a redirect (a {@link ReplySlot.ReplyHook}). */
    static ByteBuf replied(ClientSession s, ByteBuf reply) {
        return replied(s, reply, TRYAGAIN);
    }

    /** {@code reply}, or {@code -tryAgain} in place of a redirect. */
    static ByteBuf replied(ClientSession s, ByteBuf reply, String tryAgain) {
        if (!startsWith(reply, MOVED) && !startsWith(reply, ASK)) {
            return reply;
        }
        reply.release();
        s.service().source().requestRefresh();
        return Reply.error(s.alloc(), tryAgain);
    }

    private static boolean startsWith(ByteBuf buf, byte[] prefix) {
        if (buf.readableBytes() < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (buf.getByte(buf.readerIndex() + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
