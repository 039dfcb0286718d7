package io.respproxy.proxy.resp;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * One complete reply from a backend (including any RESP3 attributes before it): a retained slice
 * of the bytes it arrived in, forwarded as-is, plus what the dispatcher must know without parsing
 * it: its {@link Kind} and, for errors, its {@link ErrorKind}.
 *
 * <p>Reference counting is the frame's: whoever holds a reply releases it once (or passes it on).
 */
public final class RespReply extends RespFrame<RespReply> {

    /** What a reply is, as far as dispatch cares. */
    public enum Kind {
        /** Any value that is not an error: forward to the waiting request. */
        NORMAL,
        /** A simple ({@code -}) or blob ({@code !}) error; see {@link #errorKind()}. */
        ERROR,
        /** A RESP3 out-of-band push ({@code >}): belongs to no request. */
        PUSH
    }

    /** Which error, by its first word; decides redirects and retries. */
    public enum ErrorKind { NONE, MOVED, ASK, TRYAGAIN, CLUSTERDOWN, READONLY, LOADING, NOAUTH, MASTERDOWN, BUSY, OTHER }

    /** Index in the frame of the value itself, after any attributes. */
    private final int valueOffset;
    private final Kind kind;
    private final ErrorKind errorKind;
    /** Frame length; helpers use absolute indexes so a written (consumed) frame still reads. */
    private final int end;

    /** @param frame a buffer starting at index 0 (a slice); @param valueOffset index of the value after attributes */
    RespReply(ByteBuf frame, int valueOffset) {
        this(frame, valueOffset, null, 0);
    }

    /** A reply sliced from {@code source} at {@code sourceIndex}: replies adjacent there can be written as one. */
    RespReply(ByteBuf frame, int valueOffset, ByteBuf source, int sourceIndex) {
        super(frame, source, sourceIndex);
        this.end = frame.writerIndex();
        this.valueOffset = valueOffset;
        byte type = frame.getByte(valueOffset);
        if (type == '-') {
            kind = Kind.ERROR;
            errorKind = classify(frame, valueOffset + 1, end);
        } else if (type == '!') {
            kind = Kind.ERROR;
            errorKind = classify(frame, payloadStart(), end);
        } else {
            kind = type == '>' ? Kind.PUSH : Kind.NORMAL;
            errorKind = ErrorKind.NONE;
        }
    }




    /** NORMAL, ERROR or PUSH. */
    public Kind kind() {
        return kind;
    }

    /** The error's first word, {@link ErrorKind#NONE} when this is not an error. */
    public ErrorKind errorKind() {
        return errorKind;
    }

    /** Whether this is an error reply. */
    public boolean isError() {
        return kind == Kind.ERROR;
    }

    /** The RESP type byte of the value ({@code + - : $ * % ...}), after any attributes. */
    public byte type() {
        return frame.getByte(valueOffset);
    }

