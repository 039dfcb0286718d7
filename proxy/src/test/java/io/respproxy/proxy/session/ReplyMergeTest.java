package io.respproxy.proxy.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.respproxy.proxy.backend.BackendFailure;
import io.respproxy.proxy.backend.PendingReply;
import io.respproxy.proxy.resp.RespValues;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.command.ResponsePolicy;
import io.respproxy.routing.command.RoutingShape;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ReplyMergeTest {

    static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

    static ByteBuf buf(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    static String merge(ReplyMerge m, String... parts) {
        ByteBuf[] bufs = new ByteBuf[parts.length];
        for (int i = 0; i < parts.length; i++) {
            bufs[i] = buf(parts[i]);
        }
        ByteBuf out = m.merge(bufs, ALLOC);
        try {
            return out.toString(StandardCharsets.UTF_8);
        } finally {
            out.release();
            for (ByteBuf b : bufs) {
                b.release();
            }
        }
    }

    @Test
    void mgetValuesComeBackInKeyOrder() {
        ReplyMerge m = ReplyMerge.forSplit(RoutingShape.MULTI_KEY_CONCAT, 4, new int[][] {{0, 2}, {1}, {3}});
        assertEquals("*4\r\n$1\r\na\r\n$2\r\nbb\r\n$-1\r\n_\r\n",
                merge(m, "*2\r\n$1\r\na\r\n$-1\r\n", "*1\r\n$2\r\nbb\r\n", "*1\r\n_\r\n"));
    }

    @Test
    void countsAreSummedAndAggregated() {
        assertEquals(":5\r\n", merge(ReplyMerge.forSplit(RoutingShape.MULTI_KEY_SUM, 3, null), ":2\r\n", ":3\r\n", ":0\r\n"));
        assertEquals(":-1\r\n", merge(ReplyMerge.forFanOut(ResponsePolicy.AGG_MIN), ":4\r\n", ":-1\r\n"));
        assertEquals(":4\r\n", merge(ReplyMerge.forFanOut(ResponsePolicy.AGG_MAX), ":4\r\n", ":-1\r\n"));
        assertEquals(":7\r\n", merge(ReplyMerge.forFanOut(ResponsePolicy.AGG_SUM), ":3\r\n", ":4\r\n"), "DBSIZE");
    }

    @Test
    void scriptExistsIsTrueOnlyWhereEveryNodeHasTheScript() {
        assertEquals("*3\r\n:1\r\n:0\r\n:0\r\n", merge(ReplyMerge.forFanOut(ResponsePolicy.AGG_LOGICAL_AND),
                "*3\r\n:1\r\n:1\r\n:0\r\n", "*3\r\n:1\r\n:0\r\n:0\r\n"));
        assertEquals("*2\r\n:1\r\n:0\r\n", merge(ReplyMerge.forFanOut(ResponsePolicy.AGG_LOGICAL_OR),
                "*2\r\n:1\r\n:0\r\n", "*2\r\n:0\r\n:0\r\n"));
    }

    @Test
    void keysFromEveryNodeAreConcatenated() {
        assertEquals("*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n",
                merge(ReplyMerge.forFanOut(ResponsePolicy.DEFAULT), "*2\r\n$1\r\na\r\n$1\r\nb\r\n", "*0\r\n", "*1\r\n$1\r\nc\r\n"));
        assertEquals("+OK\r\n", merge(ReplyMerge.forFanOut(ResponsePolicy.ALL_SUCCEEDED), "+OK\r\n", "+OK\r\n"));
        assertEquals("+OK\r\n", merge(ReplyMerge.forSplit(RoutingShape.MULTI_KEY_PAIRS, 2, null), "+OK\r\n", "+OK\r\n"));
    }

    @Test
    void skipWalksNestedAggregatesAttributesAndBlobs() {
        String value = "|1\r\n+ttl\r\n:3\r\n*3\r\n%1\r\n$1\r\nk\r\n*2\r\n:1\r\n=7\r\ntxt:a\r\n\r\n!3\r\nERR\r\n_\r\n";
        ByteBuf b = buf(value + "+NEXT\r\n");
        try {
            assertEquals(value.length(), RespValues.skip(b, 0));
        } finally {
            b.release();
        }
    }

    /** Records the parent's reply as the client would read it. */
    static final class Parent implements PendingReply {
        String reply;
        boolean error;

        @Override
        public void onReply(ByteBuf r, boolean e) {
            reply = r.toString(StandardCharsets.UTF_8);
            error = e;
            r.release();
        }

        @Override
        public void onFailure(BackendFailure failure, boolean written) {
            throw new AssertionError("the parent never fails: it gets an error reply");
        }
    }

    @Test
    void thePartsMergeOnlyWhenAllHaveAnswered() {
        Parent parent = new Parent();
        MultiPartReply m = new MultiPartReply(parent, null, ReplyMerge.forSplit(RoutingShape.MULTI_KEY_SUM, 2, null), 2, false, ALLOC);
        m.part(1, -1).onReply(buf(":1\r\n"), false);
        assertNull(parent.reply);
        m.part(0, -1).onReply(buf(":2\r\n"), false);
        assertEquals(":3\r\n", parent.reply);
    }

    @Test
    void onePartsErrorIsTheClientsReplyNeverAHalfMergedAnswer() {
        Parent parent = new Parent();
        MultiPartReply m = new MultiPartReply(parent, null, ReplyMerge.forSplit(RoutingShape.MULTI_KEY_CONCAT, 2,
                new int[][] {{0}, {1}}), 2, true, ALLOC);
        m.part(0, -1).onReply(buf("*1\r\n$1\r\na\r\n"), false);
        m.part(1, -1).onReply(buf("-TRYAGAIN Multiple keys request during rehashing of slot\r\n"), true);
        assertEquals("-TRYAGAIN Multiple keys request during rehashing of slot\r\n", parent.reply);
        assertEquals(true, parent.error);
    }

    @Test
    void aFailedPartSaysAWriteMayHaveBeenApplied() {
        Parent parent = new Parent();
        MultiPartReply m = new MultiPartReply(parent, null, ReplyMerge.forSplit(RoutingShape.MULTI_KEY_PAIRS, 2, null), 2, false, ALLOC);
        m.part(0, -1).onReply(buf("+OK\r\n"), false);
        m.part(1, -1).onFailure(new BackendFailure(new NodeAddress("127.0.0.1", 7001), BackendFailure.Kind.CONNECTION_LOST,
                "closed by peer"), true);
        assertEquals("-ERR connection to backend 127.0.0.1:7001 lost (closed by peer); the command may have been applied\r\n",
                parent.reply);
    }

    @Test
    void randomKeyIsNilOnlyWhenEveryMasterIsEmpty() {
        ReplyMerge m = ReplyMerge.forFanOut(ResponsePolicy.DEFAULT);
        for (int i = 0; i < 20; i++) {
            assertEquals("$3\r\nkey\r\n", merge(m, "$-1\r\n", "$3\r\nkey\r\n", "$-1\r\n"));
            assertEquals("$1\r\nk\r\n", merge(m, "_\r\n", "$1\r\nk\r\n"));
        }
        assertEquals("$-1\r\n", merge(m, "$-1\r\n", "$-1\r\n"));
        for (int i = 0; i < 20; i++) {
            assertEquals("$1\r\nk\r\n", merge(m, "-LOADING Redis is loading the dataset in memory\r\n", "$1\r\nk\r\n"));
        }
    }

    @Test
    void oneSucceededIgnoresErrorsUnlessAllFailed() {
        Parent parent = new Parent();
        MultiPartReply m = new MultiPartReply(parent, null, ReplyMerge.forFanOut(ResponsePolicy.ONE_SUCCEEDED), 2, false, ALLOC);
        m.part(0, -1).onReply(buf("-NOTBUSY No scripts in execution right now.\r\n"), true);
        m.part(1, -1).onReply(buf("+OK\r\n"), false);
        assertEquals("+OK\r\n", parent.reply);
    }
}
