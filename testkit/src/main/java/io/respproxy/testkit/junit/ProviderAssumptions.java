package io.respproxy.testkit.junit;

import io.respproxy.testkit.RedisProvider;
import org.junit.jupiter.api.Assumptions;

/** JUnit glue for {@link RedisProvider}s; needs the optional JUnit dependency. */
public final class ProviderAssumptions {

    private ProviderAssumptions() {
    }

    /** Skips (not fails) the test when {@code provider} cannot run here, saying why. */
    public static void assumeAvailable(RedisProvider provider) {
        Assumptions.assumeTrue(provider.isAvailable(), () -> "skipped: Redis provider '" + provider.name()
                + "' is not available here" + ("testcontainers".equals(provider.name())
                ? " (no Docker engine: DockerClientFactory.instance().isDockerAvailable() is false)" : ""));
    }
}
