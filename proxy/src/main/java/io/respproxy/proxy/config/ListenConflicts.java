package io.respproxy.proxy.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds listeners, across all services and the admin port, that could not all bind: the same
 * host and port, or a wildcard (0.0.0.0, ::) and any host on the same port.
 */
final class ListenConflicts {
    private ListenConflicts() {}

    private record Bound(String path, HostPort address) {}

    static void check(Map<String, ServiceConfig> services, Optional<HostPort> admin, Problems problems) {
        List<Bound> seen = new ArrayList<>();
        services.forEach((name, service) -> {
            for (ListenerConfig l : service.listeners()) {
                add(seen, new Bound(com.typesafe.config.ConfigUtil.joinPath("respproxy", "services", name, "listen", l.name()),
                        l.address()), problems);
            }
        });
        admin.ifPresent(a -> add(seen, new Bound("respproxy.admin.listen", a), problems));
    }

    private static void add(List<Bound> seen, Bound b, Problems problems) {
        for (Bound other : seen) {
            if (other.address().overlaps(b.address())) {
                problems.add(b.path(), b.address() + " conflicts with " + other.path() + " (" + other.address()
                        + "): both use port " + b.address().port());
                return;
            }
        }
        seen.add(b);
    }
}
