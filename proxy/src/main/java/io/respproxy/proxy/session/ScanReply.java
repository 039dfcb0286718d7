package io.respproxy.proxy.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.respproxy.proxy.resp.RespValues;
import io.respproxy.proxy.resp.RespWriter;
import io.respproxy.routing.route.Route;
import io.respproxy.routing.route.ScanCursor;

/**
 * The reply to a SCAN that walks a cluster ({@link Route.Scan}): the node's own next cursor is
 * replaced by the client's cursor, which carries the node; the keys go on as they came, not
 * copied. RESP2 and RESP3 both answer SCAN with a two-element array: the cursor as a bulk string,
 * then the array of keys. Errors pass through.
 */
final class ScanReply {

    private ScanReply() {}

    /** {@code reply} with the client's cursor (ownership of {@code reply} passes here). */
    static ByteBuf rewrite(ByteBufAllocator alloc, ByteBuf reply, Route.Scan scan) {
        int at = reply.readerIndex();
        if (RespValues.isError(reply, at)) {
            return reply;
        }
        if (reply.getByte(at) != '*' || RespValues.count(reply, at) != 2) {
            return unexpected(alloc, reply, scan);
        }
        int cursorAt = RespValues.firstElement(reply, at);
        if (reply.getByte(cursorAt) != '$') {
            return unexpected(alloc, reply, scan);
        }
        long nodeNext = unsignedDecimal(reply, RespValues.firstElement(reply, cursorAt), RespValues.count(reply, cursorAt));
        if (nodeNext == -1 || !ScanCursor.carries(nodeNext)) {
            // -1 is 2^64-1 too, which no client cursor can carry either
            reply.release();
            return Reply.error(alloc, "ERR respproxy: node " + scan.node() + " answered a SCAN cursor too large "
                    + "to carry with the node in the client's cursor");
        }
        String cursor = Long.toUnsignedString(scan.clientCursor(nodeNext));
        ByteBuf head = alloc.buffer(cursor.length() + 16);
        RespWriter.arrayHeader(head, 2);
        RespWriter.bulk(head, cursor);
        int keysAt = RespValues.skip(reply, cursorAt);
        CompositeByteBuf out = alloc.compositeBuffer(2);
        out.addComponents(true, head, reply.retainedSlice(keysAt, reply.writerIndex() - keysAt));
        reply.release();
        return out;
    }

    private static ByteBuf unexpected(ByteBufAllocator alloc, ByteBuf reply, Route.Scan scan) {
        reply.release();
        return Reply.error(alloc, "ERR respproxy: node " + scan.node() + " answered SCAN with something else than "
                + "a cursor and keys");
    }

    /** The unsigned decimal of {@code len} bytes at {@code from}; -1 (2^64-1) when not one or too large. */
    private static long unsignedDecimal(ByteBuf buf, int from, long len) {
        if (len <= 0 || len > 20) {
            return -1;
        }
        long v = 0;
        for (int i = from; i < from + len; i++) {
            int d = buf.getByte(i) - '0';
            if (d < 0 || d > 9 || Long.compareUnsigned(v, Long.divideUnsigned(-1L - d, 10)) > 0) {
                return -1;
            }
            v = v * 10 + d;
        }
        return v;
    }
}