    /** Whether this is exactly the simple string {@code +expected} (e.g. "OK", "PONG", "QUEUED"). */
    public boolean isSimpleString(String expected) {
        int start = valueOffset;
        if (frame.getByte(start) != '+' || end - start != expected.length() + 3) {
            return false;
        }
        for (int i = 0; i < expected.length(); i++) {
            if (frame.getByte(start + 1 + i) != expected.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** The value of an integer reply ({@code :N}); throws when this is not one. */
    public long integerValue() {
        int start = valueOffset;
        if (frame.getByte(start) != ':') {
            throw new IllegalStateException("not an integer reply: " + (char) frame.getByte(start));
        }
        long value = RespNumbers.parseLong(frame, start + 1, end - 2);
        if (value == RespNumbers.INVALID) {
            throw new IllegalStateException("malformed integer reply");
        }
        return value;
    }

    /**
     * For simple and blob errors, the text without type byte and CRLF (e.g. {@code "MOVED 3999
     * 127.0.0.1:6381"}); for simple strings and bulk strings, their content. Allocates: control paths.
     */
    public String text() {
        int start = valueOffset;
        byte type = frame.getByte(start);
        int from = (type == '$' || type == '!' || type == '=') ? payloadStart() : start + 1;
        if (type == '$' && frame.getByte(start + 1) == '-') {
            return null;
        }
        return frame.toString(from, end - 2 - from, StandardCharsets.UTF_8);
    }

    /** The slot and address of a -MOVED or -ASK error; throws when this is neither. */
    public Redirect redirect() {
        if (errorKind != ErrorKind.MOVED && errorKind != ErrorKind.ASK) {
            throw new IllegalStateException("not a redirect: " + errorKind);
        }
        return Redirect.parse(errorKind == ErrorKind.ASK, text());
    }

    /**
     * Target of a redirect: {@code -MOVED 3999 127.0.0.1:6381}. An empty host (Redis 7 "-MOVED
     * 3999 :6381" when the node's endpoint is unknown) means "the host of the node that replied".
     */
    public record Redirect(boolean ask, int slot, String host, int port) {

        /** The redirect in an error frame ({@code -MOVED 3999 host:port\r\n}); throws when malformed. */
        public static Redirect of(ByteBuf errorFrame, boolean ask) {
            int from = errorFrame.readerIndex() + 1;
            int end = errorFrame.writerIndex() - 2;
            if (errorFrame.getByte(errorFrame.readerIndex()) == '!') {
                from = errorFrame.indexOf(from, end, (byte) '\n') + 1; // RESP3 blob error: skip the length
            }
            return parse(ask, errorFrame.toString(from, end - from, StandardCharsets.UTF_8));
        }

        static Redirect parse(boolean ask, String text) {
            int firstSpace = text.indexOf(' ');
            int secondSpace = text.indexOf(' ', firstSpace + 1);
            int colon = text.lastIndexOf(':');
            if (firstSpace < 0 || secondSpace < 0 || colon < secondSpace) {
                throw new IllegalStateException("malformed redirect: " + text);
            }
            try {
                int slot = Integer.parseInt(text, firstSpace + 1, secondSpace, 10);
                int port = Integer.parseInt(text, colon + 1, text.length(), 10);
                String host = text.substring(secondSpace + 1, colon);
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                }
                return new Redirect(ask, slot, host, port);
            } catch (NumberFormatException e) {
                throw new IllegalStateException("malformed redirect: " + text, e);
            }
        }
    }

    private int payloadStart() {
        int start = valueOffset;
        return frame.indexOf(start, end, (byte) '\n') + 1;
    }

    /** The kind of the simple error ({@code -...\r\n}) at {@code frame}'s reader index. */
    public static ErrorKind errorKindOf(ByteBuf frame) {
        return classify(frame, frame.readerIndex() + 1, frame.writerIndex());
    }

    private static ErrorKind classify(ByteBuf buf, int at, int end) {
        int avail = buf.writerIndex() - at;
        if (avail <= 0) {
            return ErrorKind.OTHER;
        }
        switch (buf.getByte(at)) {
            case 'M':
                if (startsWith(buf, at, avail, "MOVED ")) {
                    return ErrorKind.MOVED;
                }
                return startsWith(buf, at, avail, "MASTERDOWN") ? ErrorKind.MASTERDOWN : ErrorKind.OTHER;
            case 'A':
                return startsWith(buf, at, avail, "ASK ") ? ErrorKind.ASK : ErrorKind.OTHER;
            case 'T':
                return startsWith(buf, at, avail, "TRYAGAIN") ? ErrorKind.TRYAGAIN : ErrorKind.OTHER;
            case 'C':
                return startsWith(buf, at, avail, "CLUSTERDOWN") ? ErrorKind.CLUSTERDOWN : ErrorKind.OTHER;
            case 'R':
                return startsWith(buf, at, avail, "READONLY") ? ErrorKind.READONLY : ErrorKind.OTHER;
            case 'L':
                return startsWith(buf, at, avail, "LOADING") ? ErrorKind.LOADING : ErrorKind.OTHER;
            case 'N':
                return startsWith(buf, at, avail, "NOAUTH") ? ErrorKind.NOAUTH : ErrorKind.OTHER;
            case 'B':
                return startsWith(buf, at, avail, "BUSY ") ? ErrorKind.BUSY : ErrorKind.OTHER;
            default:
                return ErrorKind.OTHER;
        }
    }

    private static boolean startsWith(ByteBuf buf, int at, int avail, String prefix) {
        if (avail < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (buf.getByte(at + i) != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }








    @Override
    public String toString() {
        return "RespReply[" + kind + (isError() ? " " + errorKind : "") + ", " + frame.readableBytes() + " bytes]";
    }
}
