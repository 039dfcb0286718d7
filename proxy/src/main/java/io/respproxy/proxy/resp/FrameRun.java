package io.respproxy.proxy.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The frames written to one connection between two flushes, gathered into as few buffers as
 * possible: one outbound entry, one iovec and one reference per buffer instead of one per frame.
 * Frames that lie back to back in one receive buffer (a client's pipelined commands, a backend's
 * replies to one client) go out as one slice of that buffer, not copied. Small frames that do not
 * (a cluster pipeline split over several nodes, replies interleaved from several nodes, frames the
 * proxy built) are copied into one batch buffer: copying a hundred bytes costs less than a slice
 * object, its reference counting and an outbound entry. A large frame is never copied: it ends the
 * batch and goes out as it is, so write order is kept.
 *
 * <p>A run holds its first frame's retained slice, which keeps the receive buffer's memory alive;
 * adjacent frames are released as they join (their bytes are covered by the run). The receive
 * buffer is never written to while slices of it are retained: {@code ByteToMessageDecoder} copies
 * into a new cumulation when the old one is shared. Not thread-safe: one event loop owns it.
 */
public final class FrameRun {

    /** Frames up to this size are copied when they cannot join a run. */
    static final int COPY_MAX = 1024;
    /** A batch buffer goes out once it would grow past this. */
    static final int BATCH_MAX = 64 * 1024;
    /** Room a new batch buffer starts with: a 16-command pipeline of small commands. */
    private static final int BATCH_INITIAL = 2048;

    private final ByteBufAllocator alloc;
    /** The zero-copy run, or null: its first frame, the buffer it lies in and where. */
    private ByteBuf first;
    private ByteBuf source;
    private int start;
    private int end;
    /** Copied frames, or null; never together with a run. */
    private ByteBuf batch;

    public FrameRun(ByteBufAllocator alloc) {
        this.alloc = alloc;
    }

    /**
     * Adds {@code frame} (ownership passes here). Returns what was gathered before it when it
     * cannot join that, for the caller to write before anything else; null otherwise.
     *
     * @param source      the buffer {@code frame} was sliced from, or null when it was built
     * @param sourceIndex where {@code frame} starts in {@code source}
     */
    public ByteBuf add(ByteBuf frame, ByteBuf source, int sourceIndex) {
        if (joinsRun(source, sourceIndex)) {
            end += frame.readableBytes();
            frame.release();
            return null;
        }
        if (frame.readableBytes() > COPY_MAX) {
            return startRun(frame, source, sourceIndex);
        }
        if (batch == null && first == null) {
            // Alone so far: followers adjacent in its buffer may join it without a copy.
            return startRun(frame, source, sourceIndex);
        }
        ByteBuf previous = copy(frame);
        frame.release();
        return previous;
    }

    /**
     * As {@link #add}, for a frame the caller keeps (a request kept for a re-send): its bytes are
     * copied or covered by the run, and only a large one that starts a run is duplicated.
     */
    public ByteBuf addBorrowed(ByteBuf frame, ByteBuf source, int sourceIndex) {
        if (joinsRun(source, sourceIndex)) {
            end += frame.readableBytes();
            return null;
        }
        if (frame.readableBytes() > COPY_MAX) {
            return startRun(frame.retainedDuplicate(), source, sourceIndex);
        }
        return copy(frame);
    }

    private boolean joinsRun(ByteBuf source, int sourceIndex) {
        return first != null && source != null && source == this.source && sourceIndex == end;
    }

    private ByteBuf startRun(ByteBuf frame, ByteBuf source, int sourceIndex) {
        ByteBuf previous = take();
        first = frame;
        this.source = source;
        start = sourceIndex;
        end = sourceIndex + frame.readableBytes();
        return previous;
    }

    /** Appends a small frame's bytes to the batch; returns what had to go out first, or null. */
    private ByteBuf copy(ByteBuf frame) {
        int size = frame.readableBytes();
        ByteBuf previous = null;
        if (first != null) {
            if (end - start <= COPY_MAX) {
                // A short run: its bytes start the batch (its buffer is alive while first is held).
                batch = alloc.directBuffer(Math.max(BATCH_INITIAL, end - start + size), BATCH_MAX);
                ByteBuf f = first;
                if (f.readableBytes() == end - start) {
                    batch.writeBytes(f, f.readerIndex(), end - start); // one frame (maybe built: no source)
                } else {
                    batch.writeBytes(source, start, end - start);
                }
                f.release();
                first = null;
                source = null;
            } else {
                previous = take();
            }
        } else if (batch != null && batch.writerIndex() + size > BATCH_MAX) {
            previous = batch;
            batch = null;
        }
        if (batch == null) {
            batch = alloc.directBuffer(Math.max(BATCH_INITIAL, size), BATCH_MAX);
        }
        batch.writeBytes(frame, frame.readerIndex(), size);
        return previous;
    }

    /** What is gathered, as one buffer (ownership passes to the caller), or null when empty. */
    public ByteBuf take() {
        ByteBuf b = batch;
        if (b != null) {
            batch = null;
            return b;
        }
        ByteBuf f = first;
        if (f == null) {
            return null;
        }
        first = null;
        ByteBuf src = source;
        source = null;
        if (end - start == f.readableBytes()) {
            return f;
        }
        // The receive buffer is alive (f holds it); a slice of it keeps it alive once f is released.
        ByteBuf run = src.retainedSlice(start, end - start);
        f.release();
        return run;
    }

    /** Bytes gathered so far. */
    public int pendingBytes() {
        return batch != null ? batch.readableBytes() : first == null ? 0 : end - start;
    }

    public boolean isEmpty() {
        return first == null && batch == null;
    }

    /** Releases what is gathered (the connection or client is gone). */
    public void discard() {
        if (first != null) {
            first.release();
            first = null;
            source = null;
        }
        if (batch != null) {
            batch.release();
            batch = null;
        }
    }
}
