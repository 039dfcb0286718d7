package io.respproxy.proxy.cli;

import io.respproxy.proxy.server.DataPlane;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import io.respproxy.proxy.config.ConfigException;
import io.respproxy.proxy.config.ConfigProblem;
import io.respproxy.proxy.config.ConfigSummary;
import io.respproxy.proxy.config.ProxyConfig;
import io.respproxy.proxy.config.ProxyConfigLoader;
import io.respproxy.proxy.config.ProtectedMode;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code respproxy run -c FILE}: loads the configuration, starts the daemon and runs until
 * SIGTERM or SIGINT, which stop it gracefully (drain) and exit 0. SIGHUP reloads the file.
 */
final class RunCommand implements Command {
    private static final Logger log = LoggerFactory.getLogger(RunCommand.class);

    private final DataPlane.Factory dataPlanes;

    RunCommand(DataPlane.Factory dataPlanes) {
        this.dataPlanes = dataPlanes;
    }

    @Override
    public String summary() {
        return "-c FILE   run the proxy";
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) throws Exception {
        Optional<Path> file = ConfigOption.parse(args, err);
        if (file.isEmpty()) {
            return Main.USAGE;
        }
        ProxyConfig config;
        try {
            config = ProxyConfigLoader.load(file.get());
        } catch (ConfigException e) {
            for (ConfigProblem p : e.problems()) {
                err.println(p);
            }
            err.println("respproxy: not started: configuration file " + file.get() + " is invalid");
            return 1;
        }
        String memory = DirectMemoryCheck.problem(config.maxMemoryClients(),
                io.netty.util.internal.PlatformDependent.maxDirectMemory());
        if (memory != null) {
            err.println("respproxy: not started: " + memory);
            return 1;
        }
        applyLogLevel(config.logLevel());
        log.info("respproxy {} starting with {}", VersionCommand.version(), file.get());
        ConfigSummary.lines(config).forEach(line -> log.info("{}", line));
        warnAboutProtectedMode(config);

        Daemon daemon = new Daemon(config, dataPlanes);
        return Lifecycle.runUntilStopped(daemon, config, () -> { }, () -> reload(daemon, file.get()));
    }

    /**
     * SIGHUP: reads {@code file} again; a valid configuration is applied to the running daemon
     * (what needs a restart is said so), an invalid one is rejected with its problems logged and
     * the running configuration kept.
     */
    private static void reload(Daemon daemon, Path file) {
        log.info("SIGHUP: reloading {}", file);
        ProxyConfig next;
        try {
            next = ProxyConfigLoader.load(file);
        } catch (ConfigException e) {
            for (ConfigProblem p : e.problems()) {
                log.error("reload: {}", p);
            }
            log.warn("reload rejected: {} is invalid; the running configuration is kept", file);
            return;
        }
        applyLogLevel(next.logLevel());
        List<String> restart = daemon.reload(next);
        restart.forEach(r -> log.warn("reload: {} needs a restart; the running one is kept", r));
        log.info("reload of {} applied{}", file, restart.isEmpty() ? "" : " (" + restart.size() + " change"
                + (restart.size() == 1 ? "" : "s") + " need a restart)");
    }

    /** A service that silently refuses remote clients would look like a network problem. */
    private static void warnAboutProtectedMode(ProxyConfig config) {
        config.services().forEach((name, s) -> {
            boolean remote = s.listeners().stream().anyMatch(l -> !isLoopback(l.address().host()));
            if (remote && (s.protectedMode() == ProtectedMode.YES
                    || (s.protectedMode() == ProtectedMode.AUTO && s.users().isEmpty()))) {
                log.warn("service {}: protected mode: only loopback clients are accepted"
                        + " (configure users, or set protected-mode = no)", name);
            }
        });
    }

    private static boolean isLoopback(String host) {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
    }

    /** Sets the root level from respproxy.log-level (logback is the binding we ship). */
    private static void applyLogLevel(String level) {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.toLevel(level, Level.INFO));
        }
    }
}
