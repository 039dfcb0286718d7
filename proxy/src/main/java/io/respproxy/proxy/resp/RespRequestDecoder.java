package io.respproxy.proxy.resp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ByteProcessor;

import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;

/**
 * Frames client bytes into {@link RespRequest}s (client to proxy). Multibulk frames become one
 * retained slice of the cumulation plus argument offsets, with no copy; inline lines are rewritten
 * to multibulk. A broken frame produces one {@link RespProtocolError} message, after which all input
 * is discarded.
 *
 * <p>Parse state survives between calls, so a frame that arrives in many reads (a 100 MB value) is
 * scanned once. All positions are kept relative to the reader index, which stays at the frame start
 * until the frame is complete: they remain valid when the cumulator copies or discards read bytes.
 *
 * <p>Exactly one frame is emitted per {@code decode} call, so the next frame is parsed only after
 * the handler has processed the previous one: a handler that calls {@link #setLimits} while
 * handling AUTH changes the limits for the very next command, as in Redis.
 *
 * <p>Cumulation: the default MERGE_CUMULATOR is kept on purpose. Pipelined small commands usually
 * end exactly at a read boundary, so the read buffer becomes the cumulation and is sliced with no
 * copy; only a partial tail is copied (or, for a large value, the buffer grows by doubling: linear
 * overall). A COMPOSITE_CUMULATOR would avoid that copy but make every byte access and every
 * forwarded slice slower, which costs more on the benchmarked path. A slice keeps its whole read
 * buffer alive until released.
 *
 * <p>If this handler is removed from the pipeline, ByteToMessageDecoder passes on any buffered
 * bytes as a raw ByteBuf: the next handler must release it.
 *
 * <p>Not sharable; all methods run on the channel's event loop.
 */
public final class RespRequestDecoder extends ByteToMessageDecoder {

    private enum State { START, COUNT_LINE, BULK_LINE, BULK_DATA, INLINE, FAILED }

    private static final int INITIAL_ARGS = 16;

    private RespLimits limits;
    private State state = State.START;
    /** Next byte to parse, relative to the frame start (the reader index). */
    private int pos;
    /** How far a line-ending search has already looked, relative to the frame start. */
    private int scanned;
    private int argsExpected;
    private int argc;
    private int bulkLength;
    private int[] args;
    private long bytesRead;
    /** The session takes no request now: decode none (see {@link #pause}). */
    private boolean paused;
    private ChannelHandlerContext ctx;

    /** @param limits initial limits, typically {@link RespLimits#PRE_AUTH} when AUTH is required */
    public RespRequestDecoder(RespLimits limits) {
        this.limits = limits;
    }

    /**
     * Switches limits, e.g. from {@link RespLimits#PRE_AUTH} to {@link RespLimits#DEFAULT} once the
     * client authenticated. Applies to every header line read afterwards. Event loop only.
     */
    public void setLimits(RespLimits limits) {
        this.limits = limits;
    }

    /** The limits in force. */
    public RespLimits limits() {
        return limits;
    }

    /** Bytes received but not yet decoded into requests (while paused, or a partial command). */
    public int bufferedBytes() {
        return actualReadableBytes();
    }

    /**
     * Decodes no further request until {@link #resume}: what the client sends meanwhile stays
     * here as raw bytes (its compact form), not as decoded requests waiting in the session.
     */
    public void pause() {
        paused = true;
    }

    public boolean paused() {
        return paused;
    }

    /** Decodes again, at once, what arrived while paused (requests go down the pipeline as on a read). */
    public void resume() {
        paused = false;
        ByteBuf in = internalBuffer();
        if (ctx != null && !ctx.isRemoved() && in.isReadable()) {
            List<Object> out = new ArrayList<>();
            try {
                callDecode(ctx, in, out);
            } finally {
                // callDecode leaves the request that used up the input to its caller, as channelRead
                // fires it; a protocol error is passed on the same way, as a message.
                for (Object msg : out) {
                    ctx.fireChannelRead(msg);
                }
            }
        }
    }

