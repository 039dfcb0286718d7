package io.respproxy.proxy.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Splits an inline command line like Redis' sdssplitargs (blanks separate arguments; "..." with
 * \n \r \t \b \a \xHH and \\-escapes; '...' with \' ) and rewrites it as a multibulk frame, because
 * backends are always sent multibulk. The one place the request path copies.
 */
final class InlineParser {

    /** Marker result: the quotes on the line do not balance. */
    static final RespRequest UNBALANCED = new RespRequest(io.netty.buffer.Unpooled.EMPTY_BUFFER, new int[0], 0);

    private InlineParser() {}

    /**
     * Parses the line {@code [from, to)} (without its line ending) of {@code in}.
     *
     * @return the request, {@code null} for a line without arguments, or {@link #UNBALANCED}
     */
    static RespRequest parse(ByteBuf in, int from, int to, ByteBufAllocator alloc) {
        // Decoded arguments are never longer than the line: one scratch array of line length.
        byte[] scratch = new byte[to - from];
        int[] spans = new int[16];
        int argc = 0;
        int w = 0;
        int p = from;
        while (true) {
            while (p < to && isSpace(in.getByte(p))) {
                p++;
            }
            if (p >= to || in.getByte(p) == 0) {
                break; // Redis reads the line as a C string: a NUL ends it
            }
            int start = w;
            boolean inDq = false;
            boolean inSq = false;
            boolean done = false;
            while (!done) {
                int c = p < to ? in.getByte(p) : 0;
                int next = p + 1 < to ? in.getByte(p + 1) : 0;
                if (inDq) {
                    if (c == '\\' && next == 'x' && p + 3 < to && hex(in.getByte(p + 2)) >= 0
                            && hex(in.getByte(p + 3)) >= 0) {
                        scratch[w++] = (byte) (hex(in.getByte(p + 2)) * 16 + hex(in.getByte(p + 3)));
                        p += 3;
                    } else if (c == '\\' && next != 0) {
                        p++;
                        scratch[w++] = (byte) switch (next) {
                            case 'n' -> '\n';
                            case 'r' -> '\r';
                            case 't' -> '\t';
                            case 'b' -> '\b';
                            case 'a' -> 7;
                            default -> next;
                        };
                    } else if (c == '"') {
                        // a closing quote must be followed by a blank or the end of the line
                        if (next != 0 && !isSpace((byte) next)) {
                            return UNBALANCED;
                        }
                        done = true;
                    } else if (c == 0) {
                        return UNBALANCED;
                    } else {
                        scratch[w++] = (byte) c;
                    }
                } else if (inSq) {
                    if (c == '\\' && next == '\'') {
                        p++;
                        scratch[w++] = '\'';
                    } else if (c == '\'') {
                        if (next != 0 && !isSpace((byte) next)) {
                            return UNBALANCED;
                        }
                        done = true;
                    } else if (c == 0) {
                        return UNBALANCED;
                    } else {
                        scratch[w++] = (byte) c;
                    }
                } else {
                    switch (c) {
                        case ' ', '\n', '\r', '\t', 0 -> done = true;
                        case '"' -> inDq = true;
                        case '\'' -> inSq = true;
                        default -> scratch[w++] = (byte) c;
                    }
                }
                if (c != 0) {
                    p++;
                }
            }
            if (2 * argc + 2 > spans.length) {
                spans = java.util.Arrays.copyOf(spans, spans.length * 2);
            }
            spans[2 * argc] = start;
            spans[2 * argc + 1] = w - start;
            argc++;
        }
        return argc == 0 ? null : toMultibulk(scratch, spans, argc, alloc);
    }

    private static RespRequest toMultibulk(byte[] scratch, int[] spans, int argc, ByteBufAllocator alloc) {
        int size = RespNumbers.digits(argc) + 3;
        for (int i = 0; i < argc; i++) {
            size += RespNumbers.digits(spans[2 * i + 1]) + 5 + spans[2 * i + 1];
        }
        ByteBuf frame = alloc.buffer(size);
        int[] offsets = new int[2 * argc];
        frame.writeByte('*');
        RespNumbers.writeLong(frame, argc);
        frame.writeShort(RespWriter.CRLF_SHORT);
        for (int i = 0; i < argc; i++) {
            int len = spans[2 * i + 1];
            frame.writeByte('$');
            RespNumbers.writeLong(frame, len);
            frame.writeShort(RespWriter.CRLF_SHORT);
            offsets[2 * i] = frame.writerIndex();
            offsets[2 * i + 1] = len;
            frame.writeBytes(scratch, spans[2 * i], len);
            frame.writeShort(RespWriter.CRLF_SHORT);
        }
        return new RespRequest(frame, offsets, argc);
    }

    /** C isspace: blank, \t \n \v \f \r. */
    static boolean isSpace(byte b) {
        return b == ' ' || (b >= '\t' && b <= '\r');
    }

    private static int hex(byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        if (b >= 'a' && b <= 'f') {
            return b - 'a' + 10;
        }
        if (b >= 'A' && b <= 'F') {
            return b - 'A' + 10;
        }
        return -1;
    }
}
