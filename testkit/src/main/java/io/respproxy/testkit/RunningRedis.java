package io.respproxy.testkit;

import java.util.Optional;

/**
 * A standalone Redis some {@link RedisProvider} started: a local process or a container. All a test
 * may rely on whichever provider ran it.
 */
public interface RunningRedis extends AutoCloseable {

    /** Where clients connect. */
    RedisEndpoint endpoint();

    /** What clients must present, if anything. */
    Optional<Credentials> credentials();

    /** Stops the server. */
    @Override
    void close();
}
