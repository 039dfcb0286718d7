package io.respproxy.proxy.backend;

import java.time.Duration;

/**
 * Settings of the backend side of one service.
 *
 * @param connectionsPerNode   shared connections per (node, db, protocol) on each event loop
 * @param maxDedicatedPerNode  dedicated connections per node over all the service's loops, idle ones included
 * @param dedicatedIdleTimeout an idle dedicated connection is closed after this long (zero: never)
 * @param maxReplyNesting      deepest aggregate nesting accepted in a reply ({@code limits.max-nesting-depth})
 */
public record BackendSettings(BackendCredentials credentials, Duration connectTimeout, Duration commandTimeout,
                              Duration reconnectMin, Duration reconnectMax, int connectionsPerNode,
                              int maxDedicatedPerNode, Duration dedicatedIdleTimeout, int maxReplyNesting,
                              boolean clusterReadOnly) {
}
