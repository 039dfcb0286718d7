package io.respproxy.proxy.resp;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;

/**
 * One whole RESP frame held as a retained slice of the buffer it arrived in, with where it lies
 * in that buffer (for {@link FrameRun}). Reference counting is the frame's: releasing this
 * releases the slice.
 *
 * @param <T> the concrete frame type, returned by {@link #retain()} and {@link #touch()}
 */
public abstract class RespFrame<T extends RespFrame<T>> implements ReferenceCounted {

    protected final ByteBuf frame;
    private final ByteBuf source;
    private final int sourceIndex;

    /**
     * Takes ownership of {@code frame}.
     *
     * @param source      the receive buffer {@code frame} was sliced from (not retained), or null
     * @param sourceIndex where {@code frame} starts in {@code source}
     */
    protected RespFrame(ByteBuf frame, ByteBuf source, int sourceIndex) {
        this.frame = frame;
        this.source = source;
        this.sourceIndex = sourceIndex;
    }

    /**
     * The whole frame, not retained for the caller: {@code frame().retainedDuplicate()} to keep
     * it, or {@code frame().retain()} then {@link #release()} to hand it over.
     */
    public ByteBuf frame() {
        return frame;
    }

    /** The receive buffer this frame lies in (not retained: valid while the frame is), or null. */
    public ByteBuf source() {
        return source;
    }

    /** Where the frame starts in {@link #source()}. */
    public int sourceIndex() {
        return sourceIndex;
    }

    @SuppressWarnings("unchecked")
    private T self() {
        return (T) this;
    }

    @Override
    public int refCnt() {
        return frame.refCnt();
    }

    @Override
    public T retain() {
        frame.retain();
        return self();
    }

    @Override
    public T retain(int increment) {
        frame.retain(increment);
        return self();
    }

    @Override
    public T touch() {
        frame.touch();
        return self();
    }

    @Override
    public T touch(Object hint) {
        frame.touch(hint);
        return self();
    }

    @Override
    public boolean release() {
        return frame.release();
    }

    @Override
    public boolean release(int decrement) {
        return frame.release(decrement);
    }
}
