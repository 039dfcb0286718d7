package io.respproxy.testkit.containers;

import io.respproxy.testkit.Credentials;
import io.respproxy.testkit.RedisEndpoint;
import io.respproxy.testkit.RedisProvider;
import io.respproxy.testkit.RunningRedis;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * A standalone Redis in a Docker container, for machines with a Docker engine. Testcontainers is an
 * optional dependency of the testkit: only load this class where it is on the classpath.
 * Only standalone for now; the process provider remains the default for every topology.
 */
public final class TestcontainersRedisProvider implements RedisProvider {

    private final DockerImageName image;

    /** Uses {@code redis:7.0}. */
    public TestcontainersRedisProvider() {
        this(DockerImageName.parse("redis:7.0"));
    }

    public TestcontainersRedisProvider(DockerImageName image) {
        this.image = image;
    }

    @Override
    public String name() {
        return "testcontainers";
    }

    @Override
    public boolean isAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    @Override
    public RunningRedis startStandalone(Credentials auth) {
        List<String> cmd = new ArrayList<>(List.of("redis-server", "--save", "", "--appendonly", "no"));
        if (auth != null && auth.isAclUser()) {
            cmd.addAll(List.of("--user", "default", "off", "--user", auth.user(), "on", ">" + auth.password(),
                    "~*", "&*", "+@all"));
        } else if (auth != null) {
            cmd.addAll(List.of("--requirepass", auth.password()));
        }
        GenericContainer<?> c = new GenericContainer<>(image).withExposedPorts(6379)
                .withCommand(cmd.toArray(String[]::new))
                .waitingFor(Wait.forLogMessage(".*Ready to accept connections.*", 1));
        c.start();
        return new RunningRedis() {
            @Override
            public RedisEndpoint endpoint() {
                return new RedisEndpoint(c.getHost(), c.getMappedPort(6379));
            }

            @Override
            public Optional<Credentials> credentials() {
                return Optional.ofNullable(auth);
            }

            @Override
            public void close() {
                c.stop();
            }
        };
    }

    @Override
    public String toString() {
        return name();
    }
}
