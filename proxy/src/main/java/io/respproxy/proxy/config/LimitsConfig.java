package io.respproxy.proxy.config;

import java.time.Duration;

/**
 * Caps on what a client may send and hold, so no length a client declares sizes an allocation.
 *
 * @param maxBulkLength       longest bulk string argument, bytes
 * @param maxArrayLength      most arguments in one command
 * @param maxNestingDepth     deepest aggregate nesting accepted in a reply from a data node (requests are flat)
 * @param maxInlineLength     longest inline command line, bytes
 * @param preAuth             tighter caps until the client has authenticated
 * @param maxClients          connections accepted at once per service; more are refused with
 *                            {@code -ERR max number of clients reached}
 * @param clientIdleTimeout   close a client idle this long ({@link Duration#ZERO} = never)
 * @param maxPipelineInFlight commands one client may have waiting for replies before the proxy
 *                            stops reading from it
 * @param clientOutputBuffer  limits on replies queued for a slow client
 */
public record LimitsConfig(
        int maxBulkLength,
        int maxArrayLength,
        int maxNestingDepth,
        int maxInlineLength,
        PreAuth preAuth,
        int maxClients,
        Duration clientIdleTimeout,
        int maxPipelineInFlight,
        OutputBuffer clientOutputBuffer) {

    /** Caps that apply before AUTH succeeds (when the service has users). */
    public record PreAuth(int maxBulkLength, int maxArrayLength, int maxInlineLength) {}

    /**
     * Like Redis's {@code client-output-buffer-limit normal}: over {@code hardBytes}, or over
     * {@code softBytes} for {@code softDuration}, the client is disconnected.
     */
    public record OutputBuffer(long hardBytes, long softBytes, Duration softDuration) {}
}
