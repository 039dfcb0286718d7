package io.respproxy.proxy.backend;

import java.time.Duration;

/**
 * Settings of the backend side of one service.
 *
 * @param connectionsPerNode   shared connections per (node, db, protocol) on each event loop
 * @param scriptSetAside       a shared connection whose oldest command is a script or function that has
 *                             run this long is set aside for a fresh one (zero: never)
 * @param maxDedicatedPerNode  dedicated connections per node over all the service's loops, idle ones included
 * @param dedicatedIdleTimeout an idle dedicated connection is closed after this long (zero: never)
 * @param dedicatedSpares      idle dedicated connections a loop keeps ready per key once one was used
 * @param maxReplyNesting      deepest aggregate nesting accepted in a reply ({@code limits.max-nesting-depth})
 * @param replicaTimeout       {@code writes.replica-timeout}: one WAIT's timeout when writes are acknowledged once replicated
 */
public record BackendSettings(BackendCredentials credentials, Duration connectTimeout, Duration commandTimeout,
                              Duration reconnectMin, Duration reconnectMax, int connectionsPerNode,
                              Duration scriptSetAside, int maxDedicatedPerNode, Duration dedicatedIdleTimeout, int dedicatedSpares,
                              int maxReplyNesting,
                              boolean clusterReadOnly, Duration replicaTimeout) {
}
