package io.respproxy.health;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.resource.ClientResources;
import io.respproxy.routing.NodeAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Active probes over Lettuce: PING (a node loading its dataset answers -LOADING and is not fit)
 * then INFO, pipelined on one kept-open connection per node. A connection that fails
 * is dropped and dialled again on the next probe, so a dead node costs one connect timeout per
 * interval, not a reconnect storm.
 */
public final class NodeProber implements AutoCloseable {

    private final RedisClient client;
    private final Duration timeout;
    private final String user;
    private final char[] password;
    private final Map<NodeAddress, StatefulRedisConnection<String, String>> connections = new ConcurrentHashMap<>();

    /**
     * @param user     backend ACL user, or null for the default user
     * @param password backend password, or null (kept in memory only, never logged)
     */
    public NodeProber(ClientResources resources, Duration timeout, String user, char[] password) {
        this.timeout = timeout;
        this.user = user;
        this.password = password == null ? null : password.clone();
        this.client = RedisClient.create(resources);
        this.client.setOptions(ClientOptions.builder()
                .autoReconnect(false)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(timeout).build())
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .build());
    }

    /** Probes {@code node}; never throws, never blocks the caller: the future completes within about the timeout. */
    public CompletableFuture<ProbeResult> probe(NodeAddress node) {
        return connection(node).thenCompose(conn -> {
            RedisAsyncCommands<String, String> cmd = conn.async();
            RedisFuture<String> ping = cmd.ping();
            // Default INFO (not just "replication"): it also carries redis_version, and Redis 6.2
            // accepts only one section name per call.
            RedisFuture<String> info = cmd.info();
            return ping.toCompletableFuture()
                    .thenCombine(info.toCompletableFuture(),
                            (pong, text) -> ProbeResult.ok(ReplicationInfo.parse(text), ProbeResult.redisVersion(text)))
                    .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }).exceptionally(e -> {
            dropConnection(node);
            return ProbeResult.failed(describe(e));
        });
    }

    private CompletableFuture<StatefulRedisConnection<String, String>> connection(NodeAddress node) {
        StatefulRedisConnection<String, String> existing = connections.get(node);
        if (existing != null && existing.isOpen()) {
            return CompletableFuture.completedFuture(existing);
        }
        RedisURI.Builder uri = RedisURI.builder().withHost(node.host()).withPort(node.port()).withTimeout(timeout);
        if (password != null) {
            if (user != null) {
                uri.withAuthentication(user, password);
            } else {
                uri.withPassword(password);
            }
        }
        RedisURI redisUri = uri.build();
        redisUri.setClientName("respproxy-health");
        return client.connectAsync(io.lettuce.core.codec.StringCodec.UTF8, redisUri)
                .toCompletableFuture()
                .thenApply(conn -> {
                    StatefulRedisConnection<String, String> previous = connections.put(node, conn);
                    if (previous != null && previous != conn) {
                        previous.closeAsync();
                    }
                    return conn;
                });
    }

    private void dropConnection(NodeAddress node) {
        StatefulRedisConnection<String, String> conn = connections.remove(node);
        if (conn != null) {
            conn.closeAsync();
        }
    }

    /** A one-line reason without secrets: exception messages from Lettuce never carry the password. */
    private static String describe(Throwable e) {
        Throwable cause = e;
        while ((cause instanceof java.util.concurrent.CompletionException
                || cause instanceof java.util.concurrent.ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof java.util.concurrent.TimeoutException) {
            return "timeout";
        }
        String msg = cause.getMessage();
        return msg == null ? cause.getClass().getSimpleName() : msg;
    }

    @Override
    public void close() {
        connections.values().forEach(StatefulRedisConnection::closeAsync);
        connections.clear();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
