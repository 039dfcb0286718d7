package io.respproxy.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lettuce.core.RedisURI;
import io.respproxy.testkit.containers.TestcontainersRedisProvider;
import io.respproxy.testkit.junit.ProviderAssumptions;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ProviderIT {

    static Stream<RedisProvider> providers() {
        return Stream.of(RedisProvider.processes(), new TestcontainersRedisProvider());
    }

    /** Runs on processes everywhere; on Testcontainers only where a Docker engine exists (skipped here). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("providers")
    void standaloneFromAnyProviderServesAuthenticatedClients(RedisProvider provider) {
        ProviderAssumptions.assumeAvailable(provider);
        try (RunningRedis redis = provider.startStandalone(Credentials.password("pw"))) {
            RedisURI uri = RedisURI.builder().withHost(redis.endpoint().host()).withPort(redis.endpoint().port())
                    .withPassword("pw".toCharArray()).build();
            assertEquals("PONG", Clients.with(uri, c -> c.ping()));
        }
    }
}
