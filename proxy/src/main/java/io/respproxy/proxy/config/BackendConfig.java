package io.respproxy.proxy.config;

import java.time.Duration;
import java.util.Optional;

/**
 * How the proxy talks to the service's Redis data nodes.
 *
 * @param user               ACL user for AUTH on every data node, if any
 * @param password           password for AUTH on every data node, if any
 * @param connectTimeout     TCP connect limit (the handshake after it is bounded by commandTimeout)
 * @param commandTimeout     a connection whose oldest command (unless blocking) has had no reply
 *                           this long is failed and its node marked down; shared and dedicated alike
 * @param connectionsPerNode multiplexed connections per event loop per (node, db, protocol); each
 *                           client keeps to one, assigned round-robin
 * @param scriptSetAside     a shared connection whose oldest command is a script or function that
 *                           has run this long is set aside: later commands go to a fresh one
 *                           ({@link Duration#ZERO}: never)
 * @param reconnectBackoff   delay between reconnect attempts, doubling from min to max
 * @param dedicated          limits on per-client connections (MULTI, blocking, pub/sub)
 */
public record BackendConfig(
        Optional<String> user,
        Optional<Secret> password,
        Duration connectTimeout,
        Duration commandTimeout,
        int connectionsPerNode,
        Duration scriptSetAside,
        Backoff reconnectBackoff,
        Dedicated dedicated) {

    /** Reconnect delay: starts at {@code min}, doubles per failure, capped at {@code max}. */
    public record Backoff(Duration min, Duration max) {}

    /**
     * Dedicated (pinned) connections.
     *
     * @param maxPerNode  at most this many per node over all event loops of the service, idle ones
     *                    included (closed to make room); with all in use, more pinned sessions get an error
     * @param idleTimeout a pinned connection returned to the pool and unused this long is closed (0 = never)
     * @param spares      idle connections each event loop keeps ready per node, db and protocol once a
     *                    client has used one, so that the next pinned session need not connect first
     */
    public record Dedicated(int maxPerNode, Duration idleTimeout, int spares) {}
}
