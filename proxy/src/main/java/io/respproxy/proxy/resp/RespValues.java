package io.respproxy.proxy.resp;

import io.netty.buffer.ByteBuf;

/**
 * Walking over values inside a complete reply frame (one the decoder already validated), for the
 * few places that must look inside one: merging the replies of a split or fanned-out command.
 * Explicit counter, no recursion, so nesting depth costs nothing here.
 */
public final class RespValues {

    private RespValues() {}

    /** Index just past the value that starts at {@code at} in {@code frame} (attributes included). */
    public static int skip(ByteBuf frame, int at) {
        int i = at;
        long pending = 1;
        while (pending > 0) {
            byte type = frame.getByte(i);
            int lineEnd = frame.indexOf(i, frame.writerIndex(), (byte) '\n');
            pending--;
            switch (type) {
                case '$', '!', '=' -> {
                    long len = number(frame, i + 1, lineEnd - 1);
                    i = lineEnd + 1;
                    if (len >= 0) {
                        i += (int) len + 2;
                    }
                }
                case '*', '~', '>' -> {
                    pending += Math.max(0, number(frame, i + 1, lineEnd - 1));
                    i = lineEnd + 1;
                }
                case '%' -> {
                    pending += 2 * Math.max(0, number(frame, i + 1, lineEnd - 1));
                    i = lineEnd + 1;
                }
                case '|' -> {
                    // an attribute map, then the value it describes
                    pending += 2 * Math.max(0, number(frame, i + 1, lineEnd - 1)) + 1;
                    i = lineEnd + 1;
                }
                default -> i = lineEnd + 1; // + - : _ # , ( : one line
            }
        }
        return i;
    }

    /** The count of an aggregate header at {@code at} ({@code *3}), -1 for a null array. */
    public static long count(ByteBuf frame, int at) {
        int lineEnd = frame.indexOf(at, frame.writerIndex(), (byte) '\n');
        return number(frame, at + 1, lineEnd - 1);
    }

    /** Index of the first element of the aggregate whose header starts at {@code at}. */
    public static int firstElement(ByteBuf frame, int at) {
        return frame.indexOf(at, frame.writerIndex(), (byte) '\n') + 1;
    }

    /** The value of an integer reply ({@code :n}) at {@code at}. */
    public static long integer(ByteBuf frame, int at) {
        int lineEnd = frame.indexOf(at, frame.writerIndex(), (byte) '\n');
        return number(frame, at + 1, lineEnd - 1);
    }

    /** An error reply ({@code -} or {@code !}) starts at {@code at}. */
    public static boolean isError(ByteBuf frame, int at) {
        byte t = frame.getByte(at);
        return t == '-' || t == '!';
    }

    /** Decimal digits in [from, to), with an optional leading minus. */
    private static long number(ByteBuf frame, int from, int to) {
        boolean negative = frame.getByte(from) == '-';
        long v = 0;
        for (int i = negative ? from + 1 : from; i < to; i++) {
            v = v * 10 + (frame.getByte(i) - '0');
        }
        return negative ? -v : v;
    }
}
