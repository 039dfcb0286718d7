package io.respproxy.proxy.service;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.collection.IntObjectHashMap;
import java.nio.ByteBuffer;
import java.util.function.LongConsumer;

/**
 * The pub/sub messages and invalidation pushes that clients of one event loop are behind on, each
 * held once however many of those clients it waits for. Every subscriber of a channel has its own
 * connection to Redis and gets its own copy of a message; copied into each subscriber's buffer, 100
 * subscribers that stop reading hold 100 copies of the same bytes (3.2 GB at Redis's 32 MB pub/sub
 * limit, where Redis itself would hold as much). Looked up by content instead, a message is kept
 * once and a subscriber that is behind holds a reference to it in its queue (4 bytes); each
 * subscriber's output limit still counts the message's full size, as Redis counts it, while the
 * budget ({@link ClientMemory}) counts the bytes held here once.
 *
 * <p>Frames of less than {@link #OWN_BUFFER} are packed into 64 KB chunks, larger ones get a buffer
 * of their own; a chunk is freed when the last frame in it is. Buffers are not pooled, for the
 * reasons {@code SpillChunks} gives. Used on the loop's thread only.
 */
public final class SharedFrames {

    static final int CHUNK = 64 * 1024;
    /** Frames of this size or more get a buffer of their own rather than a place in a chunk. */
    static final int OWN_BUFFER = 8 * 1024;
    private static final ByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;

    /** One frame held here, and how many clients' queues refer to it. */
    public static final class Frame {
        private final ByteBuf buf;
        private final int offset;
        private final int length;
        private final int hash;
        private final boolean ownBuffer;
        private int refs = 1;
        /** The next frame whose content has the same hash. */
        private Frame next;

        private Frame(ByteBuf buf, int offset, int length, int hash, boolean ownBuffer) {
            this.buf = buf;
            this.offset = offset;
            this.length = length;
            this.hash = hash;
            this.ownBuffer = ownBuffer;
        }

        public int length() {
            return length;
        }

        /** Appends the frame's bytes to {@code out}. */
        public void copyTo(ByteBuf out) {
            out.writeBytes(buf, offset, length);
        }

        /** The frame's bytes as a buffer of their own reference (the caller releases it). */
        public ByteBuf retainedSlice() {
            return buf.retainedSlice(offset, length);
        }
    }

    private final IntObjectHashMap<Frame> byHash = new IntObjectHashMap<>();
    /** The chunk small frames are copied into now (this store holds one reference to it). */
    private ByteBuf chunk;
    /** Direct memory held: live chunks and frames' own buffers. */
    private long bytes;
    /** Change in {@link #bytes} not yet reported to the loop's total. */
    private long unreported;
    /** The loop's total in the budget. */
    private final LongConsumer sink;

    SharedFrames(LongConsumer sink) {
        this.sink = sink;
    }

    /**
     * A reference to a frame with {@code frame}'s content: the one held already, or a copy made
     * now. Takes ownership of {@code frame}.
     */
    public Frame take(ByteBuf frame) {
        int length = frame.readableBytes();
        ByteBuffer bytes = view(frame, frame.readerIndex(), length);
        int hash = hash(bytes);
        Frame head = byHash.get(hash);
        for (Frame f = head; f != null; f = f.next) {
            if (f.length == length && view(f.buf, f.offset, length).equals(bytes)) {
                f.refs++;
                frame.release();
                return f;
            }
        }
        Frame f = copy(frame, length, hash);
        frame.release();
        f.next = head;
        byHash.put(hash, f);
        return f;
    }

    /**
     * The bytes as one NIO buffer: compared and hashed through it, a frame is one access to its
     * ByteBuf rather than one per eight bytes (each recorded, under Netty's paranoid leak detection).
     */
    private static ByteBuffer view(ByteBuf buf, int index, int length) {
        return buf.nioBufferCount() == 1 ? buf.internalNioBuffer(index, length) : buf.nioBuffer(index, length);
    }

    /** A hash of the buffer's remaining bytes, eight at a time. */
    static int hash(ByteBuffer b) {
        int i = b.position();
        int end = b.limit();
        long h = end - i;
        for (; i + 8 <= end; i += 8) {
            h = (h ^ b.getLong(i)) * 0x9E3779B97F4A7C15L;
        }
        for (; i < end; i++) {
            h = (h ^ b.get(i)) * 0x9E3779B97F4A7C15L;
        }
        return (int) (h ^ (h >>> 32));
    }

    private Frame copy(ByteBuf frame, int length, int hash) {
        if (length >= OWN_BUFFER) {
            ByteBuf own = ALLOC.directBuffer(length, length).writeBytes(frame, frame.readerIndex(), length);
            grew(length);
            return new Frame(own, 0, length, hash, true);
        }
        if (chunk != null && chunk.writableBytes() < length) {
            retireChunk();
        }
        if (chunk == null) {
            chunk = ALLOC.directBuffer(CHUNK, CHUNK);
            grew(CHUNK);
        }
        int offset = chunk.writerIndex();
        chunk.writeBytes(frame, frame.readerIndex(), length);
        chunk.retain();
        return new Frame(chunk, offset, length, hash, false);
    }

    /** One queue no longer refers to {@code f}: freed with the last reference. */
    public void release(Frame f) {
        if (--f.refs > 0) {
            return;
        }
        unlink(f);
        free(f.buf, f.ownBuffer ? f.length : CHUNK);
        if (byHash.isEmpty() && chunk != null) {
            retireChunk(); // nothing waits: hold nothing
        }
    }

    private void unlink(Frame f) {
        Frame head = byHash.get(f.hash);
        if (head == f) {
            if (f.next == null) {
                byHash.remove(f.hash);
            } else {
                byHash.put(f.hash, f.next);
            }
            return;
        }
        for (Frame p = head; p != null; p = p.next) {
            if (p.next == f) {
                p.next = f.next;
                return;
            }
        }
    }

    private void retireChunk() {
        ByteBuf c = chunk;
        chunk = null;
        free(c, CHUNK);
    }

    private void free(ByteBuf buf, int size) {
        if (buf.release()) {
            grew(-size);
        }
    }

    private void grew(long delta) {
        bytes += delta;
        unreported += delta;
    }

    /** Direct memory held here now. */
    public long bytes() {
        return bytes;
    }

    /** Distinct frames held (for tests and the log). */
    public int frames() {
        int n = 0;
        for (Frame head : byHash.values()) {
            for (Frame f = head; f != null; f = f.next) {
                n++;
            }
        }
        return n;
    }

    /**
     * Brings the loop's total in the budget up to date (which may close clients, and so release
     * frames): called by a client once its queue is consistent, never from inside this store.
     */
    public void report() {
        if (unreported != 0) {
            long d = unreported;
            unreported = 0;
            sink.accept(d);
        }
    }

    /** The budget recounted: {@link #bytes} is in its total as it is now. */
    void counted() {
        unreported = 0;
    }
}
