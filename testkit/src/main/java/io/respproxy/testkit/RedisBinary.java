package io.respproxy.testkit;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The redis-server executable the testkit runs, and its version. Sentinels run from the same binary
 * as {@code redis-server CONF --sentinel}.
 *
 * <p>{@link #locate()} looks, in order, at the {@code REDIS_SERVER} environment variable, then
 * {@code redis-server} on {@code PATH}, then the Linux/macOS binary bundled in the embedded-redis jar
 * (extracted once under {@code ${java.io.tmpdir}/respproxy-testkit/bin}), so tests run on a machine
 * with no Redis installed. Plain Java, no JUnit: {@code respproxy demo} uses it too.
 *
 * @param path    absolute path of the executable
 * @param version what {@code redis-server --version} printed
 * @param source  where it was found, e.g. {@code REDIS_SERVER}, {@code PATH}, {@code bundled}
 */
public record RedisBinary(Path path, RedisVersion version, String source) {

    private static final Logger LOG = LoggerFactory.getLogger(RedisBinary.class);

    public RedisBinary {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(source, "source");
    }

    /**
     * The binary for this JVM's environment, located once and cached; the first call logs one line
     * with path, version and source.
     *
     * @throws IllegalStateException if {@code REDIS_SERVER} is set but not executable, or nothing is found
     */
    public static RedisBinary locate() {
        return Cached.INSTANCE;
    }

    /** Locates with the given environment instead of the process's (for tests of the lookup order). */
    public static RedisBinary locate(Map<String, String> env) {
        return new RedisBinaryLocator(env, BundledRedisBinary::extract).locate();
    }

    /**
     * The redis-server 6.2 bundled in the embedded-redis jar, whatever else is installed: tests that
     * must also pass against the oldest supported Redis (no CLUSTER SHARDS) use it explicitly.
     */
    public static RedisBinary bundled() {
        Path p = BundledRedisBinary.extract();
        return new RedisBinary(p, RedisBinaryLocator.version(p), "bundled");
    }

    @Override
    public String toString() {
        return "redis-server " + version + " at " + path + " (" + source + ")";
    }

    /** Holder idiom: one lookup per JVM, thread-safe, and only when first used. */
    private static final class Cached {
        static final RedisBinary INSTANCE = locate(System.getenv());

        static {
            LOG.info("testkit uses {}", INSTANCE);
        }
    }
}
