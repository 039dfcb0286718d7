package io.respproxy.proxy.server;

import io.respproxy.routing.SwitchoverResult;
import java.util.concurrent.CompletableFuture;

import com.codahale.metrics.MetricRegistry;
import io.prometheus.client.Collector;
import java.util.List;
import io.respproxy.proxy.config.ProxyConfig;
import java.time.Duration;

/**
 * The seam where the data path plugs into the {@link Daemon}: client listeners, backend pools,
 * topology and health. The daemon owns the lifecycle and the admin port; a data plane owns
 * everything that serves Redis traffic.
 */
public interface DataPlane {

    /** Binds the listeners and starts the control plane. Called once. */
    void start() throws Exception;

    /**
     * Stops accepting clients, lets in-flight commands finish for up to {@code drainTimeout}, then
     * closes everything. Called once, after a successful or failed {@link #start()}.
     */
    void stop(Duration drainTimeout);

    /** True while this proxy can serve traffic (a master known for every service); for /readyz. */
    boolean ready();

    /** {@link #ready()} with the reason per service that is not, for /readyz. */
    default Readiness readiness() {
        return Readiness.of(ready());
    }

    /** The current topology as a JSON object, for /topology. */
    String topologyJson();

    /** Metric families beyond the Dropwizard registry (labelled, per service), for /metrics. */
    default List<Collector> collectors() {
        return List.of();
    }

    /**
     * Moves {@code service}'s master role to a replica without losing a write (see
     * {@link io.respproxy.routing.TopologySource#switchover}); fails for an unknown service or a
     * mode that cannot. For {@code POST /services/NAME/switchover} and {@code respproxy switchover}.
     */
    default CompletableFuture<SwitchoverResult> switchover(String service, Duration timeout) {
        return CompletableFuture.failedFuture(new java.util.NoSuchElementException("no service named '" + service + "'"));
    }

    /**
     * Applies {@code next} without dropping client connections (users, deny list, limits, failover
     * and read-port settings; a service's topology settings, nat map and health settings rebuild
     * its topology source); returns what needs a restart instead.
     */
    default java.util.List<String> reload(io.respproxy.proxy.config.ProxyConfig next) {
        return java.util.List.of("this data plane cannot reload: everything");
    }

    /** Builds the data plane for a configuration, registering its metrics in {@code metrics}. */
    @FunctionalInterface
    interface Factory {
        DataPlane create(ProxyConfig config, MetricRegistry metrics);
    }

    /** A data plane that serves nothing: the daemon with only its admin port. */
    static DataPlane none() {
        return new DataPlane() {
            @Override
            public void start() {}

            @Override
            public void stop(Duration drainTimeout) {}

            @Override
            public boolean ready() {
                return true;
            }

            @Override
            public String topologyJson() {
                return "{}";
            }
        };
    }
}
