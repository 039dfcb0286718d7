package io.respproxy.proxy.cli;

import io.respproxy.proxy.config.ProxyConfig;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs a daemon until SIGTERM/SIGINT, then stops it gracefully (drain), for {@code run} and {@code demo}. */
final class Lifecycle {

    private static final Logger log = LoggerFactory.getLogger(Lifecycle.class);

    private Lifecycle() {}

    /**
     * Starts {@code daemon} and blocks until the JVM is asked to stop; then stops the daemon and
     * runs {@code afterStop} (the demo's throwaway Redis). Returns the exit status.
     */
    static int runUntilStopped(Daemon daemon, ProxyConfig config, Runnable afterStop) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            log.info("stopping (drain timeout {}s)", config.drainTimeout().toSeconds());
            daemon.stop();
            afterStop.run();
            log.info("stopped");
            stopped.countDown();
        }, "respproxy-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
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
        // Only the shutdown hook counts this down; the JVM exits when the hook returns.
        stopped.await();
        return 0;
    }
}
