package io.respproxy.proxy.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.respproxy.proxy.backend.BackendPool;
import io.respproxy.proxy.resp.FrameRun;
import io.respproxy.proxy.service.ClientMemory;
import io.respproxy.proxy.service.ListenerStats;
import io.respproxy.proxy.service.OutputLimit;
import io.respproxy.proxy.service.SessionSettings;
import io.respproxy.proxy.service.SharedFrames;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's output: replies are written without a flush, replies that lie back to back in a
 * backend's receive buffer go out as one slice, and the client is flushed once per backend read
 * batch. Enforces Redis's client-output-buffer-limit by client class: over the hard limit, or over
 * the soft limit for longer than the soft duration, a client that does not read its replies is
 * closed. Tells the session when the client's replies pile up ({@link #outputFull}), so it runs
 * no more of its commands until they drain.
 *
 * <p>While the client is behind, its pub/sub messages and invalidation pushes are queued as
 * references into the loop's {@link SharedFrames} (several subscribers behind on one message hold
 * it once), and everything after them waits in that queue too, in order; the queue goes to the
 * channel 64 KB at a time as the client's socket takes it.
 */
final class ReplyWriter implements BackendPool.Flushable {

    private static final Logger log = LoggerFactory.getLogger(ReplyWriter.class);

    private final Channel channel;
    private final BackendPool pool;
    private final SessionSettings settings;
    /** Replies written since the last flush that lie back to back in a backend's buffer: one write. */
    private final FrameRun run = new FrameRun(io.netty.buffer.ByteBufAllocator.DEFAULT);
    /** Frames of a client that is behind, copied into chunks of its own. */
    private final SpillChunks spill;
    private boolean wrote;
    private boolean flushQueued;
    private boolean closed;
    /** When unsent replies first exceeded the soft output limit (0: not over it). */
    private long softLimitSince;
    private final ListenerStats stats;
    /** Bytes written since the last flush: added to the listener's count once per flush. */
    private long bytesOut;
    /** Which of Redis's output-limit classes the client is in now. */
    private OutputLimit.ClientClass clientClass = OutputLimit.ClientClass.NORMAL;
    /** What replies to this client are expected to weigh, for the commands still in flight. */
    private final ReplyEstimate estimate;
    /** The client as CLIENT LIST shows it, for the line logged when it is closed. */
    private final Supplier<String> describe;
    private ClientMemory.Account account;
    private LongSupplier inputBytes;
    private SharedFrames shared;
    /** Frames held in {@link #shared} for this client, in order, after what the channel has. */
    private final ArrayDeque<SharedFrames.Frame> queued = new ArrayDeque<>();
    /** The size of the frames in {@link #queued}. */
    private long queuedBytes;
    /** What one entry of {@link #queued} costs this client (a reference in the queue's array). */
    private static final int QUEUE_ENTRY_BYTES = 8;

    ReplyWriter(Channel channel, BackendPool pool, SessionSettings settings, ListenerStats stats,
                Supplier<String> describe) {
        this.channel = channel;
        this.pool = pool;
        this.settings = settings;
        this.stats = stats;
        this.describe = describe;
        this.spill = new SpillChunks(channel);
        this.estimate = new ReplyEstimate(settings.maxPendingOutput());
    }

    /** The client's entry in the process's buffer budget, what its input side holds, its loop's shared frames. */
    void account(ClientMemory.Account account, LongSupplier inputBytes, SharedFrames shared) {
        this.account = account;
        this.inputBytes = inputBytes;
        this.shared = shared;
    }

    /** Brings the client's entry in the budget up to date (a delta: cheap). */
    void account() {
        account.update(heldBytes() + inputBytes.getAsLong());
    }

    void closeAccount() {
        account.close();
    }

    void clientClass(OutputLimit.ClientClass c) {
        clientClass = c;
    }

    /**
     * Whether the client's replies have piled up: those its socket has not taken, plus the
     * {@code inFlight} still to come at the size its recent replies had, exceed
     * {@code max-pending-output}; or its channel is still unwritable (past the limit, and not yet
     * drained to half: only the writability event resumes the client, so the window must not
     * reopen before it). One command may always be in flight.
     */
    boolean outputFull(int inFlight) {
        long unsent = unsentBytes();
        if (unsent > settings.maxPendingOutput() || !channel.isWritable()) {
            return true;
        }
        return inFlight > 0 && unsent + estimate.expected(inFlight) > settings.maxPendingOutput();
    }

    /**
     * Replies written to the client that its socket has not taken yet (and those gathered here):
     * what its output limit counts, as Redis counts a client's output buffer.
     */
    long unsentBytes() {
        return channelBytes() + queuedBytes;
    }

