package io.respproxy.proxy.resp;

import io.netty.buffer.ByteBuf;

/** ASCII decimal reading and writing on ByteBufs, without allocation. */
final class RespNumbers {

    /** Returned by {@link #parseLong} when the bytes are not a number. */
    static final long INVALID = Long.MIN_VALUE;

    private RespNumbers() {}

    /**
     * Parses {@code [from, to)} like Redis' string2ll: optional '-', digits, no '+', no leading
     * zeros, no overflow. Returns {@link #INVALID} otherwise.
     */
    static long parseLong(ByteBuf buf, int from, int to) {
        int len = to - from;
        if (len <= 0 || len > 20) {
            return INVALID;
        }
        int i = from;
        boolean negative = false;
        if (buf.getByte(i) == '-') {
            negative = true;
            i++;
            if (i == to) {
                return INVALID;
            }
        }
        if (buf.getByte(i) == '0' && to - i > 1) {
            return INVALID;
        }
        long value = 0;
        for (; i < to; i++) {
            int d = buf.getByte(i) - '0';
            if (d < 0 || d > 9) {
                return INVALID;
            }
            if (value > (Long.MAX_VALUE - d) / 10) {
                return INVALID;
            }
            value = value * 10 + d;
        }
        return negative ? -value : value;
    }

    /** Writes {@code value} in decimal ASCII. */
    static void writeLong(ByteBuf out, long value) {
        if (value == Long.MIN_VALUE) {
            out.writeBytes("-9223372036854775808".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return;
        }
        if (value < 0) {
            out.writeByte('-');
            value = -value;
        }
        if (value < 10) {
            out.writeByte((int) ('0' + value));
            return;
        }
        int digits = 1;
        for (long v = value / 10; v > 0; v /= 10) {
            digits++;
        }
        int end = out.writerIndex() + digits;
        out.ensureWritable(digits);
        for (int i = end - 1; i >= end - digits; i--) {
            out.setByte(i, (int) ('0' + value % 10));
            value /= 10;
        }
        out.writerIndex(end);
    }

    /** Number of ASCII characters {@link #writeLong} writes for a non-negative value. */
    static int digits(long nonNegative) {
        int digits = 1;
        for (long v = nonNegative / 10; v > 0; v /= 10) {
            digits++;
        }
        return digits;
    }
}
