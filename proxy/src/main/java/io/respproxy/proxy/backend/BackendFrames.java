package io.respproxy.proxy.backend;

import io.netty.channel.ChannelPipeline;
import io.netty.util.ReferenceCountUtil;
import io.respproxy.proxy.resp.RespLimits;
import io.respproxy.proxy.resp.RespProtocolError;
import io.respproxy.proxy.resp.RespReply;
import io.respproxy.proxy.resp.RespReplyDecoder;

/** The backend side of the codec: how decoded replies reach a {@link BackendConnection}. */
final class BackendFrames {

    private BackendFrames() {}

    static void install(ChannelPipeline pipeline, int maxNesting, BackendConnection conn) {
        RespLimits l = RespLimits.BACKEND;
        pipeline.addLast("resp-reply", new RespReplyDecoder(
                new RespLimits(l.maxBulkLength(), l.maxArrayLength(), l.maxInlineLength(), maxNesting)));
        pipeline.addLast("backend", conn);
    }

    static void dispatch(BackendConnection conn, Object msg) {
        if (msg instanceof RespReply r) {
            // The frame carries the reply's one reference: passing it on passes ownership.
            conn.onFrame(r.frame(), r.errorKind(), r.kind() == RespReply.Kind.PUSH, r.source(), r.sourceIndex());
        } else if (msg instanceof RespProtocolError e) {
            conn.fail(new BackendFailure(conn.key().node(), BackendFailure.Kind.CONNECTION_LOST,
                    "unparseable reply: " + e.message()));
        } else {
            ReferenceCountUtil.release(msg);
        }
    }
}
