package io.respproxy.health;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.resource.ClientResources;
import io.respproxy.routing.NodeAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Active probes over Lettuce: PING (a node loading its dataset answers -LOADING and is not fit)
 * then INFO, pipelined on one kept-open connection per node; and role checks (INFO replication
 * alone) on a second one, so that they never wait behind a full INFO and a slow role check (cut
 * at its own, shorter timeout) never fails a probe. A connection that fails is dropped and dialled
 * again on the next use, so a dead node costs one connect timeout per interval, not a reconnect
 * storm. A connection the server closes (Sentinel's {@code CLIENT KILL TYPE normal} when it
 * reconfigures a node) is reported to {@code onServerClose}: the node's role is probably changing.
 */
public final class NodeProber implements AutoCloseable {

    private final RedisClient client;
    private final Duration timeout;
    private final Duration roleCheckTimeout;
    private final String user;
    private final char[] password;
    private final Map<NodeAddress, StatefulRedisConnection<String, String>> probeConnections = new ConcurrentHashMap<>();
    private final Map<NodeAddress, StatefulRedisConnection<String, String>> roleConnections = new ConcurrentHashMap<>();
    private final Consumer<NodeAddress> onServerClose;
    private volatile boolean closed; // no dialling once set (Lettuce itself would)
    private volatile ReplicationObserver observer = ReplicationObserver.NONE;

