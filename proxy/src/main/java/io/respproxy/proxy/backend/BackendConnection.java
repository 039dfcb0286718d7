package io.respproxy.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.MaxMessagesRecvByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.respproxy.proxy.metrics.LoopClock;
import io.respproxy.proxy.resp.FrameRun;
import io.respproxy.proxy.resp.RespReply;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One TCP connection to one Redis node, owned by one event loop. Requests from many clients are
 * written to it back to back (pipelined); replies come back in the same order and are handed to
 * the {@link PendingReply} at the head of the FIFO. Writes are not flushed here: the owner
 * flushes once per read batch.
 *
 * <p>Until the handshake has been answered, requests wait in {@link #unsent}; the handshake
 * itself is the first entries of the FIFO, so its replies are consumed before any client's.
 */
public final class BackendConnection extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(BackendConnection.class);

    /** A frame that is not a reply to a request: RESP3 push or a pub/sub message in pipe mode. */
    public interface FrameSink {
        void onFrame(ByteBuf frame);

        /** The connection closed while frames were piped here (a subscriber's connection died). */
        default void onClosed(BackendFailure why) {
        }
    }

    private final BackendKey key;
    private final ArrayDeque<PendingReply> pending = new ArrayDeque<>();
    private final ArrayDeque<Object> unsent = new ArrayDeque<>();
    private final Consumer<BackendConnection> onClose;
    private Channel channel;
    /** The handshake is through: requests are written as they come, no longer queued in {@link #unsent}. */
    private boolean active;
    /** Handshake steps not answered yet. */
    private int handshakeLeft;
    /** Bytes in {@link #unsent}, counted as sent once written. */
    private long unsentBytes;
    private boolean closed;
    private FrameSink pipe;
    private boolean dirty;
    /** Requests written since the last flush that lie back to back in a client's buffer: one write. */
    private final FrameRun run = new FrameRun(io.netty.buffer.ByteBufAllocator.DEFAULT);
    private long lastProgressNanos;
    private BackendFailure failure;
    /** The next request sent waits on the server by design; see {@link #expectBlockingReply()}. */
    private boolean nextBlocks;
    /** The pending entry of a blocking command (BLPOP, XREAD BLOCK, WAIT), or null. */
    private PendingReply blockingReply;
    private final NodeStats stats;
    private final LoopClock clock;
    /** When each pending request was written (flushed), in step with {@link #pending}; 0: not yet. */
    private final LongRing writtenAt = new LongRing();
    /** The newest entries of {@link #writtenAt} still waiting for the flush that writes them. */
    private int unflushed;
    /** Bytes queued since the last flush / read since the last read batch, added to {@link #stats} once per batch. */
    private long bytesOut;
    private long bytesIn;
    /** The pool counted this connection as established (see {@link BackendPool}). */
    boolean established;
    /**
     * Requests numbered in the order they are queued: {@link #queued} numbers the next one,
     * {@link #headSeq} the oldest still pending (handshake steps, queued ahead of everything once
     * the connection is up, take numbers below it). {@link #scripts} holds the numbers of the
     * scripts and function calls among them: whether one is still pending.
     */
    private long queued;
    private long headSeq;
    private final LongRing scripts = new LongRing();
    /** The pool watches it for a long-running script ({@link BackendPool#scriptSent}). */
    boolean watchedForScripts;
    /** Set aside behind a long-running script: no new client uses it, it closes once drained. */
    private boolean retiring;

    /**
     * Client-side caching (service/Tracking): the id of the node's connection this one's
     * {@code CLIENT TRACKING ON REDIRECT id OPTIN} names (0: tracking never asked for; -1: the node
     * refused it), and what to do when this connection closes (the keys it registered at the node
     * will never be reported).
     */
    private long trackingRedirect;
    private Runnable trackingLost;
    /** Where this connection's own invalidation pushes go (RESP3, {@link #TRACKING_INLINE}). */
    private Consumer<ByteBuf> trackingPushes;
    /** {@code writes.acknowledge = replicated}: holds write replies until a WAIT confirms them; null: async. */
    private ReplicationGate gate;

    /** {@link #trackingRedirect()} of a RESP3 connection that tracks without redirect: pushes come inline. */
    public static final long TRACKING_INLINE = Long.MAX_VALUE;

    /**
     * @param stats its node's counters (bytes, latency)
     * @param clock its loop's clock reading: replies store theirs there, flushes stamp requests with it
     */
    BackendConnection(BackendKey key, Consumer<BackendConnection> onClose, NodeStats stats, LoopClock clock) {
        this.key = key;
        this.onClose = onClose;
        this.stats = stats;
        this.clock = clock;
    }

    public BackendKey key() {
        return key;
    }

    void attach(Channel channel) {
        this.channel = channel;
    }

    /** Writes marked with {@link #lastQueuedWrites()} are acknowledged only once replicas have them. */
    void replicate(ReplicationPolicy policy) {
        gate = new ReplicationGate(this, policy, stats);
    }

    /**
     * The request just queued writes: under {@code writes.acknowledge = replicated} its success is
     * told only once replicas have it (a WAIT follows it at the next flush). Not for a command
     * inside MULTI (its EXEC is the write).
     */
    public void lastQueuedWrites() {
        if (gate != null && !closed) {
            gate.wrote(queued - 1);
        }
    }

    /**
     * Writes the handshake; called once the TCP connection is up. With {@code gate}, requests
     * queued meanwhile are written only once every step has answered ({@link #handshakeReplied}):
     * a request written behind a SELECT or a client's AUTH that the node refuses would run in
     * database 0, or as the wrong user. Without (db 0, the service's login), they follow the
     * handshake at once: no round trip more for a new connection.
     */
    void activate(List<ByteBuf> handshake, List<PendingReply> handshakeReplies, boolean gate) {
        if (closed) {
            handshake.forEach(ByteBuf::release);
            return;
        }
        for (ByteBuf b : handshake) {
            bytesOut += b.readableBytes();
            channel.write(b, channel.voidPromise());
        }
        for (int i = handshakeReplies.size() - 1; i >= 0; i--) {
            pending.addFirst(handshakeReplies.get(i));
            writtenAt.addFirst(0);
        }
        headSeq -= handshakeReplies.size();
        handshakeLeft = handshakeReplies.size();
        lastProgressNanos = clock.tick();
        if (handshakeLeft == 0 || !gate) {
            start();
            return;
        }
        stats.bytesSent.add(bytesOut - unsentBytes);
        bytesOut = unsentBytes;
        channel.flush();
    }

    /**
     * A handshake step answered. An error fails the connection ({@code why}), except one that
     * says the node is busy with a script or loading its data: Redis would answer each queued
     * request the same, so each gets that reply ({@code refusal}, as the node worded it) and the
     * connection closes. Else, after the last step, the queued requests are written.
     *
     * @param refusal the node's -BUSY / -LOADING reply (released here), or null
     * @param why the failure for any other error, or null when the step succeeded
     */
    void handshakeReplied(ByteBuf refusal, RespReply.ErrorKind kind, BackendFailure why) {
        handshakeLeft--;
        if (refusal != null && active) {
            // Requests already follow the handshake (not gated): their own replies are on the way;
            // answering them here would put every later reply out of step.
            String text = refusal.toString(java.nio.charset.StandardCharsets.UTF_8).trim();
            refusal.release();
            fail(new BackendFailure(key.node(), BackendFailure.Kind.HANDSHAKE_FAILED, text.substring(1)));
        } else if (refusal != null) {
            try {
                // Drop the steps still ahead; their replies are never read.
                for (; handshakeLeft > 0; handshakeLeft--) {
                    pending.poll();
                    writtenAt.pollFirst();
                    headSeq++;
                }
                PendingReply p;
                while ((p = pending.poll()) != null) {
                    writtenAt.pollFirst();
                    headSeq++;
                    p.onReply(refusal.retainedDuplicate(), kind, null, 0);
                }
            } finally {
                refusal.release();
            }
            close();
        } else if (why != null) {
            fail(why);
        } else if (handshakeLeft == 0 && !closed && !active) {
            start();
        }
    }

    /** The handshake is through: writes the requests queued meanwhile. */
    private void start() {
        active = true;
        while (!unsent.isEmpty()) {
            channel.write(unsent.poll(), channel.voidPromise());
        }
        unsentBytes = 0;
        lastProgressNanos = clock.tick();
        writtenAt.setLast(writtenAt.size(), lastProgressNanos);
        unflushed = 0;
        stats.bytesSent.add(bytesOut);
        bytesOut = 0;
        channel.flush();
    }

    /** Why the connection closed, or null while it is open. */
    public BackendFailure failure() {
        return failure;
    }

    public boolean isUsable() {
        return !closed;
    }

    /**
     * The next request sent is a command that waits on the server by design (BLPOP key 0,
     * XREAD BLOCK, WAIT): while it is the oldest one pending, the command timeout does not apply
     * to this connection. Its own timeout, if any, is the server's business.
     */
    public void expectBlockingReply() {
        nextBlocks = true;
    }

    /**
     * Queues {@code request} (ownership passes here) and the one who waits for its reply.
     * Not flushed: call {@link #flush()} at the end of the read batch.
     */
    public void send(ByteBuf request, PendingReply reply) {
        send(request, null, 0, reply);
    }

    /**
     * As {@link #send(ByteBuf, PendingReply)} for a frame sliced from a client's receive buffer
     * {@code source} (not retained) at {@code sourceIndex}: frames adjacent there go out as one.
     */
    public void send(ByteBuf request, ByteBuf source, int sourceIndex, PendingReply reply) {
        if (closed) {
            request.release();
            reply.onFailure(failure, false);
            return;
        }
        queue(reply);
        write(request, source, sourceIndex);
    }

    /**
     * As {@link #send(ByteBuf, ByteBuf, int, PendingReply)} for a request the caller keeps (to send
     * it again after a redirect or a failover): its bytes are copied or written as they are, never
     * changed, and nothing of it is retained past the write unless it is large.
     */
    public void sendKept(ByteBuf request, ByteBuf source, int sourceIndex, PendingReply reply) {
        if (closed) {
            reply.onFailure(failure, false);
            return;
        }
        queue(reply);
        if (!active) {
            write(request.retainedDuplicate(), source, sourceIndex);
            return;
        }
        bytesOut += request.readableBytes();
        ByteBuf previous = run.addBorrowed(request, source, sourceIndex);
        if (previous != null) {
            channel.write(previous, channel.voidPromise());
        }
    }

    private void queue(PendingReply reply) {
        if (pending.isEmpty()) {
            lastProgressNanos = System.nanoTime();
        }
        if (nextBlocks) {
            nextBlocks = false;
            blockingReply = reply;
        }
        pending.add(reply);
        queued++;
        writtenAt.addLast(0);
        unflushed++;
    }

    /**
     * The request just queued runs a script or a function (EVAL, FCALL...), which may hold the
     * node for as long as it runs: the pool watches for it ({@link #runsLongScript}).
     */
    void lastQueuedRunsScript() {
        if (!closed) {
            scripts.addLast(queued - 1);
        }
    }

    /** The number of the request queued last (see {@link #pendingFrom}). */
    public long lastQueued() {
        return queued - 1;
    }

    /** Whether the request numbered {@code seq} (from {@link #lastQueued}) has not been answered yet. */
    public boolean pendingFrom(long seq) {
        return !closed && seq >= headSeq;
    }

    /** Whether a script or function call is still pending here. */
    public boolean scriptPending() {
        while (scripts.size() > 0 && scripts.peekFirst() < headSeq) {
            scripts.pollFirst();
        }
        return scripts.size() > 0 && !closed;
    }

    /**
     * True when a script or function call is pending and nothing has come back for
     * {@code afterNanos}. Not only when the script is the oldest request: Redis writes the replies
     * of the commands pipelined before it only once the loop that ran them ends, after the script,
     * so those look pending too. (A slow command ahead of a script that has not started yet also
     * passes: its connection is set aside a little early, which costs a connection, nothing else.)
     */
    boolean runsLongScript(long nowNanos, long afterNanos) {
        return scriptPending() && nowNanos - lastProgressNanos > afterNanos;
    }

    /**
     * Sets this shared connection aside: the pool no longer hands it out, the clients with requests
     * pending here keep sending theirs here (they know where theirs are pending), and it closes
     * once nothing is pending.
     */
    void retire() {
        retiring = true;
        if (pending.isEmpty()) {
            close();
        }
    }

    /** Queues a request the proxy words itself, shared and never changed (the gate's WAIT). */
    void queueBorrowed(ByteBuf request, PendingReply reply) {
        sendKept(request, null, 0, reply);
    }

    /** Sends a request whose replies (if any) are not FIFO-matched: pipe mode only. */
    public void sendRaw(ByteBuf request) {
        if (closed) {
            request.release();
            return;
        }
        write(request, null, 0);
    }

    private void write(ByteBuf request, ByteBuf source, int sourceIndex) {
        bytesOut += request.readableBytes();
        if (!active) {
            unsentBytes += request.readableBytes();
            unsent.add(request);
            return;
        }
        ByteBuf previous = run.add(request, source, sourceIndex);
        if (previous != null) {
            channel.write(previous, channel.voidPromise());
        }
    }

    public void flush() {
        dirty = false;
        if (gate != null && !closed) {
            gate.beforeFlush();
        }
        if (active && !closed) {
            ByteBuf last = run.take();
            if (last != null) {
                channel.write(last, channel.voidPromise());
            }
            if (unflushed > 0) {
                // The pool read the clock when this loop's flush began: one reading for every
                // connection it flushes.
                writtenAt.setLast(unflushed, clock.now());
                unflushed = 0;
            }
            stats.bytesSent.add(bytesOut);
            bytesOut = 0;
            channel.flush();
        }
    }

    /** Marks the connection as having unflushed writes; true when it was clean (add it to the flush list). */
    boolean markDirty() {
        if (dirty) {
            return false;
        }
        dirty = true;
        return true;
    }

    /**
     * From now on every frame that is not a reply to a FIFO entry goes to {@code sink}: used by
     * pub/sub sessions, where one SUBSCRIBE yields many replies and messages arrive unasked.
     */
    public void pipeTo(FrameSink sink) {
        this.pipe = sink;
    }

    /**
     * True when the oldest pending request has waited longer than {@code timeoutNanos} without any
     * reply arriving on this connection, unless it is a blocking command.
     */
    boolean isStalled(long nowNanos, long timeoutNanos) {
        PendingReply head = pending.peek();
        return head != null && head != blockingReply && nowNanos - lastProgressNanos > timeoutNanos;
    }

    /** The node proved alive (it answered -BUSY elsewhere): the silence so far is not a stall. */
    void progressed() {
        lastProgressNanos = System.nanoTime();
    }

    /** The allocator of this connection's channel (for requests the pool builds itself). */
    io.netty.buffer.ByteBufAllocator alloc() {
        return channel != null ? channel.alloc() : io.netty.buffer.ByteBufAllocator.DEFAULT;
    }

    /** Fails everything pending and closes the socket. */
    public void fail(BackendFailure why) {
        if (closed) {
            return;
        }
        closed = true;
        failure = why;
        scripts.clear();
        run.discard();
        writtenAt.clear();
        unflushed = 0;
        // The error replies below fill their slots now: their latency ends here, not at the
        // loop's last reading (a close or a timeout comes from outside any read batch).
        clock.tick();
        while (!unsent.isEmpty()) {
            io.netty.util.ReferenceCountUtil.release(unsent.poll());
            // The matching PendingReply entries were never written: they fail below as not applied.
        }
        FrameSink sink = pipe;
        pipe = null;
        if (sink != null) {
            sink.onClosed(why);
        }
        if (gate != null) {
            gate.fail(why); // answered before everything pending: they were sent first
        }
        int written = active ? pending.size() : 0;
        PendingReply p;
        int i = 0;
        while ((p = pending.poll()) != null) {
            p.onFailure(why, i++ < written);
        }
        if (channel != null) {
            channel.close();
        }
        onClose.accept(this);
        if (trackingLost != null && trackingRedirect > 0) {
            trackingLost.run();
        }
    }

    /** Tells every request waiting for its reply here that the proxy left this node ({@link PendingReply#nodeLeft}). */
    void nodeLeft(String why) {
        if (gate != null) {
            gate.nodeLeft(why, queued);
        }
        for (PendingReply p : pending) {
            p.nodeLeft(why);
        }
    }

    /**
     * One read per event-loop turn instead of Netty's 16 (a subscriber's connection): a node that
     * streams messages to many subscribers as fast as it can gets the loop in turns of 64 KB, so a
     * command of another client on the same loop waits for one read of each, not sixteen (as
     * Redis writes at most 64 KB to one client per turn of its own loop).
     */
    public void fairReads() {
        // The channel's own allocator (none is set on the bootstrap, so not shared); its read handle
        // takes the value at each read, also on a pooled connection that has read before.
        if (channel != null && channel.config().getRecvByteBufAllocator() instanceof MaxMessagesRecvByteBufAllocator a) {
            a.maxMessagesPerRead(1);
        }
    }

    /** See {@link #trackingRedirect}: the listener id asked for, 0 none, -1 refused. */
    public long trackingRedirect() {
        return trackingRedirect;
    }

    /**
     * {@code CLIENT TRACKING ON [REDIRECT id]} was sent on this connection ({@code redirect}: the
     * id, or {@link #TRACKING_INLINE}); {@code lost} runs (on this connection's loop) if it
     * closes while tracking; {@code pushes} takes the invalidations the node pushes on this
     * connection itself (ownership passes), in their place among the replies.
     */
    public void trackingRequested(long redirect, Runnable lost, Consumer<ByteBuf> pushes) {
        trackingRedirect = redirect;
        trackingLost = lost;
        trackingPushes = pushes;
    }

    /** The node answered the request for {@code redirect}: OK ({@code ok}) or an error (never ask again here). */
    public void trackingAnswered(long redirect, boolean ok) {
        if (!ok && trackingRedirect == redirect) {
            trackingRedirect = -1;
        }
    }

    /** Closes without error once nothing is pending (idle dedicated connections). */
    public void close() {
        fail(new BackendFailure(key.node(), BackendFailure.Kind.CLOSED, null));
    }

    /**
     * One frame from the backend, as decoded by the reply decoder.
     *
     * @param error which error the frame is ({@link RespReply.ErrorKind#NONE}: not an error)
     * @param push true for a RESP3 push frame ({@code >}), which answers no request
     */
    public void onFrame(ByteBuf frame, RespReply.ErrorKind error, boolean push, ByteBuf source, int sourceIndex) {
        bytesIn += frame.readableBytes();
        if (push && pipe == null && trackingRedirect != 0) {
            // A connection that tracks for the proxy: its invalidations, never a reply.
            if (trackingPushes != null) {
                trackingPushes.accept(frame);
            } else {
                frame.release();
            }
            return;
        }
        if (!push || pipe == null) {
            PendingReply head = pending.poll();
            if (head != null) {
                headSeq++;
                long now = System.nanoTime();
                lastProgressNanos = now;
                clock.set(now); // the reply's slot measures the client's latency with this reading
                long written = writtenAt.pollFirst();
                unflushed = Math.min(unflushed, writtenAt.size());
                if (head == blockingReply) {
                    blockingReply = null; // it waited by design: not the node's latency
                } else if (written != 0) {
                    stats.latency.observeNanos(now - written);
                }
                if (gate == null || !gate.hold(headSeq - 1, head, frame, error)) {
                    head.onReply(frame, error, source, sourceIndex);
                }
                if (retiring && pending.isEmpty() && (gate == null || gate.isEmpty())) {
                    close();
                }
                return;
            }
        }
        if (pipe != null) {
            pipe.onFrame(frame);
        } else {
            // A push on a shared connection (e.g. a server-initiated invalidation) has no owner.
            frame.release();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        BackendFrames.dispatch(this, msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (bytesIn > 0) {
            stats.bytesReceived.add(bytesIn);
            bytesIn = 0;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail(new BackendFailure(key.node(), BackendFailure.Kind.CONNECTION_LOST, "closed by peer"));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("backend {} error", key.node(), cause);
        fail(new BackendFailure(key.node(), BackendFailure.Kind.CONNECTION_LOST, describe(cause)));
    }

    static String describe(Throwable cause) {
        String m = cause.getMessage();
        return m == null ? cause.getClass().getSimpleName() : m;
    }

    @Override
    public String toString() {
        return "BackendConnection{" + key + ", pending=" + pending.size() + (closed ? ", closed" : "") + "}";
    }
}
