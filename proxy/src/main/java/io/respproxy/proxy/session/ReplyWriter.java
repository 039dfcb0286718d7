package io.respproxy.proxy.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.respproxy.proxy.backend.BackendPool;
import io.respproxy.proxy.resp.FrameRun;
import io.respproxy.proxy.service.ListenerStats;
import io.respproxy.proxy.service.SessionSettings;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's output: replies are written without a flush, replies that lie back to back in a
 * backend's receive buffer go out as one slice, and the client is flushed once per backend read
 * batch. Enforces Redis's client-output-buffer-limit: over the hard limit, or over the soft limit
 * for longer than the soft duration, a client that does not read its replies is disconnected.
 */
final class ReplyWriter implements BackendPool.Flushable {

    private static final Logger log = LoggerFactory.getLogger(ReplyWriter.class);

    private final Channel channel;
    private final BackendPool pool;
    private final SessionSettings settings;
    private final long clientId;
    /** Replies written since the last flush that lie back to back in a backend's buffer: one write. */
    private final FrameRun run = new FrameRun();
    private boolean wrote;
    private boolean flushQueued;
    private boolean closed;
    /** When unsent replies first exceeded the soft output limit (0: not over it). */
    private long softLimitSince;
    private final ListenerStats stats;
    /** Bytes written since the last flush: added to the listener's count once per flush. */
    private long bytesOut;

    ReplyWriter(Channel channel, BackendPool pool, SessionSettings settings, long clientId, ListenerStats stats) {
        this.channel = channel;
        this.pool = pool;
        this.settings = settings;
        this.clientId = clientId;
        this.stats = stats;
    }

    /** Writes one reply in order (ownership passes here); {@code source} as in {@link FrameRun#add}. */
    void write(ByteBuf reply, ByteBuf source, int sourceIndex) {
        if (closed) {
            reply.release();
            return;
        }
        bytesOut += reply.readableBytes();
        ByteBuf previous = run.add(reply, source, sourceIndex);
        if (previous != null) {
            channel.write(previous, channel.voidPromise());
        }
        wrote = true;
    }

    /** A frame that answers no request (pub/sub message): written after what is gathered, flushed soon. */
    void writeUnordered(ByteBuf frame) {
        if (closed) {
            frame.release();
            return;
        }
        writeRun();
        bytesOut += frame.readableBytes();
        channel.write(frame, channel.voidPromise());
        wrote = true;
        flushSoon();
        checkOutputLimit();
    }

    /** Replies were written from a backend read: flushed when that read batch ends. */
    void flushSoon() {
        if (wrote && !flushQueued) {
            flushQueued = true;
            pool.markClientDirty(this);
        }
    }

    @Override
    public void flushNow() {
        flushQueued = false;
        if (wrote && !closed) {
            wrote = false;
            writeRun();
            countBytes();
            channel.flush();
            checkOutputLimit();
        }
    }

    private void writeRun() {
        ByteBuf r = run.take();
        if (r != null) {
            channel.write(r, channel.voidPromise());
        }
    }

    /** Sends everything written so far, then closes the connection (QUIT, protocol error). */
    void flushAndClose() {
        if (closed) {
            return;
        }
        closed = true;
        writeRun();
        countBytes();
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    private void countBytes() {
        if (bytesOut > 0) {
            stats.bytesSent.add(bytesOut);
            bytesOut = 0;
        }
    }

    /** The connection is gone: drop what was gathered. */
    void discard() {
        closed = true;
        run.discard();
    }

    void checkOutputLimit() {
        if (closed) {
            return;
        }
        var out = channel.unsafe().outboundBuffer();
        long pending = out == null ? 0 : out.totalPendingWriteBytes();
        if (pending > settings.outputHardLimit()) {
            disconnect("hard", settings.outputHardLimit());
        } else if (settings.outputSoftLimit() > 0 && pending > settings.outputSoftLimit()) {
            long now = System.nanoTime();
            if (softLimitSince == 0) {
                softLimitSince = now;
                long delay = settings.outputSoftDuration().toMillis() + 1;
                channel.eventLoop().schedule(this::checkOutputLimit, delay, TimeUnit.MILLISECONDS);
            } else if (now - softLimitSince >= settings.outputSoftDuration().toNanos()) {
                disconnect("soft", settings.outputSoftLimit());
            }
        } else {
            softLimitSince = 0;
        }
    }

    private void disconnect(String which, long limit) {
        log.warn("client id={} {} exceeded the {} output buffer limit ({} bytes): disconnected",
                clientId, channel.remoteAddress(), which, limit);
        closed = true;
        run.discard();
        channel.close();
    }
}
