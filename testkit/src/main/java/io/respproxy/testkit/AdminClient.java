package io.respproxy.testkit;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import io.lettuce.core.sentinel.api.sync.RedisSentinelCommands;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Lettuce for the testkit's own admin commands (ROLE, INFO, CLUSTER ..., SENTINEL ...). One per
 * topology, with one small {@link ClientResources}, shut down on close.
 *
 * <p>Each call opens a short-lived connection: nodes are killed and restarted under us, and a fresh
 * connection per call means no reconnect logic to reason about. On loopback that costs well under a ms.
 */
final class AdminClient implements AutoCloseable {

    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(3);

    private final ClientResources resources;
    private final RedisClient client;

    AdminClient() {
        resources = DefaultClientResources.builder().ioThreadPoolSize(1).computationThreadPoolSize(1).build();
        client = RedisClient.create(resources);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(false)
                .socketOptions(SocketOptions.builder().connectTimeout(DEFAULT_TIMEOUT).build())
                .timeoutOptions(TimeoutOptions.enabled(DEFAULT_TIMEOUT))
                .build());
    }

    static RedisURI uri(RedisEndpoint endpoint, Credentials auth, Duration timeout) {
        RedisURI.Builder b = RedisURI.builder().withHost(endpoint.host()).withPort(endpoint.port()).withTimeout(timeout);
        if (auth != null && auth.isAclUser()) {
            b.withAuthentication(auth.user(), auth.password());
        } else if (auth != null) {
            b.withPassword(auth.password().toCharArray());
        }
        return b.build();
    }

    /** Runs {@code fn} on a data node (or a Sentinel, for commands like ROLE and PING). */
    <T> T call(RedisEndpoint endpoint, Credentials auth, Duration timeout, Function<RedisCommands<String, String>, T> fn) {
        try (StatefulRedisConnection<String, String> c = client.connect(uri(endpoint, auth, timeout))) {
            c.setTimeout(timeout);
            return fn.apply(c.sync());
        }
    }

    <T> T call(RedisEndpoint endpoint, Credentials auth, Function<RedisCommands<String, String>, T> fn) {
        return call(endpoint, auth, DEFAULT_TIMEOUT, fn);
    }

    /** Runs {@code fn} on a Sentinel. */
    <T> T callSentinel(RedisEndpoint endpoint, Credentials auth, Function<RedisSentinelCommands<String, String>, T> fn) {
        try (StatefulRedisSentinelConnection<String, String> c =
                     client.connectSentinel(uri(endpoint, auth, DEFAULT_TIMEOUT))) {
            return fn.apply(c.sync());
        }
    }

    @Override
    public void close() {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5_000);
    }
}
