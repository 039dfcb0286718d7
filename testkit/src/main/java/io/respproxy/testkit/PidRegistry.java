package io.respproxy.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure no redis-server outlives the JVM that started it.
 *
 * <ul>
 *   <li>Every node process gets a pid file {@code pids/PID.pid} naming its dir and the owning JVM.</li>
 *   <li>A JVM shutdown hook kills every process this JVM still has running.</li>
 *   <li>At first use, a sweep kills leftovers of JVMs that died without running the hook (kill -9,
 *   OOM): only when the owning JVM is gone AND {@code /proc/PID/cmdline} is a redis-server AND
 *   {@code /proc/PID/cwd} is the node dir the file names, under the testkit's own dir. Anything else,
 *   including the nodes of other JVMs running tests right now, is left alone.</li>
 * </ul>
 */
final class PidRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(PidRegistry.class);

    /** Static because a shutdown hook is per JVM; this is the only state the hook needs. */
    private static final PidRegistry INSTANCE = new PidRegistry();

    private final Map<Long, Process> running = new ConcurrentHashMap<>();
    private final ProcessHandle self = ProcessHandle.current();

    private PidRegistry() {
        sweep(TestkitDirs.pids());
        Runtime.getRuntime().addShutdownHook(new Thread(this::killAll, "respproxy-testkit-reaper"));
    }

    static PidRegistry get() {
        return INSTANCE;
    }

    void register(Process process, Path nodeDir) {
        running.put(process.pid(), process);
        Properties p = new Properties();
        p.setProperty("dir", nodeDir.toAbsolutePath().normalize().toString());
        p.setProperty("owner", Long.toString(self.pid()));
        p.setProperty("ownerStart", self.info().startInstant().map(Instant::toString).orElse(""));
        try (OutputStream out = Files.newOutputStream(pidFile(process.pid()))) {
            p.store(out, "respproxy testkit node");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Call once the process is dead. */
    void unregister(Process process) {
        running.remove(process.pid());
        try {
            Files.deleteIfExists(pidFile(process.pid()));
        } catch (IOException ignored) {
            // a stale pid file is harmless: the sweep checks the process before it kills anything
        }
    }

    private void killAll() {
        running.values().forEach(p -> {
            p.destroyForcibly();
            unregister(p);
        });
    }

    private static Path pidFile(long pid) {
        return TestkitDirs.pids().resolve(pid + ".pid");
    }

    static void sweep(Path pidDir) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(pidDir, "*.pid")) {
            for (Path f : files) {
                sweepOne(f);
            }
        } catch (IOException e) {
            LOG.warn("pid sweep of {} failed: {}", pidDir, e.toString());
        }
    }

    private static void sweepOne(Path file) throws IOException {
        long pid;
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            pid = Long.parseLong(file.getFileName().toString().replace(".pid", ""));
            p.load(in);
        } catch (NumberFormatException | IOException e) {
            return; // not ours to judge
        }
        if (ownerAlive(p.getProperty("owner", ""), p.getProperty("ownerStart", ""))) {
            return;
        }
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isPresent() && h.get().isAlive() && isTestkitRedis(pid, Path.of(p.getProperty("dir", "/nonexistent")))) {
            LOG.warn("killing leftover testkit redis-server pid {} (dir {})", pid, p.getProperty("dir"));
            h.get().destroyForcibly();
        }
        Files.deleteIfExists(file);
    }

    private static boolean ownerAlive(String ownerPid, String ownerStart) {
        try {
            Optional<ProcessHandle> owner = ProcessHandle.of(Long.parseLong(ownerPid));
            // Compare start times too: the owner's pid may since belong to an unrelated process.
            return owner.isPresent() && owner.get().isAlive()
                    && owner.get().info().startInstant().map(Instant::toString).orElse("").equals(ownerStart);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** Without /proc (macOS) nothing can be proven, so nothing is killed. */
    static boolean isTestkitRedis(long pid, Path recordedDir) {
        try {
            Path proc = Path.of("/proc", Long.toString(pid));
            String cmdline = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8);
            Path cwd = proc.resolve("cwd").toRealPath();
            Path nodes = TestkitDirs.nodes().toRealPath();
            return cmdline.contains("redis-server") && cwd.startsWith(nodes)
                    && cwd.equals(recordedDir.toRealPath());
        } catch (IOException | SecurityException e) {
            return false;
        }
    }
}
