package io.respproxy.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lookup order with a fake environment: scripts that print a version stand in for redis-server. */
class RedisBinaryLocatorTest {

    @TempDir
    Path tmp;

    private Path fakeServer(String dir, String version) throws Exception {
        Path d = Files.createDirectories(tmp.resolve(dir));
        Path f = d.resolve("redis-server");
        Files.writeString(f, "#!/bin/sh\necho 'Redis server v=" + version + " sha=00000000:0 bits=64'\n");
        assertTrue(f.toFile().setExecutable(true));
        return f;
    }

    private final Supplier<Path> noBundle = () -> {
        throw new AssertionError("bundle must not be used");
    };

    @Test
    void redisServerEnvWinsOverPath() throws Exception {
        Path explicit = fakeServer("explicit", "6.2.11");
        fakeServer("onpath", "7.0.15");
        RedisBinary b = new RedisBinaryLocator(Map.of("REDIS_SERVER", explicit.toString(),
                "PATH", tmp.resolve("onpath").toString()), noBundle).locate();
        assertEquals(explicit, b.path());
        assertEquals(new RedisVersion(6, 2, 11), b.version());
        assertEquals("REDIS_SERVER", b.source());
    }

    @Test
    void firstPathEntryWithRedisServerWins() throws Exception {
        fakeServer("second", "7.2.4");
        fakeServer("third", "7.0.15");
        String path = String.join(File.pathSeparator, tmp.resolve("empty").toString(), "",
                tmp.resolve("second").toString(), tmp.resolve("third").toString());
        RedisBinary b = new RedisBinaryLocator(Map.of("PATH", path), noBundle).locate();
        assertEquals(tmp.resolve("second/redis-server"), b.path());
        assertEquals("PATH", b.source());
        assertTrue(b.version().isAtLeast(7, 2));
    }

    @Test
    void bundledBinaryWhenNothingElseIsThere() throws Exception {
        Path bundled = fakeServer("bundle", "6.2.6");
        RedisBinary b = new RedisBinaryLocator(Map.of("PATH", tmp.resolve("nothing").toString()), () -> bundled)
                .locate();
        assertEquals(bundled, b.path());
        assertEquals("bundled", b.source());
    }

    @Test
    void brokenRedisServerEnvIsAnErrorNotAFallback() throws Exception {
        fakeServer("onpath", "7.0.15");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new RedisBinaryLocator(
                Map.of("REDIS_SERVER", tmp.resolve("missing").toString(), "PATH", tmp.resolve("onpath").toString()),
                noBundle).locate());
        assertTrue(e.getMessage().contains("REDIS_SERVER"));
    }

    @Test
    void bundledResourcePerPlatform() {
        assertEquals("redis-server-6.2.6-v5-linux-amd64", BundledRedisBinary.resourceFor("Linux", "amd64"));
        assertEquals("redis-server-6.2.7-linux-arm64", BundledRedisBinary.resourceFor("Linux", "aarch64"));
        assertEquals("redis-server-6.2.6-v5-darwin-amd64", BundledRedisBinary.resourceFor("Mac OS X", "x86_64"));
        assertEquals("redis-server-6.2.6-v5-darwin-arm64", BundledRedisBinary.resourceFor("Mac OS X", "aarch64"));
        assertThrows(IllegalStateException.class, () -> BundledRedisBinary.resourceFor("Windows 11", "amd64"));
    }

    @Test
    void bundledBinaryExtractsAndRuns() {
        // The real jar resource: proves a machine without Redis still gets a working binary.
        Path p = BundledRedisBinary.extract();
        assertTrue(Files.isExecutable(p));
        assertEquals(6, RedisBinaryLocator.version(p).major());
    }
}
