package io.respproxy.proxy.server;

import io.respproxy.health.HealthSettings;
import io.respproxy.health.StaticShardBuilder;
import io.respproxy.proxy.service.ServiceRuntime;
import io.respproxy.routing.Topology;
import java.util.List;

/**
 * One service as the admin port shows it: the runtime, its mode, the replica rule its health
 * settings give (to say why a replica serves no reads; replaced when a reload changes them), and
 * its readiness, computed once per topology snapshot.
 */
final class ServiceView {

    private final ServiceRuntime runtime;
    private final String mode;
    private final ServiceReadiness readiness = new ServiceReadiness();
    private volatile StaticShardBuilder replicaRule;

    ServiceView(ServiceRuntime runtime, String mode, HealthSettings health) {
        this.runtime = runtime;
        this.mode = mode;
        this.replicaRule = new StaticShardBuilder(health);
    }

    ServiceRuntime runtime() {
        return runtime;
    }

    String mode() {
        return mode;
    }

    String name() {
        return runtime.name();
    }

    /** A reload changed the service's health settings (max-replica-lag...). */
    void healthSettings(HealthSettings health) {
        replicaRule = new StaticShardBuilder(health);
    }

    /** Why the service cannot serve now, or null when it can (see {@link ServiceReadiness}). */
    String notReadyReason(ProxyServer server) {
        return readiness.reason(runtime.topology(), server.unboundListeners(runtime));
    }

    /** Every data node's report, judged against {@code t} (read once by the caller). */
    List<NodeReport> nodes(Topology t) {
        return NodeReport.of(t, runtime.facts().nodeStates(), replicaRule);
    }

    /** Nanoseconds since the current snapshot was published, or -1 before the first. */
    long topologyAgeNanos() {
        long at = runtime.stats().topologyChangedNanos;
        return at == 0 ? -1 : System.nanoTime() - at;
    }
}
