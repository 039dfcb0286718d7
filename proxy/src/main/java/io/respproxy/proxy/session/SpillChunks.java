package io.respproxy.proxy.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;

/**
 * Where a client that is behind (its channel unwritable: its replies piled up past
 * {@code max-pending-output}) gets its frames: copied into 64 KB chunks of its own instead of
 * queued as slices. A slice would keep the whole receive buffer it came from alive (other
 * clients' replies on a shared connection, 64 KB for one pub/sub message) for as long as the
 * client does not read, unseen by the output limits and the budget, which count the frames'
 * bytes; and a queue of 1 KB messages costs two heap objects each, so a few stalled subscribers
 * would fill the heap long before their limits. A chunk is handed to the channel when full, or
 * once the client is writable again; a frame of a chunk's size or more is written as it is, or as
 * its own copy when it is a small part of its receive buffer.
 *
 * <p>Chunks are not pooled: a stalled client's memory goes back to the JVM when it is closed. From
 * the event loops' pools, the chunks of clients that come and go would leave those pools'
 * 4 MB blocks partly used, each loop's free space unusable by the others, and the direct memory
 * reserved far above what clients hold, until an allocation blocks in the JDK's reservation
 * (System.gc and back-off sleeps on the event loop) or fails.
 */
final class SpillChunks {

    static final int CHUNK = 64 * 1024;
    private static final ByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;

    private final Channel channel;
    private ByteBuf chunk;

    SpillChunks(Channel channel) {
        this.channel = channel;
    }

    /** Whether frames of this client go through here now. */
    boolean behind() {
        return !channel.isWritable();
    }

    /**
     * Takes {@code frame} (ownership passes here; the caller checked {@link #behind}), sliced from
     * {@code source} or built (null), in order after everything taken before.
     */
    void add(ByteBuf frame, ByteBuf source) {
        int size = frame.readableBytes();
        if (size >= CHUNK) {
            emit();
            ByteBuf out = frame;
            if (source != null && size < source.capacity() / 2) {
                out = ALLOC.directBuffer(size, size).writeBytes(frame, frame.readerIndex(), size);
                frame.release();
            }
            channel.write(out, channel.voidPromise());
            return;
        }
        if (chunk != null && chunk.writableBytes() < size) {
            emit();
        }
        if (chunk == null) {
            chunk = chunk();
        }
        chunk.writeBytes(frame, frame.readerIndex(), size);
        frame.release();
    }

    /** An empty chunk of the client's own. */
    static ByteBuf chunk() {
        return ALLOC.directBuffer(CHUNK, CHUNK);
    }

    /** Hands the partial chunk to the channel (the client is writable again, or before a frame that is not behind). */
    void emit() {
        ByteBuf c = chunk;
        if (c != null) {
            chunk = null;
            channel.write(c, channel.voidPromise());
        }
    }

    boolean isEmpty() {
        return chunk == null;
    }

    /** Bytes of frames held here, not yet handed to the channel. */
    int heldBytes() {
        return chunk == null ? 0 : chunk.readableBytes();
    }

    void discard() {
        if (chunk != null) {
            chunk.release();
            chunk = null;
        }
    }
}
