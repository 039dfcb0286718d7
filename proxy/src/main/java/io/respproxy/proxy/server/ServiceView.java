package io.respproxy.proxy.server;

import io.respproxy.health.StaticShardBuilder;
import io.respproxy.proxy.service.ServiceRuntime;
import java.util.List;

/**
 * One service as the admin port shows it: the runtime, its mode, the replica rule its health
 * settings give (to say why a replica serves no reads), and its readiness, computed once per
 * topology snapshot.
 */
record ServiceView(ServiceRuntime runtime, String mode, StaticShardBuilder replicaRule, ServiceReadiness readiness) {

    ServiceView(ServiceRuntime runtime, String mode, StaticShardBuilder replicaRule) {
        this(runtime, mode, replicaRule, new ServiceReadiness());
    }

    String name() {
        return runtime.name();
    }

    /** Why the service cannot serve now, or null when it can (see {@link ServiceReadiness}). */
    String notReadyReason(ProxyServer server) {
        return readiness.reason(runtime.topology(), server.unboundListeners(runtime));
    }

    /** Every data node's report, judged against {@code t} (read once by the caller). */
    List<NodeReport> nodes(io.respproxy.routing.Topology t) {
        return NodeReport.of(t, runtime.facts().nodeStates(), replicaRule);
    }

    /** Nanoseconds since the current snapshot was published, or -1 before the first. */
    long topologyAgeNanos() {
        long at = runtime.stats().topologyChangedNanos;
        return at == 0 ? -1 : System.nanoTime() - at;
    }
}
