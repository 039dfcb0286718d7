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
 * @param maxPendingOutput    replies waiting for one client (not yet taken by its socket, plus the
 *                            expected size of those still in flight) past which the proxy runs and
 *                            reads no more of its commands, until they drained to half
 * @param maxPendingInput     commands read ahead, not run, from a client whose replies do not move
 *                            while it has commands waiting (a pipeline written before it is read)
 * @param tcpNotsentLowat     replies a client's socket may hold not yet sent ({@code TCP_NOTSENT_LOWAT},
 *                            epoll only; 0 = the kernel's own setting): past it the proxy queues them
 *                            itself, where {@code max-pending-output} sees them
 * @param clientOutputBuffer  limits on replies queued for a slow client (Redis's normal class)
 * @param pubsubOutputBuffer  the same for a subscribed client (Redis's pubsub class)
 * @param replicaOutputBuffer the same for a replica-like client (Redis's replica class)
 * @param trackingMaxKeys     keys remembered for CLIENT TRACKING clients at most (Redis's
 *                            {@code tracking-table-max-keys}; 0 = no bound): past it, keys are
 *                            dropped and their clients told to invalidate them
 * @param slowlogSlowerThan   {@code slowlog.log-slower-than}: µs from read to reply that make a
 *                            command slow (-1: none is, 0: every one)
 * @param slowlogMaxLen       {@code slowlog.max-len}: entries SLOWLOG keeps
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
        long maxPendingOutput,
        long maxPendingInput,
        long tcpNotsentLowat,
        OutputBuffer clientOutputBuffer,
        OutputBuffer pubsubOutputBuffer,
        OutputBuffer replicaOutputBuffer,
        int trackingMaxKeys,
        int slowlogSlowerThan,
        int slowlogMaxLen) {

    /** Caps that apply before AUTH succeeds (when the service has users). */
    public record PreAuth(int maxBulkLength, int maxArrayLength, int maxInlineLength) {}

    /**
     * Like one class of Redis's {@code client-output-buffer-limit}: over {@code hardBytes}, or over
     * {@code softBytes} for {@code softDuration}, the client is disconnected (0: no such limit).
     */
    public record OutputBuffer(long hardBytes, long softBytes, Duration softDuration) {}
}
