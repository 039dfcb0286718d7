package io.respproxy.proxy.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.route.Route;
import io.respproxy.routing.route.ScanCursor;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ScanReplyTest {

    static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;
    static final NodeAddress NODE = new NodeAddress("127.0.0.1", 7001);

    /** The rewritten reply as text; checks that nothing of the backend's reply outlives it. */
    static String rewrite(String reply, Route.Scan scan) {
        ByteBuf in = Unpooled.copiedBuffer(reply, StandardCharsets.UTF_8);
        ByteBuf out = ScanReply.rewrite(ALLOC, in, scan);
        String text = out.toString(StandardCharsets.UTF_8);
        out.release();
        assertEquals(0, in.refCnt(), "the backend's reply is released with the client's");
        return text;
    }

    static Route.Scan at(int shard, int member, long nodeCursor, int shards) {
        return new Route.Scan(NODE, new ScanCursor(shard, member, nodeCursor), shards);
    }

    @Test
    void aNodeWithMoreKeysKeepsTheWalkOnThatNode() {
        long expected = new ScanCursor(1, 2, 17).encode();
        assertEquals("*2\r\n$" + Long.toString(expected).length() + "\r\n" + expected + "\r\n*2\r\n$1\r\na\r\n$3\r\nbcd\r\n",
                rewrite("*2\r\n$2\r\n17\r\n*2\r\n$1\r\na\r\n$3\r\nbcd\r\n", at(1, 2, 0, 3)));
    }

    @Test
    void aNodeDoneMovesToTheNextShardThenEndsAtZero() {
        assertEquals("*2\r\n$1\r\n2\r\n*1\r\n$1\r\nk\r\n", rewrite("*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n", at(1, 1, 9, 3)));
        assertEquals("*2\r\n$1\r\n0\r\n*0\r\n", rewrite("*2\r\n$1\r\n0\r\n*0\r\n", at(2, 0, 9, 3)),
                "the last shard: 0, and an empty page is a page");
    }

    @Test
    void resp3RepliesHaveTheSameShape() {
        // Redis 7 with HELLO 3 still answers SCAN with an array of a bulk cursor and an array of keys.
        assertEquals("*2\r\n$1\r\n1\r\n*1\r\n$2\r\nk1\r\n", rewrite("*2\r\n$1\r\n0\r\n*1\r\n$2\r\nk1\r\n", at(0, 0, 0, 2)));
    }

    @Test
    void errorsPassThroughAndOddRepliesBecomeErrors() {
        assertEquals("-ERR syntax error\r\n", rewrite("-ERR syntax error\r\n", at(0, 0, 0, 2)));
        assertEquals("-ERR respproxy: node 127.0.0.1:7001 answered SCAN with something else than a cursor and keys\r\n",
                rewrite(":1\r\n", at(0, 0, 0, 2)));
        assertEquals("-ERR respproxy: node 127.0.0.1:7001 answered SCAN with something else than a cursor and keys\r\n",
                rewrite("*2\r\n:1\r\n*0\r\n", at(0, 0, 0, 2)));
        String tooLarge = Long.toUnsignedString(ScanCursor.MAX_NODE_CURSOR + 1);
        assertEquals("-ERR respproxy: node 127.0.0.1:7001 answered a SCAN cursor too large to carry with the node in "
                + "the client's cursor\r\n", rewrite("*2\r\n$" + tooLarge.length() + "\r\n" + tooLarge + "\r\n*0\r\n", at(0, 0, 0, 2)));
        assertEquals("*2\r\n$" + Long.toUnsignedString(-1L).length() + "\r\n" + Long.toUnsignedString(-1L) + "\r\n*0\r\n",
                rewrite("*2\r\n$13\r\n4398046511103\r\n*0\r\n",
                        at(ScanCursor.MAX_SHARDS - 1, ScanCursor.MAX_MEMBERS - 1, 1, ScanCursor.MAX_SHARDS)),
                "the largest node cursor fills the client's 64 bits");
    }
}
