package io.respproxy.proxy.cli;

import io.respproxy.proxy.server.DataPlane;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.respproxy.proxy.admin.AdminServer;
import io.respproxy.proxy.admin.ReadyState;
import io.respproxy.proxy.config.HostPort;
import io.respproxy.proxy.config.ProxyConfig;
import java.net.InetSocketAddress;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running proxy: the admin port plus a {@link DataPlane}. Start order is data plane, then
 * admin (so /readyz never answers for listeners that are not bound yet); stop order is not-ready
 * first (so load balancers drain us), then the data plane, then admin.
 */
public final class Daemon {
    private static final Logger log = LoggerFactory.getLogger(Daemon.class);

    /** The configuration running now: replaced by a reload. */
    private volatile ProxyConfig config;
    private final MetricRegistry metrics = new MetricRegistry();
    private final DataPlane dataPlane;
    private final long startNanos = System.nanoTime();
    private AdminServer admin;
    private InetSocketAddress adminAddress;
    private volatile boolean stopping;
    private boolean started;

    /** A daemon whose data plane {@code factory} builds from the config and the daemon's metrics. */
    public Daemon(ProxyConfig config, DataPlane.Factory factory) {
        this.config = config;
        metrics.register("respproxy.uptime_seconds", (Gauge<Double>) () -> (System.nanoTime() - startNanos) / 1e9);
        metrics.register("respproxy.services", (Gauge<Integer>) () -> config.services().size());
        this.dataPlane = factory.create(config, metrics);
    }

    /** Starts the data plane and the admin port; on failure stops what started and rethrows. */
    public synchronized void start() throws Exception {
        if (started) {
            throw new IllegalStateException("already started");
        }
        started = true;
        try {
            dataPlane.start();
            if (config.adminListen().isPresent()) {
                HostPort listen = config.adminListen().get();
                admin = new AdminServer(new InetSocketAddress(listen.host(), listen.port()), metrics,
                        dataPlane.collectors(), this::readiness, dataPlane::topologyJson, dataPlane::switchover);
                adminAddress = admin.start();
                log.info("admin HTTP listening on {}", adminAddress);
            }
        } catch (Exception | Error e) {
            stop();
            throw e;
        }
    }

    /** For /readyz: not ready once stopping, else as the data plane says (with its reasons). */
    private ReadyState readiness() {
        if (stopping) {
            return ReadyState.STOPPING;
        }
        var r = dataPlane.readiness();
        return new ReadyState(r.ready(), r.json());
    }

    /** The admin port's bound address, if it is enabled and started. */
    public synchronized Optional<InetSocketAddress> adminAddress() {
        return Optional.ofNullable(adminAddress);
    }

    /** The registry every component reports into; /metrics exposes it. */
    public MetricRegistry metrics() {
        return metrics;
    }

    /** How long a stop waits for in-flight commands (the running configuration's). */
    public java.time.Duration drainTimeout() {
        return config.drainTimeout();
    }

    /**
     * Applies {@code next} to the running daemon without dropping a client connection; returns
     * what it could not apply and needs a restart (listeners, services added or removed, the
     * admin port, the event loops).
     */
    public synchronized java.util.List<String> reload(ProxyConfig next) {
        java.util.List<String> restart = new java.util.ArrayList<>(dataPlane.reload(next));
        if (!next.adminListen().equals(config.adminListen())) {
            restart.add("admin.listen");
        }
        if (next.eventLoops() != config.eventLoops()) {
            restart.add("event-loops");
        }
        if (next.maxMemoryClients() != config.maxMemoryClients()) {
            restart.add("max-memory-clients"); // the JVM's direct memory was sized for it at start
        }
        config = next;
        return restart;
    }

    /** Drains and stops everything. Idempotent. */
    public synchronized void stop() {
        if (stopping) {
            return;
        }
        stopping = true;
        try {
            dataPlane.stop(config.drainTimeout());
        } catch (RuntimeException e) {
            log.warn("data plane did not stop cleanly", e);
        }
        if (admin != null) {
            admin.close();
            admin = null;
            adminAddress = null;
        }
    }
}
