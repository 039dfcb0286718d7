package io.respproxy.testkit;

/**
 * Where a standalone Redis for a test comes from: a local process (the default,
 * {@link #processes()}) or, where a Docker engine exists, a container
 * ({@code io.respproxy.testkit.containers.TestcontainersRedisProvider}).
 */
public interface RedisProvider {

    /** A short name for test reports: {@code process}, {@code testcontainers}. */
    String name();

    /** False if this provider cannot run here (e.g. no Docker engine). */
    boolean isAvailable();

    /** Starts a standalone Redis, requiring {@code auth} if not null. */
    RunningRedis startStandalone(Credentials auth);

    /** The default provider: redis-server processes on loopback. */
    static RedisProvider processes() {
        return new RedisProvider() {
            @Override
            public String name() {
                return "process";
            }

            @Override
            public boolean isAvailable() {
                return true;
            }

            @Override
            public RunningRedis startStandalone(Credentials auth) {
                return RedisTopologies.standalone().credentials(auth).start();
            }

            @Override
            public String toString() {
                return name();
            }
        };
    }
}
