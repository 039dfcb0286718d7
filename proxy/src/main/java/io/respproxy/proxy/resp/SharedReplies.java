package io.respproxy.proxy.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;

/**
 * Pre-encoded constant replies, shared by every connection. Each method returns a fresh duplicate
 * (own reader index) of an unreleasable buffer, so it can be written to any channel, from any
 * thread, and releasing it is harmless.
 */
public final class SharedReplies {

    private static final ByteBuf OK = constant("+" + ReplyStrings.OK + "\r\n");
    private static final ByteBuf PONG = constant("+" + ReplyStrings.PONG + "\r\n");
    private static final ByteBuf QUEUED = constant("+" + ReplyStrings.QUEUED + "\r\n");
    private static final ByteBuf NOAUTH = constant("-" + ReplyStrings.NOAUTH + "\r\n");
    private static final ByteBuf WRONGPASS = constant("-" + ReplyStrings.WRONGPASS + "\r\n");
    private static final ByteBuf CROSSSLOT = constant("-" + ReplyStrings.CROSSSLOT + "\r\n");
    private static final ByteBuf NULL_BULK2 = constant("$-1\r\n");
    private static final ByteBuf NULL_ARRAY2 = constant("*-1\r\n");
    private static final ByteBuf NULL3 = constant("_\r\n");
    private static final ByteBuf EMPTY_ARRAY = constant("*0\r\n");
    private static final ByteBuf ZERO = constant(":0\r\n");
    private static final ByteBuf ONE = constant(":1\r\n");

    private SharedReplies() {}

    /** {@code +OK}. */
    public static ByteBuf ok() {
        return OK.duplicate();
    }

    /** {@code +PONG}. */
    public static ByteBuf pong() {
        return PONG.duplicate();
    }

    /** {@code +QUEUED}. */
    public static ByteBuf queued() {
        return QUEUED.duplicate();
    }

    /** {@code -NOAUTH Authentication required.} */
    public static ByteBuf noAuth() {
        return NOAUTH.duplicate();
    }

    /** {@code -WRONGPASS invalid username-password pair or user is disabled.} */
    public static ByteBuf wrongPass() {
        return WRONGPASS.duplicate();
    }

    /** {@code -CROSSSLOT Keys in request don't hash to the same slot}. */
    public static ByteBuf crossSlot() {
        return CROSSSLOT.duplicate();
    }

    /** Null bulk string for the protocol: {@code $-1} or {@code _}. */
    public static ByteBuf nullBulk(int protocol) {
        return (protocol >= 3 ? NULL3 : NULL_BULK2).duplicate();
    }

    /** Null array for the protocol: {@code *-1} or {@code _}. */
    public static ByteBuf nullArray(int protocol) {
        return (protocol >= 3 ? NULL3 : NULL_ARRAY2).duplicate();
    }

    /** {@code *0}. */
    public static ByteBuf emptyArray() {
        return EMPTY_ARRAY.duplicate();
    }

    /** {@code :0} or {@code :1}. */
    public static ByteBuf zeroOrOne(boolean one) {
        return (one ? ONE : ZERO).duplicate();
    }

    private static ByteBuf constant(String wire) {
        byte[] bytes = wire.getBytes(StandardCharsets.US_ASCII);
        // direct so the transport writes it without a copy; read-only so no duplicate can corrupt it
        return Unpooled.unreleasableBuffer(
                Unpooled.directBuffer(bytes.length, bytes.length).writeBytes(bytes).asReadOnly());
    }
}
