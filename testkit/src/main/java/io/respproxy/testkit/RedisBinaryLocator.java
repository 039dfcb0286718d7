package io.respproxy.testkit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** The lookup order behind {@link RedisBinary#locate()}, with the environment and bundle injectable. */
final class RedisBinaryLocator {

    static final String ENV_VAR = "REDIS_SERVER";

    private final Map<String, String> env;
    private final Supplier<Path> bundled;

    RedisBinaryLocator(Map<String, String> env, Supplier<Path> bundled) {
        this.env = env;
        this.bundled = bundled;
    }

    RedisBinary locate() {
        String explicit = env.get(ENV_VAR);
        if (explicit != null && !explicit.isBlank()) {
            // An explicit choice that does not work is an error, not a reason to quietly test another Redis.
            Path p = Path.of(explicit).toAbsolutePath();
            if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
                throw new IllegalStateException(ENV_VAR + "=" + explicit + " is not an executable file");
            }
            return new RedisBinary(p, version(p), ENV_VAR);
        }
        Optional<Path> onPath = findOnPath(env.get("PATH"));
        if (onPath.isPresent()) {
            return new RedisBinary(onPath.get(), version(onPath.get()), "PATH");
        }
        Path extracted = bundled.get();
        return new RedisBinary(extracted, version(extracted), "bundled");
    }

    static Optional<Path> findOnPath(String pathVar) {
        if (pathVar == null) {
            return Optional.empty();
        }
        for (String dir : pathVar.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, "redis-server");
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate.toAbsolutePath());
            }
        }
        return Optional.empty();
    }

    /** Runs {@code BINARY --version}, bounded: a broken binary must fail the lookup, not hang it. */
    static RedisVersion version(Path binary) {
        try {
            Process p = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(binary + " --version did not exit");
            }
            return RedisVersion.parse(new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + binary + " --version", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
