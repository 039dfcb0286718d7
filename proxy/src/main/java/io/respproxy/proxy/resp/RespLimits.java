package io.respproxy.proxy.resp;

/**
 * Size limits the RESP decoders enforce before they wait for (or keep) any bytes a peer announced.
 * A length over a limit is a protocol error as soon as its header line is read, so nothing is ever
 * sized from a declared length.
 *
 * @param maxBulkLength   largest bulk string payload in bytes ({@code $N}); Redis' proto-max-bulk-len
 * @param maxArrayLength  largest element count of an array / multibulk ({@code *N}); for maps and
 *                        attributes the number of pairs
 * @param maxInlineLength longest inline request line, and longest header / simple line in a reply
 * @param maxNestingDepth deepest aggregate nesting accepted in a reply (requests are flat)
 */
public record RespLimits(int maxBulkLength, int maxArrayLength, int maxInlineLength, int maxNestingDepth) {

    /** Authenticated clients: Redis' own defaults (512 MiB bulk, 64 KiB inline). */
    public static final RespLimits DEFAULT = new RespLimits(512 * 1024 * 1024, 64 * 1024 * 1024, 64 * 1024, 64);

    /**
     * Clients that have not authenticated yet: Redis' unauthenticated limits (16 KiB bulk, 10
     * arguments), enough for {@code HELLO 3 AUTH user pass SETNAME name}.
     */
    public static final RespLimits PRE_AUTH = new RespLimits(16 * 1024, 10, 16 * 1024, 1);

    /** Replies from backends: trusted more than clients but still bounded (a broken backend must not OOM us). */
    public static final RespLimits BACKEND = new RespLimits(Integer.MAX_VALUE - 2, Integer.MAX_VALUE / 2, 64 * 1024 * 1024, 128);

    /** Validates that every limit is positive. */
    public RespLimits {
        if (maxBulkLength < 0 || maxArrayLength < 0 || maxInlineLength <= 0 || maxNestingDepth <= 0) {
            throw new IllegalArgumentException("RESP limits must be positive: " + maxBulkLength + ", "
                    + maxArrayLength + ", " + maxInlineLength + ", " + maxNestingDepth);
        }
        if (maxBulkLength > Integer.MAX_VALUE - 2) {
            // the frame (payload + CRLF) must fit in one ByteBuf
            throw new IllegalArgumentException("maxBulkLength too large: " + maxBulkLength);
        }
    }
}
