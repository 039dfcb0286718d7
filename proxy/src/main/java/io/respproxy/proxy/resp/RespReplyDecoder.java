package io.respproxy.proxy.resp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ByteProcessor;

import java.util.Arrays;
import java.util.List;

/**
 * Finds reply boundaries in backend bytes (backend to proxy) and emits each reply as a
 * {@link RespReply}: a retained slice of the whole frame, never parsed into values. Knows every
 * RESP2 and RESP3 type, including attributes ({@code |}, kept with the reply they precede), pushes
 * ({@code >}) and streamed strings and aggregates ({@code $?} with {@code ;} chunks, {@code *?}
 * etc. ended by {@code .}).
 *
 * <p>Nesting is tracked with an explicit stack of remaining element counts, bounded by
 * {@link RespLimits#maxNestingDepth()}; parse state survives between calls, so a huge array reply
 * arriving in many reads is scanned once. A malformed reply produces one {@link RespProtocolError}
 * message, after which input is discarded: the connection is unusable and must be closed.
 *
 * <p>A well-formed reply nested deeper than the limit (a Lua script's nested tables) is not a
 * broken connection: its subtree is scanned with one counter of values still expected, no stack,
 * and the reply is replaced by {@link #TOO_DEEP}, so only the command that asked for it fails.
 * (A too-deep push, attribute or streamed aggregate, which the counter cannot follow, still fails
 * the connection.)
 *
 * <p>Not sharable; event loop only.
 */
public final class RespReplyDecoder extends ByteToMessageDecoder {

    private enum State { LINE, BULK_DATA, CHUNK_LINE, FAILED }

    /** Remaining count of a streamed aggregate: unknown until its '.' terminator. */
    private static final long STREAMED = -1;

    /** What replaces a reply nested deeper than the limit. */
    public static final String TOO_DEEP = "-ERR reply nesting too deep for respproxy (limits.max-nesting-depth)\r\n";

    private final RespLimits limits;
    private State state = State.LINE;
    /** Next byte to parse, relative to the frame start (the reader index). */
    private int pos;
    /** How far the line-ending search has already looked, relative to the frame start. */
    private int scanned;
    /** Where the value after any top-level attributes starts, -1 until known. */
    private int valueOffset = -1;
    private int bulkLength;
    private boolean inStreamedString;
    private int depth;
    private long[] remaining = new long[4];
    private boolean[] attribute = new boolean[4];
    /** Values still expected in the subtree below the depth limit; 0 when not in one. */
    private long deepPending;
    /** The reply being scanned went deeper than the limit: it is replaced by {@link #TOO_DEEP}. */
    private boolean tooDeep;
    /** Type of the reply's value (after attributes), once known. */
    private byte valueType;

    /** @param limits bounds on lengths, counts and nesting, e.g. {@link RespLimits#BACKEND} */
    public RespReplyDecoder(RespLimits limits) {
        this.limits = limits;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (state == State.FAILED) {
            in.skipBytes(in.readableBytes());
            return;
        }
        final int base = in.readerIndex();
        final int end = in.writerIndex() - base;
        while (true) {
            switch (state) {
                case LINE -> {
                    int cr = findLine(in, base, end, out);
                    if (cr < 0) {
                        return;
                    }
                    int lineStart = pos;
                    byte type = in.getByte(base + lineStart);
                    pos = cr + 2;
                    if (depth == 0 && type != '|' && valueOffset < 0) {
                        valueOffset = lineStart;
                        valueType = type;
                    }
                    boolean done = switch (type) {
                        case '+', '-', ':', '_', ',', '#', '(' -> oneValue();
                        case '$', '!', '=' -> bulkHeader(in, base, type, lineStart, cr, out);
                        case '*', '%', '~', '>', '|' -> aggregateHeader(in, base, type, lineStart, cr, out);
                        case '.' -> streamEnd(in, lineStart, cr, out);
                        default -> fail(in, out, "Protocol error: unexpected reply type '" + (char) (type & 0xff) + "'");
                    };
                    if (done) {
                        emitOrStop(in, base, out);
                        return;
                    }
                }
                case BULK_DATA -> {
                    if ((long) pos + bulkLength + 2 > end) {
                        return;
                    }
                    int crlf = base + pos + bulkLength;
                    if (in.getByte(crlf) != '\r' || in.getByte(crlf + 1) != '\n') {
                        fail(in, out, "Protocol error: invalid bulk format");
                        return;
                    }
                    pos += bulkLength + 2;
                    if (inStreamedString) {
                        state = State.CHUNK_LINE;
                    } else {
                        state = State.LINE;
                        if (oneValue()) {
                            emitOrStop(in, base, out);
                            return;
                        }
                    }
                }
                case CHUNK_LINE -> {
                    int cr = findLine(in, base, end, out);
                    if (cr < 0) {
                        return;
                    }
                    int lineStart = pos;
                    pos = cr + 2;
                    long len = in.getByte(base + lineStart) == ';'
                            ? RespNumbers.parseLong(in, base + lineStart + 1, base + cr) : RespNumbers.INVALID;
                    if (len < 0 || len > limits.maxBulkLength()) {
                        fail(in, out, "Protocol error: invalid streamed string chunk");
                        return;
                    }
                    if (len == 0) {
                        inStreamedString = false;
                        state = State.LINE;
                        if (oneValue()) {
                            emitOrStop(in, base, out);
                            return;
                        }
                    } else {
                        bulkLength = (int) len;
                        state = State.BULK_DATA;
                    }
                }
                default -> {
                    return; // FAILED during this call: input already discarded
                }
            }
        }
    }

