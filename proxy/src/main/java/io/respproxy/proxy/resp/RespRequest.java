package io.respproxy.proxy.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.respproxy.routing.CommandArgs;

import java.nio.charset.StandardCharsets;

/**
 * One client command: a single buffer holding its whole multibulk wire frame (a retained slice of
 * the bytes it arrived in, so it can be forwarded as-is) plus the position of each argument in it.
 * Inline commands arrive here already rewritten to multibulk.
 *
 * <p>Reference counting is the frame's: whoever holds a request releases it once (or passes it on).
 * Argument accessors must not be used after the last release.
 */
public final class RespRequest extends RespFrame<RespRequest> implements CommandArgs {

    /** offset, length pairs relative to index 0 of the frame buffer (independent of its reader index); may be longer than 2 * argc. */
    private final int[] args;
    private final int argc;
    /** When the proxy read it (its client's read batch; see ClientSession), for latency. */
    private long arrivedNanos;

    /**
     * Wraps a complete frame; takes ownership of {@code frame}.
     *
     * @param args offset/length pairs of each argument; offsets are absolute indexes in {@code frame}, whose
     *             reader index must be 0 (a slice or a fresh buffer)
     */
    RespRequest(ByteBuf frame, int[] args, int argc) {
        this(frame, args, argc, null, 0);
    }

    /** A frame sliced from {@code source} at {@code sourceIndex}: frames adjacent there can be written as one. */
    RespRequest(ByteBuf frame, int[] args, int argc, ByteBuf source, int sourceIndex) {
        super(frame, source, sourceIndex);
        this.args = args;
        this.argc = argc;
    }



    /** When the proxy read this request ({@link System#nanoTime()}), 0 when not set. */
    public long arrivedNanos() {
        return arrivedNanos;
    }

    public void arrivedNanos(long nanos) {
        this.arrivedNanos = nanos;
    }

    /**
     * Builds a request frame from arguments (the proxy's own commands to backends, tests). The
     * returned request owns a newly allocated buffer.
     */
    public static RespRequest of(ByteBufAllocator alloc, byte[]... arguments) {
        int size = RespNumbers.digits(arguments.length) + 3;
        for (byte[] a : arguments) {
            size += RespNumbers.digits(a.length) + 5 + a.length;
        }
        ByteBuf buf = alloc.buffer(size);
        int[] offsets = new int[arguments.length * 2];
        buf.writeByte('*');
        RespNumbers.writeLong(buf, arguments.length);
        buf.writeShort(RespWriter.CRLF_SHORT);
        for (int i = 0; i < arguments.length; i++) {
            buf.writeByte('$');
            RespNumbers.writeLong(buf, arguments[i].length);
            buf.writeShort(RespWriter.CRLF_SHORT);
            offsets[2 * i] = buf.writerIndex();
            offsets[2 * i + 1] = arguments[i].length;
            buf.writeBytes(arguments[i]);
            buf.writeShort(RespWriter.CRLF_SHORT);
        }
        return new RespRequest(buf, offsets, arguments.length);
    }

    /** {@link #of(ByteBufAllocator, byte[]...)} with UTF-8 string arguments. */
    public static RespRequest of(ByteBufAllocator alloc, String... arguments) {
        byte[][] bytes = new byte[arguments.length][];
        for (int i = 0; i < arguments.length; i++) {
            bytes[i] = arguments[i].getBytes(StandardCharsets.UTF_8);
        }
        return of(alloc, bytes);
    }

    /**
     * A new request made of some of this request's arguments, in the given order (for splitting
     * multi-key commands per node). Copies those arguments into a new buffer; this request is
     * unchanged and still owned by the caller.
     */
    public RespRequest select(ByteBufAllocator alloc, int... argIndexes) {
        int size = RespNumbers.digits(argIndexes.length) + 3;
        for (int index : argIndexes) {
            int len = length(index);
            size += RespNumbers.digits(len) + 5 + len;
        }
        ByteBuf buf = alloc.buffer(size);
        int[] offsets = new int[argIndexes.length * 2];
        buf.writeByte('*');
        RespNumbers.writeLong(buf, argIndexes.length);
        buf.writeShort(RespWriter.CRLF_SHORT);
        for (int i = 0; i < argIndexes.length; i++) {
            int index = argIndexes[i];
            int len = length(index);
            buf.writeByte('$');
            RespNumbers.writeLong(buf, len);
            buf.writeShort(RespWriter.CRLF_SHORT);
            offsets[2 * i] = buf.writerIndex();
            offsets[2 * i + 1] = len;
            buf.writeBytes(frame, offset(index), len);
            buf.writeShort(RespWriter.CRLF_SHORT);
        }
        return new RespRequest(buf, offsets, argIndexes.length);
    }


    @Override
    public int size() {
        return argc;
    }

    @Override
    public int length(int index) {
        checkIndex(index);
        return args[2 * index + 1];
    }

    /** Index of argument {@code index}'s first byte in {@link #frame()} (which starts at index 0). */
    public int offset(int index) {
        checkIndex(index);
        return args[2 * index];
    }

    @Override
    public byte byteAt(int index, int pos) {
        checkIndex(index);
        int len = args[2 * index + 1];
        if (pos < 0 || pos >= len) {
            throw new IndexOutOfBoundsException("pos " + pos + " of argument " + index + " (length " + len + ")");
        }
        return frame.getByte(args[2 * index] + pos);
    }

    @Override
    public void copyArg(int index, byte[] dst) {
        frame.getBytes(offset(index), dst, 0, length(index));
    }

    /** Argument {@code index} as a slice of the frame (not retained; valid while the request is). */
    public ByteBuf arg(int index) {
        return frame.slice(offset(index), length(index));
    }

    /** Argument {@code index} copied into a new array. */
    public byte[] argBytes(int index) {
        byte[] bytes = new byte[length(index)];
        frame.getBytes(offset(index), bytes);
        return bytes;
    }

    private void checkIndex(int index) {
        if (index < 0 || index >= argc) {
            throw new IndexOutOfBoundsException("argument " + index + " of " + argc);
        }
    }








    @Override
    public String toString() {
        // Any argument may be a secret (AUTH, even a mistyped command name): show only sizes.
        return "RespRequest[" + argc + " args, " + frame.readableBytes() + " bytes]";
    }
}
