package io.respproxy.testkit;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A set of redis-server / Sentinel processes on 127.0.0.1 started for a test. Close it in a
 * try-with-resources: close kills every process it started, by pid, and removes its directory.
 *
 * <p>Fault injection is on {@link RedisNode}; the methods here are shorthands.
 */
public interface RedisTopology extends AutoCloseable {

    /** Every node, data nodes first, then Sentinels; in start order. */
    List<RedisNode> nodes();

    /** The credentials data nodes require, if any. */
    Optional<Credentials> credentials();

    /** The binary every node runs. */
    RedisBinary binary();

    /** Every pid any node of this topology ever ran as, including before restarts. */
    default Set<Long> startedPids() {
        return nodes().stream().flatMap(n -> n.startedPids().stream())
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    /** SIGKILL {@code node}. */
    default void kill(RedisNode node) {
        node.kill();
    }

    /** SIGSTOP {@code node}. */
    default void pause(RedisNode node) {
        node.pause();
    }

    /** SIGCONT {@code node}. */
    default void resume(RedisNode node) {
        node.resume();
    }

    /** Start {@code node} again on its port and dir (killing it first if it runs). */
    default void restart(RedisNode node) {
        node.restart();
    }

    /** Kills every process, shuts the admin client down and deletes the topology's directory. */
    @Override
    void close();
}