    /** Returns the CR index of the complete line at {@code pos}, or -1 (waiting, or failed). */
    private int findLine(ByteBuf in, int base, int end, List<Object> out) {
        int from = Math.max(scanned, pos);
        int i = from < end ? in.forEachByte(base + from, end - from, ByteProcessor.FIND_CR) : -1;
        if (i < 0) {
            scanned = end;
            if (end - pos > limits.maxInlineLength()) {
                fail(in, out, "Protocol error: too big reply line");
            }
            return -1;
        }
        int cr = i - base;
        scanned = cr;
        if (cr + 1 >= end) {
            return -1;
        }
        if (in.getByte(i + 1) != '\n' || cr == pos) {
            fail(in, out, "Protocol error: invalid reply line");
            return -1;
        }
        return cr;
    }

    private boolean bulkHeader(ByteBuf in, int base, byte type, int lineStart, int cr, List<Object> out) {
        if (type == '$' && cr == lineStart + 2 && in.getByte(base + lineStart + 1) == '?') {
            inStreamedString = true;
            state = State.CHUNK_LINE;
            return false;
        }
        long len = RespNumbers.parseLong(in, base + lineStart + 1, base + cr);
        if (len == -1 && type == '$') {
            return oneValue(); // RESP2 null bulk string
        }
        if (len < 0 || len > limits.maxBulkLength()) {
            return fail(in, out, "Protocol error: invalid bulk length");
        }
        bulkLength = (int) len;
        state = State.BULK_DATA;
        return false;
    }

    private boolean aggregateHeader(ByteBuf in, int base, byte type, int lineStart, int cr, List<Object> out) {
        long count;
        if (cr == lineStart + 2 && in.getByte(base + lineStart + 1) == '?' && type != '|') {
            count = STREAMED;
        } else {
            count = RespNumbers.parseLong(in, base + lineStart + 1, base + cr);
            if (count == -1 && type == '*') {
                return oneValue(); // RESP2 null array
            }
            if (count < 0 || count > limits.maxArrayLength()) {
                return fail(in, out, "Protocol error: invalid multibulk length");
            }
            if (count == 0) {
                // an empty attribute is no value: the parent still waits for one
                return type != '|' && oneValue();
            }
            if (type == '%' || type == '|') {
                count *= 2;
            }
        }
        if (deepPending > 0 || depth >= limits.maxNestingDepth()) {
            if (count == STREAMED || type == '|' || valueOffset < 0 || valueType == '>') {
                return fail(in, out, "Protocol error: reply nesting too deep");
            }
            // The aggregate fills one expected value and adds its elements (a top one opens the subtree).
            deepPending += deepPending == 0 ? count : count - 1;
            return false;
        }
        if (depth == remaining.length) {
            remaining = Arrays.copyOf(remaining, depth * 2);
            attribute = Arrays.copyOf(attribute, depth * 2);
        }
        remaining[depth] = count;
        attribute[depth] = type == '|';
        depth++;
        return false;
    }

    private boolean streamEnd(ByteBuf in, int lineStart, int cr, List<Object> out) {
        if (deepPending > 0 || depth == 0 || remaining[depth - 1] != STREAMED || cr != lineStart + 1) {
            return fail(in, out, "Protocol error: unexpected streamed aggregate end");
        }
        depth--;
        return valueDone();
    }

    /** Accounts for one complete scalar (or empty or null aggregate), below the depth limit or not. */
    private boolean oneValue() {
        if (deepPending == 0) {
            return valueDone();
        }
        if (--deepPending > 0) {
            return false;
        }
        // The subtree below the limit is complete: it is one value of the aggregate at the limit.
        tooDeep = true;
        return valueDone();
    }

    /**
     * Accounts for one complete value at the current depth, closing every aggregate it completes.
     *
     * @return whether the whole reply is complete
     */
    private boolean valueDone() {
        while (depth > 0) {
            int top = depth - 1;
            if (remaining[top] == STREAMED) {
                return false;
            }
            if (--remaining[top] > 0) {
                return false;
            }
            depth--;
            if (attribute[top]) {
                // a completed attribute is metadata for the value that follows, not a value itself
                return false;
            }
        }
        // at depth 0: complete unless only attributes were read so far
        return valueOffset >= 0;
    }

    private void emitOrStop(ByteBuf in, int base, List<Object> out) {
        if (state == State.FAILED) {
            return;
        }
        if (tooDeep) {
            tooDeep = false;
            ByteBuf error = in.alloc().buffer(TOO_DEEP.length());
            error.writeCharSequence(TOO_DEEP, java.nio.charset.StandardCharsets.US_ASCII);
            out.add(new RespReply(error, 0));
        } else {
            out.add(new RespReply(in.retainedSlice(base, pos), valueOffset, in, base));
        }
        in.skipBytes(pos);
        pos = 0;
        scanned = 0;
        valueOffset = -1;
        state = State.LINE;
    }

    private boolean fail(ByteBuf in, List<Object> out, String message) {
        state = State.FAILED;
        depth = 0;
        deepPending = 0;
        in.skipBytes(in.readableBytes());
        out.add(new RespProtocolError(message));
        return true;
    }
}