    /**
     * @param timeout          connect timeout, and probe timeout
     * @param roleCheckTimeout a role check slower than this is abandoned (its connection dialled again)
     * @param user             backend ACL user, or null for the default user
     * @param password         backend password, or null (kept in memory only, never logged)
     * @param onServerClose    told (on a Lettuce thread) when a node closed one of the prober's connections
     */
    public NodeProber(ClientResources resources, Duration timeout, Duration roleCheckTimeout, String user,
                      char[] password, Consumer<NodeAddress> onServerClose) {
        this.timeout = timeout;
        this.roleCheckTimeout = roleCheckTimeout;
        this.onServerClose = onServerClose;
        this.user = user;
        this.password = password == null ? null : password.clone();
        this.client = RedisClient.create(resources);
        this.client.setOptions(ControlPlaneClients.options(timeout, Integer.MAX_VALUE, null));
        this.client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                // Still in a map: not closed by dropConnection or close(), so the server did it.
                for (var connections : List.of(probeConnections, roleConnections)) {
                    for (Map.Entry<NodeAddress, StatefulRedisConnection<String, String>> e : connections.entrySet()) {
                        if (e.getValue() == connection && connections.remove(e.getKey(), e.getValue())) {
                            onServerClose.accept(e.getKey());
                        }
                    }
                }
            }
        });
    }

    /** Probes {@code node}; never throws, never blocks the caller: the future completes within about the timeout. */
    public CompletableFuture<ProbeResult> probe(NodeAddress node) {
        // Default INFO (not just "replication"): it also carries redis_version, and Redis 6.2
        // accepts only one section name per call.
        ReplicationObserver o = observer;
        long mark = o.mark(node);
        return ask(node, probeConnections, timeout, cmd -> cmd.ping().toCompletableFuture()
                .thenCombine(cmd.info().toCompletableFuture(),
                        (pong, text) -> ProbeResult.ok(observed(o, node, text, mark), ProbeResult.redisVersion(text))));
    }

    /** Who sees every INFO replication answer ({@link ReplicationObserver#NONE} by default). */
    public void observe(ReplicationObserver observer) {
        this.observer = observer;
    }

    private static ReplicationInfo observed(ReplicationObserver o, NodeAddress node, String text, long mark) {
        ReplicationInfo info = ReplicationInfo.parse(text);
        try {
            o.observed(node, info, mark);
        } catch (RuntimeException e) {
            // The observer's fault must not fail the probe: that would mark a healthy node down.
            org.slf4j.LoggerFactory.getLogger(NodeProber.class).warn("replication observer failed on {}", node, e);
        }
        return info;
    }

    /**
     * {@code INFO replication} alone: the node's role and history ids, cheap enough to ask every
     * 100 ms. Never throws; the future completes within about the role-check timeout (plus a
     * connect when the connection has to be dialled).
     */
    public CompletableFuture<ProbeResult> roleCheck(NodeAddress node) {
        ReplicationObserver o = observer;
        long mark = o.mark(node);
        return ask(node, roleConnections, roleCheckTimeout, cmd -> cmd.info("replication").toCompletableFuture()
                .thenApply(text -> ProbeResult.ok(observed(o, node, text, mark), null)));
    }

    private CompletableFuture<ProbeResult> ask(NodeAddress node,
            Map<NodeAddress, StatefulRedisConnection<String, String>> connections, Duration limit,
            Function<RedisAsyncCommands<String, String>, CompletableFuture<ProbeResult>> commands) {
        CompletableFuture<StatefulRedisConnection<String, String>> conn = connection(node, connections);
        return conn.thenCompose(c -> commands.apply(c.async()).orTimeout(limit.toMillis(), TimeUnit.MILLISECONDS))
                .exceptionally(e -> {
                    if (rootCause(e) instanceof io.lettuce.core.RedisBusyException) {
                        return ProbeResult.busy(describe(e)); // alive; the connection is fine
                    }
                    // Only the connection this probe used: a newer one may already be in its place.
                    conn.thenAccept(c -> dropConnection(node, c, connections));
                    return ProbeResult.failed(describe(e));
                });
    }

    private static Throwable rootCause(Throwable e) {
        Throwable c = e;
        while ((c instanceof java.util.concurrent.CompletionException
                || c instanceof java.util.concurrent.ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    private CompletableFuture<StatefulRedisConnection<String, String>> connection(NodeAddress node,
            Map<NodeAddress, StatefulRedisConnection<String, String>> connections) {
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("health prober closed"));
        }
        StatefulRedisConnection<String, String> existing = connections.get(node);
        if (existing != null) {
            if (existing.isOpen()) {
                return CompletableFuture.completedFuture(existing);
            }
            // Closed but still ours: the server closed it, and the disconnect event has not run yet.
            if (connections.remove(node, existing)) {
                onServerClose.accept(node);
            }
        }
        RedisURI redisUri = ControlPlaneClients.uri(node, timeout, user, password);
        redisUri.setClientName("respproxy-health");
        return client.connectAsync(io.lettuce.core.codec.StringCodec.UTF8, redisUri)
                .toCompletableFuture()
                .thenApply(conn -> {
                    if (closed) { // dialled while close() ran
                        conn.closeAsync();
                        throw new IllegalStateException("health prober closed");
                    }
                    StatefulRedisConnection<String, String> previous = connections.put(node, conn);
                    if (previous != null && previous != conn) {
                        previous.closeAsync();
                    }
                    return conn;
                });
    }

    private static void dropConnection(NodeAddress node, StatefulRedisConnection<String, String> conn,
                                       Map<NodeAddress, StatefulRedisConnection<String, String>> connections) {
        connections.remove(node, conn);
        conn.closeAsync();
    }

    /**
     * A one-line reason without secrets (exception messages from Lettuce never carry the password),
     * for logs and errors: the cause inside a CompletionException, "timeout" for a timeout.
     */
    public static String describe(Throwable e) {
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
        closed = true;
        // Out of the maps first, so their closing is not reported as the server's doing; the
        // client's shutdown closes them (closing them here too only makes Lettuce warn).
        probeConnections.clear();
        roleConnections.clear();
        try { // Lettuce's shutdown() waits without bound for every channel close to be reported
            client.shutdownAsync(0, 2, TimeUnit.SECONDS).get(3, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            org.slf4j.LoggerFactory.getLogger(NodeProber.class)
                    .warn("health prober: Lettuce did not close cleanly ({}); going on", describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
