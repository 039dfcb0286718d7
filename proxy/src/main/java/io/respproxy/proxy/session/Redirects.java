package io.respproxy.proxy.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.respproxy.proxy.backend.BackendFailure;
import io.respproxy.proxy.backend.PendingReply;
import io.respproxy.proxy.resp.RespReply;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.TopologySource;
import java.nio.charset.StandardCharsets;

/**
 * What the proxy does with a cluster node's refusals, none of which applied the command: -MOVED
 * (the slot has a new owner), -ASK (the slot is migrating and this key already left), -TRYAGAIN
 * (a multi-key command whose keys are split by a migration) and -CLUSTERDOWN (a shard without a
 * master, during a failover). The client never sees a redirect: the command follows it, at most
 * {@link #MAX_REDIRECTS} times, and then gets -TRYAGAIN in the proxy's words.
 */
final class Redirects {

    /** Redirects a command follows before the client gets an error (a slot moving again and again). */
    static final int MAX_REDIRECTS = 5;

    /** {@code ASKING}: the next command on this connection may touch a slot being imported. */
    private static final ByteBuf ASKING;

    static {
        byte[] bytes = "*1\r\n$6\r\nASKING\r\n".getBytes(StandardCharsets.US_ASCII);
        ASKING = Unpooled.unreleasableBuffer(Unpooled.directBuffer(bytes.length, bytes.length).writeBytes(bytes)
                .asReadOnly());
    }

    /** The reply to ASKING, which nobody waits for: +OK, or an error the command's own reply will show. */
    static final PendingReply DISCARD = new PendingReply() {
        @Override
        public void onReply(ByteBuf reply, boolean error) {
            reply.release();
        }

        @Override
        public void onFailure(BackendFailure failure, boolean written) {
            // the command sent behind it fails on its own
        }
    };

    private Redirects() {}

    static boolean isClusterRefusal(RespReply.ErrorKind kind) {
        return kind == RespReply.ErrorKind.MOVED || kind == RespReply.ErrorKind.ASK
                || kind == RespReply.ErrorKind.TRYAGAIN || kind == RespReply.ErrorKind.CLUSTERDOWN;
    }

    static boolean isRedirect(RespReply.ErrorKind kind) {
        return kind == RespReply.ErrorKind.MOVED || kind == RespReply.ErrorKind.ASK;
    }

    static ByteBuf asking() {
        return ASKING.duplicate();
    }

    /**
     * Where a -MOVED / -ASK frame sends the command, mapped through the service's {@code nat}
     * map; null when the frame is malformed. An empty host means the replying node's host.
     */
    static RespReply.Redirect parse(ByteBuf frame, RespReply.ErrorKind kind) {
        try {
            return RespReply.Redirect.of(frame, kind == RespReply.ErrorKind.ASK);
        } catch (RuntimeException e) {
            return null;
        }
    }

    static NodeAddress target(RespReply.Redirect r, NodeAddress from, TopologySource source) {
        String host = r.host().isEmpty() ? from.host() : r.host();
        return source.reachable(new NodeAddress(host, r.port()));
    }

    /** The pause before a -TRYAGAIN / -CLUSTERDOWN command is tried again: 20, 40, 80 ... 320 ms. */
    static long backoffNanos(int attempt) {
        return java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(20L << Math.min(attempt, 4));
    }

    /** What the client gets for a redirect the proxy cannot read. */
    static final String MALFORMED = "TRYAGAIN respproxy: a cluster node answered with a redirect the proxy cannot "
            + "read; the command was not applied";

    /** What the client gets when a command was redirected too often. */
    static String tooManyRedirects(int redirects) {
        return "TRYAGAIN respproxy: the cluster redirected this command " + redirects
                + " times (slots are moving); it was not applied";
    }
}
