package io.respproxy.proxy.server;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the admin port shows of the running services: /readyz and /topology. Any thread. */
final class AdminViews {

    private final List<ServiceView> services;
    private final ProxyServer server;
    private final io.respproxy.proxy.service.ClientMemory clientMemory;

    AdminViews(List<ServiceView> services, ProxyServer server, io.respproxy.proxy.service.ClientMemory clientMemory) {
        this.clientMemory = clientMemory;
        this.services = List.copyOf(services);
        this.server = server;
    }

    /** Ready when every service is; the reason per service that is not. */
    Readiness readiness() {
        Map<String, String> reasons = new LinkedHashMap<>();
        for (ServiceView s : services) {
            reasons.put(s.name(), s.notReadyReason(server));
        }
        return Readiness.of(reasons);
    }

    /** {@code {"services":{"NAME":{...}}}}: see {@link TopologyJson}. */
    String topologyJson() {
        StringBuilder sb = new StringBuilder("{\"services\":{");
        for (int i = 0; i < services.size(); i++) {
            ServiceView s = services.get(i);
            Json.key(sb, i == 0, s.name());
            io.respproxy.routing.Topology t = s.runtime().topology();
            TopologyJson.append(sb, s.mode(), t, s.topologyAgeNanos(), s.nodes(t), s.runtime().source().addressMap(),
                    s.runtime().source().sentinels());
        }
        return sb.append("}}").toString();
    }

    /** A reload changed service {@code name}'s health settings: /topology judges replicas by them. */
    void healthSettings(String name, io.respproxy.health.HealthSettings health) {
        for (ServiceView s : services) {
            if (s.name().equals(name)) {
                s.healthSettings(health);
            }
        }
    }

    /** The labelled per-service families of /metrics. */
    ProxyMetrics metrics() {
        return new ProxyMetrics(services, server, clientMemory);
    }
}
