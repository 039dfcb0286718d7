package io.respproxy.proxy.cli;

import io.respproxy.proxy.config.ProxyConfig;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a daemon until SIGTERM or SIGINT, then stops it gracefully (stop accepting, drain, close)
 * and returns 0, for {@code run} and {@code demo}. SIGHUP runs {@code onHangup} (a configuration
 * reload) on a thread of its own, one at a time; by default the JVM would stop on it, which would
 * make {@code systemctl reload} an outage. A shutdown hook still stops the daemon if the JVM is
 * asked to exit another way.
 */
final class Lifecycle {

    private static final Logger log = LoggerFactory.getLogger(Lifecycle.class);

    private Lifecycle() {}

    /**
     * Starts {@code daemon} and blocks until SIGTERM/SIGINT; then stops the daemon and runs
     * {@code afterStop} (the demo's throwaway Redis). Returns the exit status.
     */
    static int runUntilStopped(Daemon daemon, ProxyConfig config, Runnable afterStop, Runnable onHangup)
            throws InterruptedException {
        CountDownLatch stopRequested = new CountDownLatch(1);
        AtomicReference<String> cause = new AtomicReference<>("shutdown");
        AtomicBoolean stopped = new AtomicBoolean();
        Runnable stop = () -> {
            if (stopped.compareAndSet(false, true)) {
                log.info("stopping on {} (drain timeout {}s)", cause.get(), daemon.drainTimeout().toSeconds());
                daemon.stop();
                afterStop.run();
                log.info("stopped");
            }
        };
        Thread hook = new Thread(stop, "respproxy-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        ExecutorService reloads = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "respproxy-reload");
            t.setDaemon(true);
            return t;
        });
        Signals.handle("TERM", () -> {
            cause.set("SIGTERM");
            stopRequested.countDown();
        });
        Signals.handle("INT", () -> {
            cause.set("SIGINT");
            stopRequested.countDown();
        });
        Signals.handle("HUP", () -> reloads.execute(() -> {
            try {
                onHangup.run();
            } catch (RuntimeException e) {
                log.error("reload failed; the running configuration is kept", e);
            }
        }));
        try {
            daemon.start();
        } catch (Exception e) {
            log.error("respproxy failed to start: {}", e.toString());
            Runtime.getRuntime().removeShutdownHook(hook);
            daemon.stop();
            afterStop.run();
            return 1;
        }
        log.info("respproxy started");
        stopRequested.await();
        stop.run();
        reloads.shutdownNow();
        return 0;
    }

    /**
     * The JVM's signal API ({@code sun.misc.Signal}, module jdk.unsupported), reached by
     * reflection so the build stays free of internal-API warnings. Without it (another JVM),
     * SIGTERM and SIGINT still stop the daemon through the shutdown hook, and SIGHUP stops it too.
     */
    static final class Signals {

        private Signals() {}

        static void handle(String name, Runnable action) {
            try {
                Class<?> signal = Class.forName("sun.misc.Signal");
                Class<?> handler = Class.forName("sun.misc.SignalHandler");
                Object sig = signal.getConstructor(String.class).newInstance(name);
                Object proxy = java.lang.reflect.Proxy.newProxyInstance(handler.getClassLoader(),
                        new Class<?>[] {handler}, (p, method, args) -> {
                            if (method.getName().equals("handle")) {
                                action.run();
                            }
                            return null;
                        });
                signal.getMethod("handle", signal, handler).invoke(null, sig, proxy);
            } catch (ReflectiveOperationException | RuntimeException e) {
                log.warn("cannot handle SIG{} ({}); the JVM's default applies", name, e.toString());
            }
        }
    }
}
