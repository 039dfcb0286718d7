package io.respproxy.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/** The redis-server 6.2 binaries shipped as resources at the root of the embedded-redis jar. */
final class BundledRedisBinary {

    private BundledRedisBinary() {
    }

    /** Resource name for an OS and architecture, as {@code os.name} / {@code os.arch} spell them. */
    static String resourceFor(String osName, String osArch) {
        String os = osName.toLowerCase(Locale.ROOT);
        String arch = osArch.toLowerCase(Locale.ROOT);
        boolean x64 = arch.equals("amd64") || arch.equals("x86_64");
        boolean arm64 = arch.equals("aarch64") || arch.equals("arm64");
        if (os.contains("linux") && x64) {
            return "redis-server-6.2.6-v5-linux-amd64";
        }
        if (os.contains("linux") && arm64) {
            return "redis-server-6.2.7-linux-arm64";
        }
        if (os.contains("mac") && x64) {
            return "redis-server-6.2.6-v5-darwin-amd64";
        }
        if (os.contains("mac") && arm64) {
            return "redis-server-6.2.6-v5-darwin-arm64";
        }
        throw new IllegalStateException("no redis-server on PATH, REDIS_SERVER unset, and no bundled binary for "
                + osName + "/" + osArch);
    }

    /**
     * Extracts the binary for this machine once, as {@code bin/<resource>/redis-server}. Named
     * {@code redis-server} so the process shows up as one; written to a temp file and moved into place
     * so concurrent JVMs never run a half-written file.
     */
    static Path extract() {
        String resource = resourceFor(System.getProperty("os.name"), System.getProperty("os.arch"));
        Path dir = TestkitDirs.createDirs(TestkitDirs.bin().resolve(resource));
        Path target = dir.resolve("redis-server");
        if (Files.isExecutable(target)) {
            return target;
        }
        try (InputStream in = BundledRedisBinary.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("resource " + resource + " not on the classpath (embedded-redis jar)");
            }
            Path tmp = Files.createTempFile(dir, "redis-server", ".part");
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            if (!tmp.toFile().setExecutable(true, false)) {
                throw new IOException("cannot chmod +x " + tmp);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract bundled " + resource, e);
        }
    }
}
