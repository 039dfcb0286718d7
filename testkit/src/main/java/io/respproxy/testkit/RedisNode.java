package io.respproxy.testkit;

import io.lettuce.core.RedisURI;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One redis-server (or Sentinel) process on 127.0.0.1, in its own directory, with fault injection:
 * {@link #kill()} (SIGKILL), {@link #pause()} / {@link #resume()} (SIGSTOP / SIGCONT) and
 * {@link #restart()} on the same port and dir. Owned by a topology, which stops it on close.
 */
public final class RedisNode {

    private static final Logger LOG = LoggerFactory.getLogger(RedisNode.class);
    private static final int PORT_ATTEMPTS = 3;

    private final String name;
    private final boolean sentinel;
    private final Path dir;
    private final Path configFile;
    private final Path logFile;
    private final RedisBinary binary;
    private final Credentials auth;
    private final AdminClient admin;
    private final Duration startTimeout;
    private final List<Long> startedPids = new ArrayList<>();
    private int port;
    private Process process;
    private boolean paused;

    private RedisNode(String name, boolean sentinel, Path dir, RedisBinary binary, Credentials auth,
                      AdminClient admin, Duration startTimeout) {
        this.name = name;
        this.sentinel = sentinel;
        this.dir = TestkitDirs.createDirs(dir);
        this.configFile = dir.resolve(sentinel ? "sentinel.conf" : "redis.conf");
        this.logFile = dir.resolve(sentinel ? "sentinel.log" : "redis.log");
        this.binary = binary;
        this.auth = auth;
        this.admin = admin;
        this.startTimeout = startTimeout;
    }

    /**
     * Starts a node on a fresh port, trying another port if a different JVM took it between
     * allocation and bind.
     *
     * @param config the config file's lines for a given port
     */
    static RedisNode start(String name, boolean sentinel, Path topologyDir, RedisBinary binary, Credentials auth,
                           AdminClient admin, Duration startTimeout, IntFunction<List<String>> config) {
        RedisNode node = new RedisNode(name, sentinel, topologyDir.resolve(name), binary, auth, admin, startTimeout);
        for (int attempt = 1; ; attempt++) {
            int port = PortAllocator.shared().allocate();
            node.port = port;
            node.writeConfig(config.apply(port));
            try {
                node.launch();
                return node;
            } catch (RuntimeException e) {
                node.kill();
                if (attempt >= PORT_ATTEMPTS || !node.logTail().contains("Address already in use")) {
                    throw e;
                }
                LOG.info("{}: port {} was taken, retrying on another", name, port);
            }
        }
    }

    private void writeConfig(List<String> lines) {
        try {
            // Writable on purpose: Sentinel and CONFIG REWRITE rewrite it.
            Files.writeString(configFile, RedisConf.render(lines), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private synchronized void launch() {
        List<String> cmd = new ArrayList<>(List.of(binary.path().toString(), configFile.toString()));
        if (sentinel) {
            cmd.add("--sentinel");
        }
        try {
            process = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(Redirect.appendTo(logFile.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + cmd, e);
        }
        paused = false;
        startedPids.add(process.pid());
        PidRegistry.get().register(process, dir);
        awaitAnswering();
        LOG.debug("{} up on {} (pid {})", name, endpoint(), process.pid());
    }

    /** Any reply to PING, even -NOAUTH, means the server is accepting commands; -LOADING means not yet. */
    private void awaitAnswering() {
        Process p = process;
        Poll.untilTrue(startTimeout, name + " to answer PING on " + endpoint() + ", log " + logFile, () -> {
            if (!p.isAlive()) {
                throw new IllegalStateException(name + " exited with " + p.exitValue() + ": " + logTail());
            }
            return RawPing.ping(endpoint(), Duration.ofMillis(500)).filter(r -> !r.startsWith("-LOADING")).isPresent();
        });
    }

    /** SIGKILL, then wait until the process is gone. No-op if it is not running. */
    public synchronized void kill() {
        Process p = process;
        if (p == null) {
            return;
        }
        p.destroyForcibly();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException(name + " (pid " + p.pid() + ") survived SIGKILL for 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        PidRegistry.get().unregister(p);
        process = null;
        paused = false;
    }

    /** SIGSTOP: the process keeps its sockets but answers nothing, like a node stuck in a long GC-free stall. */
    public synchronized void pause() {
        signal("-STOP");
        paused = true;
    }

    /** SIGCONT after {@link #pause()}. */
    public synchronized void resume() {
        signal("-CONT");
        paused = false;
    }

    /** Kills the node if it runs, then starts it again on the same port, dir and (possibly rewritten) config. */
    public synchronized void restart() {
        kill();
        launch();
    }

    private void signal(String sig) {
        long pid = pid();
        try {
            Process k = new ProcessBuilder("kill", sig, Long.toString(pid)).redirectErrorStream(true).start();
            if (!k.waitFor(10, TimeUnit.SECONDS) || k.exitValue() != 0) {
                throw new IllegalStateException("kill " + sig + " " + pid + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** What the node says it is, via {@code ROLE}. */
    public NodeRole role() {
        return admin.call(endpoint(), auth, c -> NodeRole.fromRoleReply(String.valueOf(c.role().get(0))));
    }

    /** True if an authenticated PING gets PONG within {@code timeout}. */
    public boolean ping(Duration timeout) {
        try {
            return "PONG".equals(admin.call(endpoint(), auth, timeout, c -> c.ping()));
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** A Lettuce URI for this node, with the topology's credentials. */
    public RedisURI redisUri() {
        return AdminClient.uri(endpoint(), auth, AdminClient.DEFAULT_TIMEOUT);
    }

    /** {@code dir/redis.log} or {@code dir/sentinel.log}: stdout and stderr of every run, appended. */
    public Path logFile() {
        return logFile;
    }

    /** The last lines of the log, for failure messages. */
    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** The pid of the running process. @throws IllegalStateException if it is not running */
    public synchronized long pid() {
        return currentPid().orElseThrow(() -> new IllegalStateException(name + " is not running"));
    }

    synchronized Optional<Long> currentPid() {
        return process == null ? Optional.empty() : Optional.of(process.pid());
    }

    /** Every pid this node ever ran as (one per start/restart). */
    public synchronized List<Long> startedPids() {
        return List.copyOf(startedPids);
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    public synchronized boolean isPaused() {
        return paused;
    }

    public String name() {
        return name;
    }

    public boolean isSentinel() {
        return sentinel;
    }

    public synchronized RedisEndpoint endpoint() {
        return RedisEndpoint.loopback(port);
    }

    public String host() {
        return RedisEndpoint.LOOPBACK;
    }

    public synchronized int port() {
        return port;
    }

    /** The node's own directory: config file, log, nodes.conf, dump.rdb. */
    public Path dir() {
        return dir;
    }

    Credentials auth() {
        return auth;
    }

    AdminClient admin() {
        return admin;
    }

    @Override
    public String toString() {
        return name + "@" + endpoint();
    }
}
