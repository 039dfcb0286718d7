package io.respproxy.proxy.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

import java.nio.charset.StandardCharsets;

/**
 * Writes the replies the proxy builds itself (local commands, merges, errors) into a ByteBuf.
 * Methods taking {@code protocol} (2 or 3, as negotiated by HELLO) write the RESP3 type when the
 * client speaks RESP3 and its RESP2 equivalent otherwise, as Redis does.
 */
public final class RespWriter {

    /** CRLF as one big-endian short, for {@code writeShort}. */
    static final int CRLF_SHORT = ('\r' << 8) | '\n';

    private RespWriter() {}

    /** {@code +text}. The text must not contain CR or LF. */
    public static void simpleString(ByteBuf out, CharSequence text) {
        out.writeByte('+');
        ByteBufUtil.writeUtf8(out, text);
        out.writeShort(CRLF_SHORT);
    }

    /**
     * {@code -text}, e.g. {@code error(out, "ERR unknown command 'x'")}. CR and LF in the text
     * become spaces, as in Redis, so a message can never break the reply stream.
     */
    public static void error(ByteBuf out, CharSequence text) {
        out.writeByte('-');
        int start = out.writerIndex();
        ByteBufUtil.writeUtf8(out, text);
        for (int i = start; i < out.writerIndex(); i++) {
            byte b = out.getByte(i);
            if (b == '\r' || b == '\n') {
                out.setByte(i, ' ');
            }
        }
        out.writeShort(CRLF_SHORT);
    }

    /** {@code :value}. */
    public static void integer(ByteBuf out, long value) {
        out.writeByte(':');
        RespNumbers.writeLong(out, value);
        out.writeShort(CRLF_SHORT);
    }

    /** {@code $len} + bytes. */
    public static void bulk(ByteBuf out, byte[] value) {
        header(out, '$', value.length);
        out.writeBytes(value);
        out.writeShort(CRLF_SHORT);
    }

    /** {@code $len} + the readable bytes of {@code value} (not consumed, not released). */
    public static void bulk(ByteBuf out, ByteBuf value) {
        header(out, '$', value.readableBytes());
        out.writeBytes(value, value.readerIndex(), value.readableBytes());
        out.writeShort(CRLF_SHORT);
    }

    /** {@code $len} + the UTF-8 bytes of {@code value}. */
    public static void bulk(ByteBuf out, CharSequence value) {
        bulk(out, value.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Null bulk string: {@code $-1} (RESP2) or {@code _} (RESP3). */
    public static void nullBulk(ByteBuf out, int protocol) {
        out.writeBytes(protocol >= 3 ? NULL3 : NULL_BULK2);
    }

    /** Null array: {@code *-1} (RESP2) or {@code _} (RESP3). */
    public static void nullArray(ByteBuf out, int protocol) {
        out.writeBytes(protocol >= 3 ? NULL3 : NULL_ARRAY2);
    }

    /** {@code *count}; the caller writes {@code count} values. */
    public static void arrayHeader(ByteBuf out, int count) {
        header(out, '*', count);
    }

    /** {@code %pairs} (RESP3) or {@code *2*pairs} (RESP2); the caller writes key, value, key, value... */
    public static void mapHeader(ByteBuf out, int protocol, int pairs) {
        if (protocol >= 3) {
            header(out, '%', pairs);
        } else {
            header(out, '*', 2L * pairs);
        }
    }

    /** {@code ~count} (RESP3) or {@code *count} (RESP2). */
    public static void setHeader(ByteBuf out, int protocol, int count) {
        header(out, protocol >= 3 ? '~' : '*', count);
    }

    /** {@code >count} (RESP3) or {@code *count} (RESP2, as pub/sub messages are sent). */
    public static void pushHeader(ByteBuf out, int protocol, int count) {
        header(out, protocol >= 3 ? '>' : '*', count);
    }

    /** {@code ,value} (RESP3) or a bulk string (RESP2), formatted like Redis ({@code inf}, {@code 1.5}). */
    public static void doubleValue(ByteBuf out, int protocol, double value) {
        String text = formatDouble(value);
        if (protocol >= 3) {
            out.writeByte(',');
            out.writeCharSequence(text, StandardCharsets.US_ASCII);
            out.writeShort(CRLF_SHORT);
        } else {
            bulk(out, text.getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** {@code #t}/{@code #f} (RESP3) or {@code :1}/{@code :0} (RESP2). */
    public static void bool(ByteBuf out, int protocol, boolean value) {
        if (protocol >= 3) {
            out.writeByte('#');
            out.writeByte(value ? 't' : 'f');
            out.writeShort(CRLF_SHORT);
        } else {
            integer(out, value ? 1 : 0);
        }
    }

    /**
     * {@code =len format:text} (RESP3, format is three characters such as "txt") or a plain bulk
     * string of the text (RESP2), as INFO and CLIENT LIST reply.
     */
    public static void verbatim(ByteBuf out, int protocol, String format, CharSequence text) {
        byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        if (protocol < 3) {
            bulk(out, bytes);
            return;
        }
        if (format.length() != 3) {
            throw new IllegalArgumentException("verbatim format must be 3 characters: " + format);
        }
        header(out, '=', bytes.length + 4L);
        out.writeCharSequence(format, StandardCharsets.US_ASCII);
        out.writeByte(':');
        out.writeBytes(bytes);
        out.writeShort(CRLF_SHORT);
    }

    /** Redis' double formatting: integral values without fraction, inf/-inf/nan spelled out. */
    static String formatDouble(double value) {
        if (Double.isNaN(value)) {
            return "nan";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "inf" : "-inf";
        }
        if (value == Math.rint(value) && Math.abs(value) < 1e17) {
            return Long.toString((long) value);
        }
        return Double.toString(value).replace('E', 'e');
    }

    private static void header(ByteBuf out, char type, long count) {
        out.writeByte(type);
        RespNumbers.writeLong(out, count);
        out.writeShort(CRLF_SHORT);
    }

    private static final byte[] NULL3 = "_\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL_BULK2 = "$-1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL_ARRAY2 = "*-1\r\n".getBytes(StandardCharsets.US_ASCII);
}
