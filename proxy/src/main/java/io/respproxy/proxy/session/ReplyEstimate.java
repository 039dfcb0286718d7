package io.respproxy.proxy.session;

/**
 * What one client's replies are expected to weigh, so that the commands it has in flight count
 * against {@code max-pending-output} before their replies arrive: a client pipelining GETs of
 * 100 KB values gets ~2 in flight for 256 KB, one getting +OK the whole in-flight cap. The
 * estimate rises at once to a larger reply and falls slowly (1/8 of the difference per reply), so
 * a few small replies do not open the window to a burst of large ones. It starts at half the
 * limit: a new client has 2 commands in flight until its replies say more, and ~60 small replies
 * open its window to the in-flight cap (a slow start, so that many clients connecting at once
 * with large replies do not flood the connections they share).
 */
final class ReplyEstimate {

    private final long limit;
    private long bytes;

    ReplyEstimate(long limit) {
        this.limit = limit;
        this.bytes = Math.max(1, limit / 2);
    }

    /** A reply of {@code size} bytes was written to the client. */
    void replied(int size) {
        if (size >= bytes) {
            bytes = size;
        } else {
            bytes -= (bytes - size + 7) >> 3;
        }
    }

    /** Bytes {@code inFlight} replies are expected to bring (capped: it is compared with the limit). */
    long expected(int inFlight) {
        long perReply = Math.max(1, bytes);
        return inFlight >= limit / perReply + 1 ? limit + 1 : inFlight * perReply;
    }

    long perReply() {
        return bytes;
    }
}
