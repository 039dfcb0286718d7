package io.respproxy.testkit;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.function.Function;

/** A user's view in ITs: a plain Lettuce client connection, opened and closed per use. */
final class Clients {

    private Clients() {
    }

    static <T> T with(RedisURI uri, Function<RedisCommands<String, String>, T> fn) {
        RedisClient client = RedisClient.create();
        try (StatefulRedisConnection<String, String> c = client.connect(uri)) {
            return fn.apply(c.sync());
        } finally {
            client.shutdown();
        }
    }

    /** The first reply line an unauthenticated client gets to PING, straight off the socket. */
    static String anonymousPing(RedisNode node) {
        return RawPing.ping(node.endpoint(), java.time.Duration.ofSeconds(2)).orElse("(no reply)");
    }

    /** The flags a Sentinel shows for {@code replica} of {@code masterName} ("" when it does not list it). */
    static String sentinelReplicaFlags(RedisNode sentinel, String masterName, RedisNode replica) {
        RedisClient client = RedisClient.create();
        try (var c = client.connectSentinel(sentinel.redisUri())) {
            for (java.util.Map<String, String> r : c.sync().replicas(masterName)) {
                if (String.valueOf(replica.port()).equals(r.get("port"))) {
                    return r.getOrDefault("flags", "");
                }
            }
            return "";
        } finally {
            client.shutdown();
        }
    }

    static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
