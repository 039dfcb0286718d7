package io.respproxy.proxy.resp;

import io.netty.buffer.ByteBuf;

/**
 * Frames that lie back to back in one receive buffer (a client's pipelined commands, a backend's
 * replies to one client) written as one slice of that buffer instead of one write each: one
 * outbound entry, one iovec and one reference instead of N. Frames from elsewhere (built by the
 * proxy, or not adjacent) end the run and start a new one, so write order is kept.
 *
 * <p>A run holds its first frame's retained slice, which keeps the receive buffer's memory alive;
 * adjacent frames are released as they join (their bytes are covered by the run). The receive
 * buffer is never written to while slices of it are retained: {@code ByteToMessageDecoder} copies
 * into a new cumulation when the old one is shared. Not thread-safe: one event loop owns a run.
 */
public final class FrameRun {

    private ByteBuf first;
    private ByteBuf source;
    private int start;
    private int end;

    /**
     * Adds {@code frame} (ownership passes here). Returns the previous run when {@code frame} cannot
     * join it, for the caller to write before anything else; null when it joined or there was none.
     *
     * @param source      the buffer {@code frame} was sliced from, or null when it was built
     * @param sourceIndex where {@code frame} starts in {@code source}
     */
    public ByteBuf add(ByteBuf frame, ByteBuf source, int sourceIndex) {
        if (first != null && source != null && source == this.source && sourceIndex == end) {
            end += frame.readableBytes();
            frame.release();
            return null;
        }
        ByteBuf previous = take();
        first = frame;
        this.source = source;
        start = sourceIndex;
        end = sourceIndex + frame.readableBytes();
        return previous;
    }

    /** The run so far as one buffer (ownership passes to the caller), or null when empty. */
    public ByteBuf take() {
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

    /** Bytes the run holds so far. */
    public int pendingBytes() {
        return first == null ? 0 : end - start;
    }

    public boolean isEmpty() {
        return first == null;
    }

    /** Releases what is pending (the connection or client is gone). */
    public void discard() {
        if (first != null) {
            first.release();
            first = null;
            source = null;
        }
    }
}
