package io.respproxy.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The well-known directories under {@code ${java.io.tmpdir}/respproxy-testkit}: node dirs, pid files and
 * the extracted bundled binary. The pid sweep trusts only processes whose working dir lies under
 * {@link #nodes()}, so every node runs there.
 */
final class TestkitDirs {

    private TestkitDirs() {
    }

    static Path root() {
        return Path.of(System.getProperty("java.io.tmpdir"), "respproxy-testkit").toAbsolutePath().normalize();
    }

    static Path nodes() {
        return createDirs(root().resolve("nodes"));
    }

    static Path pids() {
        return createDirs(root().resolve("pids"));
    }

    static Path bin() {
        return createDirs(root().resolve("bin"));
    }

    /** A fresh directory for one topology's nodes. */
    static Path newTopologyDir(String kind) {
        try {
            return Files.createTempDirectory(nodes(), kind + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path createDirs(Path dir) {
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes a tree, best effort: a leftover temp file must not fail a test's close(). */
    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException ignored) {
            // best effort, see Javadoc
        }
    }
}