    /** What this client alone holds in the proxy: {@link #unsentBytes} but the frames it shares. */
    long heldBytes() {
        return channelBytes() + (long) queued.size() * QUEUE_ENTRY_BYTES;
    }

    /** Frames queued for this client in its loop's shared frames: counted there, once. */
    long sharedBytes() {
        return queuedBytes;
    }

    private long channelBytes() {
        var out = channel.unsafe().outboundBuffer();
        return (out == null ? 0 : out.totalPendingWriteBytes()) + run.pendingBytes() + spill.heldBytes();
    }

    /** Writes one reply in order (ownership passes here); {@code source} as in {@link FrameRun#add}. */
    void write(ByteBuf reply, ByteBuf source, int sourceIndex) {
        if (closed) {
            reply.release();
            return;
        }
        int size = reply.readableBytes();
        bytesOut += size;
        estimate.replied(size);
        wrote = true;
        if (!queued.isEmpty()) {
            enqueue(reply); // after the frames queued before it
            return;
        }
        if (spill.behind() && channel.isActive()) {
            writeRun();
            spill.add(reply, source);
            return;
        }
        spill.emit();
        ByteBuf previous = run.add(reply, source, sourceIndex);
        if (previous != null) {
            channel.write(previous, channel.voidPromise());
        }
    }

    /** A reply CLIENT REPLY OFF/SKIP suppresses: released, but its size still informs the estimate. */
    void drop(ByteBuf reply) {
        estimate.replied(reply.readableBytes());
        reply.release();
    }

    /** A frame that answers no request (pub/sub message): written after what is gathered, flushed soon. */
    void writeUnordered(ByteBuf frame) {
        if (closed) {
            frame.release();
            return;
        }
        writeRun();
        bytesOut += frame.readableBytes();
        if (!queued.isEmpty() || (spill.behind() && channel.isActive())) {
            spill.emit();
            enqueue(frame);
        } else {
            spill.emit();
            channel.write(frame, channel.voidPromise());
        }
        wrote = true;
        flushSoon();
        checkOutputLimit();
    }

    private void enqueue(ByteBuf frame) {
        SharedFrames.Frame f = shared.take(frame);
        queued.add(f);
        queuedBytes += f.length();
        shared.report();
    }

    /**
     * Hands queued frames to the channel while it is writable ({@code all}: whatever it holds),
     * copied 64 KB at a time (a frame that large as it is), each released from the shared frames.
     */
    private void drain(boolean all) {
        while (!closed && !queued.isEmpty() && (all || channel.isWritable())) {
            SharedFrames.Frame first = queued.peek();
            ByteBuf out;
            if (first.length() >= SpillChunks.CHUNK) {
                out = first.retainedSlice();
                dequeue();
            } else {
                out = SpillChunks.chunk();
                while (!queued.isEmpty() && queued.peek().length() <= out.writableBytes()) {
                    queued.peek().copyTo(out);
                    dequeue();
                }
            }
            channel.write(out, channel.voidPromise()); // may turn it unwritable, or close it
        }
        shared.report();
    }

    private void dequeue() {
        SharedFrames.Frame f = queued.poll();
        queuedBytes -= f.length();
        shared.release(f);
    }

    private void discardQueued() {
        while (!queued.isEmpty()) {
            dequeue();
        }
        shared.report();
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
        if ((wrote || !spill.isEmpty() || !queued.isEmpty()) && !closed) {
            wrote = false;
            writeRun();
            if (!spill.behind()) {
                spill.emit(); // caught up: what was gathered while behind goes out now
                drain(false);
            }
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
        writeRun();
        spill.emit();
        drain(true);
        closed = true;
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
        spill.discard();
        discardQueued();
    }

    void checkOutputLimit() {
        if (closed) {
            return;
        }
        long pending = unsentBytes();
        account();
        OutputLimit limit = settings.outputLimits().of(clientClass);
        if (limit.overHard(pending)) {
            disconnect();
        } else if (limit.overSoft(pending)) {
            long now = System.nanoTime();
            if (softLimitSince == 0) {
                softLimitSince = now;
                long delay = limit.softDuration().toMillis() + 1;
                channel.eventLoop().schedule(this::checkOutputLimit, delay, TimeUnit.MILLISECONDS);
            } else if (now - softLimitSince >= limit.softDuration().toNanos()) {
                disconnect();
            }
        } else {
            softLimitSince = 0;
        }
    }

    private void disconnect() {
        // Redis's own line (networking.c), so log searches and alerts written for Redis match.
        log.warn("Client {} scheduled to be closed ASAP for overcoming of output buffer limits.", describe.get());
        stats.outputLimitCloses.increment();
        closed = true;
        run.discard();
        spill.discard();
        discardQueued();
        channel.close();
    }
}