    /**
     * While paused, the read decoded nothing on purpose: ByteToMessageDecoder would then ask for
     * another read (it assumes a partial frame when autoRead is off), and so on until the socket is
     * empty, reading the whole of a stalled client's input into the cumulation.
     */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        if (paused) {
            discardSomeReadBytes();
            ctx.fireChannelReadComplete();
            return;
        }
        super.channelReadComplete(ctx);
    }

    /** Bytes read from the client since the last call (for /metrics; counted once per socket read). */
    public long takeBytesRead() {
        long n = bytesRead;
        bytesRead = 0;
        return n;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        this.ctx = ctx;
        if (msg instanceof ByteBuf b) {
            bytesRead += b.readableBytes();
        }
        super.channelRead(ctx, msg);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (state == State.FAILED) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (paused && state == State.START) {
            return;
        }
        final int base = in.readerIndex();
        final int end = in.writerIndex() - base;
        while (true) {
            switch (state) {
                case START -> {
                    byte first = in.getByte(base);
                    if (first == '*') {
                        state = State.COUNT_LINE;
                    } else {
                        state = State.INLINE;
                    }
                    pos = 0;
                    scanned = 0;
                }
                case COUNT_LINE -> {
                    int cr = findCr(in, base, end);
                    if (cr < 0) {
                        if (end - pos > limits.maxInlineLength()) {
                            fail(in, out, "Protocol error: too big mbulk count string");
                        }
                        return;
                    }
                    if (cr + 1 >= end) {
                        return; // the LF has not arrived yet
                    }
                    long count = RespNumbers.parseLong(in, base + pos + 1, base + cr);
                    if (count == RespNumbers.INVALID || count > Integer.MAX_VALUE
                            || count > limits.maxArrayLength() || in.getByte(base + cr + 1) != '\n') {
                        fail(in, out, "Protocol error: invalid multibulk length");
                        return;
                    }
                    pos = cr + 2;
                    if (count <= 0) {
                        // Redis ignores "*0" and "*-1": no command
                        in.skipBytes(pos);
                        state = State.START;
                        return;
                    }
                    argsExpected = (int) count;
                    argc = 0;
                    // sized by what is received, not by what the client announced
                    args = new int[2 * Math.min(argsExpected, INITIAL_ARGS)];
                    state = State.BULK_LINE;
                }
                case BULK_LINE -> {
                    if (pos >= end) {
                        return;
                    }
                    byte type = in.getByte(base + pos);
                    if (type != '$') {
                        fail(in, out, "Protocol error: expected '$', got '" + (char) (type & 0xff) + "'");
                        return;
                    }
                    int cr = findCr(in, base, end);
                    if (cr < 0) {
                        if (end - pos > limits.maxInlineLength()) {
                            fail(in, out, "Protocol error: too big bulk count string");
                        }
                        return;
                    }
                    if (cr + 1 >= end) {
                        return;
                    }
                    long len = RespNumbers.parseLong(in, base + pos + 1, base + cr);
                    if (len < 0 || len > limits.maxBulkLength() || in.getByte(base + cr + 1) != '\n') {
                        fail(in, out, "Protocol error: invalid bulk length");
                        return;
                    }
                    bulkLength = (int) len;
                    pos = cr + 2;
                    state = State.BULK_DATA;
                }
                case BULK_DATA -> {
                    // long: pos + length + CRLF may pass Integer.MAX_VALUE for a hostile length
                    if ((long) pos + bulkLength + 2 > end) {
                        return;
                    }
                    int crlf = base + pos + bulkLength;
                    if (in.getByte(crlf) != '\r' || in.getByte(crlf + 1) != '\n') {
                        fail(in, out, "Protocol error: invalid bulk format");
                        return;
                    }
                    if (2 * argc + 2 > args.length) {
                        args = Arrays.copyOf(args, Math.min(2 * argsExpected, args.length * 2));
                    }
                    args[2 * argc] = pos;
                    args[2 * argc + 1] = bulkLength;
                    argc++;
                    pos += bulkLength + 2;
                    if (argc < argsExpected) {
                        state = State.BULK_LINE;
                        continue;
                    }
                    out.add(new RespRequest(in.retainedSlice(base, pos), args, argc, in, base));
                    in.skipBytes(pos);
                    resetFrame();
                    return;
                }
                case INLINE -> {
                    decodeInline(ctx, in, base, end, out);
                    return;
                }
                default -> throw new IllegalStateException(state.name());
            }
        }
    }

    private void decodeInline(ChannelHandlerContext ctx, ByteBuf in, int base, int end, List<Object> out) {
        int lf = findLf(in, base, end);
        if (lf < 0) {
            // a line of exactly the limit may be waiting for the LF after its CR
            int max = limits.maxInlineLength();
            if (end > max + 1 || (end == max + 1 && in.getByte(base + max) != '\r')) {
                fail(in, out, "Protocol error: too big inline request");
            }
            return;
        }
        int lineEnd = lf > 0 && in.getByte(base + lf - 1) == '\r' ? lf - 1 : lf;
        if (lineEnd > limits.maxInlineLength()) {
            fail(in, out, "Protocol error: too big inline request");
            return;
        }
        RespRequest request = InlineParser.parse(in, base, base + lineEnd, ctx.alloc());
        if (request == InlineParser.UNBALANCED) {
            fail(in, out, "Protocol error: unbalanced quotes in request");
            return;
        }
        in.skipBytes(lf + 1);
        resetFrame();
        if (request != null) {
            if (request.size() > limits.maxArrayLength()) {
                request.release();
                fail(in, out, "Protocol error: invalid multibulk length");
                return;
            }
            out.add(request);
        }
        // an empty line is skipped, like Redis; ByteToMessageDecoder calls again for the rest
    }

    /** Finds the CR that ends the line starting at {@code pos}, resuming where the last search stopped. */
    private int findCr(ByteBuf in, int base, int end) {
        int from = Math.max(scanned, pos);
        int i = from < end ? in.forEachByte(base + from, end - from, ByteProcessor.FIND_CR) : -1;
        if (i < 0) {
            scanned = end;
            return -1;
        }
        scanned = i - base;
        return i - base;
    }

    private int findLf(ByteBuf in, int base, int end) {
        int from = Math.max(scanned, pos);
        int i = from < end ? in.forEachByte(base + from, end - from, ByteProcessor.FIND_LF) : -1;
        if (i < 0) {
            scanned = end;
            return -1;
        }
        return i - base;
    }

    private void resetFrame() {
        state = State.START;
        pos = 0;
        scanned = 0;
        args = null;
        argc = 0;
        argsExpected = 0;
        bulkLength = 0;
    }

    private void fail(ByteBuf in, List<Object> out, String message) {
        resetFrame();
        state = State.FAILED;
        in.skipBytes(in.readableBytes());
        out.add(new RespProtocolError(message));
    }
}
